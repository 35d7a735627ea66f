"""Who is logging: ``--by`` (or ``--recorded-by``), else ``$SPHINX_INCIDENTS_USER``, else the
roster person whose ``email`` is ``git config user.email``.

An event without an author is worth less in a review ("who rolled back?"), so the recording
commands refuse to guess: with none of the three they stop and say how to set one.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sphinx_incidents.cli.common import UsageError
from sphinx_incidents.core.model import Roster
from sphinx_incidents.core.project import ROSTER_NAME

USER_ENV = "SPHINX_INCIDENTS_USER"
GIT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Who:
    handle: str
    source: str  # where the handle came from, for messages


def git_email(folder: Path | None) -> str | None:
    """``git config user.email`` as seen from ``folder`` (its repository's config counts);
    ``None`` without git, outside a configured repository, or on any failure."""
    try:
        done = subprocess.run(
            ["git", "config", "user.email"],
            cwd=folder if folder is not None and folder.is_dir() else None,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    email = done.stdout.strip()
    return email if done.returncode == 0 and email else None


def who_is(
    given: str | None, option: str, roster: Roster | None, folder: Path | None, verb: str
) -> Who:
    """The handle of whoever runs the command; :class:`UsageError` saying how to set one.

    ``verb`` completes "who is ...?" in the message (``logging``, ``recording``).
    """
    if given:
        return Who(given, option)
    from_env = os.environ.get(USER_ENV, "").strip()
    if from_env:
        return Who(from_env, f"${USER_ENV}")
    email = git_email(folder)
    if email and roster is not None:
        person = roster.by_email(email)
        if person is not None:
            return Who(person.handle, f"git config user.email ({email}) in {roster.path}")
    roster_file = roster.path if roster is not None else f"{folder or '.'}/{ROSTER_NAME}"
    if email:
        found = f"`git config user.email` is {email}, which no one in {roster_file} has"
    else:
        found = "`git config user.email` is not set"
    raise UsageError(
        f"who is {verb}? pass {option} HANDLE, or set {USER_ENV}=HANDLE (say, in your shell "
        f"profile), or add `email: <your git e-mail>` to your entry in {roster_file} "
        f"({found})"
    )
