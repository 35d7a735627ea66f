"""What every subcommand shares: the records folder, policy, roster and now; errors; colour."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sphinx_incidents.core.check import display_path
from sphinx_incidents.core.clock import NowError, resolve_now
from sphinx_incidents.core.diagnostics import Diagnostic
from sphinx_incidents.core.policy import Policy, PolicyError, load_policy, shipped_policies
from sphinx_incidents.core.project import (
    DEFAULT_POLICY,
    ENV_DIR,
    POLICY_NAME,
    RECORDS_DIRNAME,
    ROSTER_NAME,
    DiscoveryError,
    PolicyChoice,
    choose_policy,
    choose_roster,
    find_records_dir,
    folder_file,
    records_root,
)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2, a message, no traceback."""


class PolicyProblem(UsageError):
    """The policy file is broken: its located diagnostics (``_policy.yaml:12:3: POLICY ...``).

    ``check`` prints them in its output format and exits 1, like problems in records; every
    other command stops with them (exit 2), since it cannot work without a policy.
    """

    def __init__(self, origin: str, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        lines = "\n".join(d.format_text() for d in diagnostics)
        super().__init__(f"invalid policy ({origin}):\n{lines}")


def add_project_options(parser: argparse.ArgumentParser, dir_option: bool = True) -> None:
    """``--dir``, ``--policy``, ``--roster`` and ``--now``, the same for every command."""
    if dir_option:
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"the records folder (default: found as described in 'sphinx-incidents "
            f"--help': ${ENV_DIR}, [tool.sphinx-incidents] dir in pyproject.toml, or "
            f"{RECORDS_DIRNAME}/ here or in a parent folder)",
        )
    parser.add_argument(
        "--policy",
        default=None,
        metavar="POLICY",
        help=f"a shipped policy name ({', '.join(shipped_policies())}) or a policy YAML file "
        f"(default: the records folder's {POLICY_NAME}, else {DEFAULT_POLICY})",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        default=None,
        help=f"roster file (default: {ROSTER_NAME} in the records folder)",
    )
    parser.add_argument(
        "--now",
        default=None,
        help="ISO timestamp used as 'now' (default: SOURCE_DATE_EPOCH, else the clock)",
    )


@dataclass
class Project:
    """What a command works on: the records folder, its policy and its roster file."""

    folder: Path | None
    policy: Policy
    policy_choice: PolicyChoice
    roster_path: Path | None


def records_folder(args: argparse.Namespace) -> Path:
    """``--dir`` when given (it must exist), else the discovered records folder."""
    given: Path | None = getattr(args, "dir", None)
    if given is not None:
        if not given.is_dir():
            raise UsageError(f"--dir {given}: no such folder")
        # A year subfolder (incident_records/2026) is part of its records folder: the
        # roster and policy are there, and ids are unique across all of it.
        owner = records_root([given])
        if owner is not None and owner != Path(os.path.abspath(given)):
            shown = Path(display_path(owner))
            print(
                f"note: --dir {given} is inside the records folder {shown} (which holds its "
                f"{ROSTER_NAME if folder_file(owner, ROSTER_NAME) else POLICY_NAME}); using "
                f"{shown}",
                file=sys.stderr,
            )
            return shown
        return given
    try:
        found = find_records_dir().path
    except DiscoveryError as exc:
        raise UsageError(str(exc)) from None
    return Path(display_path(found))  # messages show incident_records/x.yaml, not /home/...


def project_from(args: argparse.Namespace, folder: Path | None) -> Project:
    """The policy and roster for ``folder`` (``--policy``/``--roster`` win)."""
    roster: Path | None = args.roster
    if roster is not None and not roster.is_file():
        raise UsageError(f"--roster {roster}: no such file")
    choice = choose_policy(args.policy, "--policy", folder)
    try:
        policy = load_policy(choice.spec, choice.base)
    except PolicyError as exc:
        if exc.unreadable:  # a --policy that names no file is a usage error, not a problem
            raise UsageError(f"invalid policy ({choice.origin}):\n{exc}") from None
        raise PolicyProblem(choice.origin, exc.diagnostics) from None
    return Project(folder, policy, choice, choose_roster(roster, folder))


def now_from(args: argparse.Namespace) -> datetime:
    try:
        return resolve_now(args.now)
    except NowError as exc:
        raise UsageError(f"--now: {exc}") from None


def use_colour(stream: TextIO) -> bool:
    """Colour on a terminal; never with ``NO_COLOR`` (https://no-color.org); always with
    ``FORCE_COLOR`` (https://force-color.org: CI logs that show colours).  ``NO_COLOR`` wins
    when both are set, as in CPython; ``TERM=dumb`` means no colour unless forced."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, code: str, stream: TextIO | None = None) -> str:
    """ANSI colour ``code`` around ``text`` when ``stream`` (default: stdout now) is a TTY."""
    target = sys.stdout if stream is None else stream
    return f"\x1b[{code}m{text}\x1b[0m" if use_colour(target) else text
