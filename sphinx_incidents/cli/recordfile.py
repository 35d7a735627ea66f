"""Changing one existing record safely: the flow ``follow-up`` and ``retro`` share with ``log``.

Under the record's lock: read it, make the change as text, validate the result exactly as
``check`` would, and write it atomically only when the change adds no error.  A refused change
prints the reasons and leaves the file byte for byte as it was.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sphinx_incidents.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    Project,
    UsageError,
    now_from,
    project_from,
)
from sphinx_incidents.cli.record import (
    _known_ids,
    _record_path,
    _refused,
    _roster,
    _show,
    read_record,
    refuse_unwritable,
)
from sphinx_incidents.core.check import display_path
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.editing import (
    EditError,
    added,
    check_record_bytes,
    locked,
    write_atomic,
)
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.safefiles import UnreadableFile

Edit = Callable[[str, Incident | None], str]
"""Makes the change: the record's text (and what it reads as) -> the new text."""


@dataclass
class Target:
    """The record a command changes, with the policy, roster and "now" it is checked with."""

    path: Path
    folder: Path | None
    project: Project
    roster: Roster | None
    now: datetime
    known: set[str]  # the folder's ids, which `related` may name (INC012)
    force: bool = False  # write even a read-only record

    @property
    def shown(self) -> str:
        return display_path(self.path)

    @property
    def id(self) -> str:
        return self.path.stem

    def check(self, data: bytes) -> tuple[Incident | None, list[Diagnostic]]:
        """What ``check`` would say about the record if ``data`` were its content."""
        policy = self.project.policy
        return check_record_bytes(
            data, self.id, self.shown, policy, self.roster, self.now, self.known
        )

    def read(self) -> Incident | None:
        """The record as it is now (``None`` when it cannot be read)."""
        try:
            data = read_record(self.path)
        except UnreadableFile as exc:
            raise UsageError(f"{self.shown}: {exc.reason}") from None
        incident, _ = self.check(data)

        return incident


def target_from(args: argparse.Namespace) -> Target:
    """The record named by ``args.id`` (an id or a path) and everything needed to check it."""
    now = now_from(args).replace(microsecond=0)
    path, folder = _record_path(args)
    project = project_from(args, folder)
    known = _known_ids(folder if folder is not None else path.parent)
    force = bool(getattr(args, "force", False))
    return Target(path, folder, project, _roster(project), now, known, force)


def change_record(command: str, target: Target, edit: Edit) -> tuple[int, Incident | None]:
    """Apply ``edit`` under the lock; the exit status and the record as written (or ``None``)."""
    if refuse_unwritable(command, target.path, target.folder, target.force):
        return EXIT_ERRORS, None
    try:
        with locked(target.path):
            return _change(command, target, edit)
    except FileNotFoundError:
        raise UsageError(f"{target.shown}: the record disappeared") from None
    except OSError as exc:
        raise UsageError(f"{target.shown}: {exc.strerror or exc}") from None


def _change(command: str, target: Target, edit: Edit) -> tuple[int, Incident | None]:
    shown = target.shown
    try:
        old = read_record(target.path)
    except UnreadableFile as exc:
        _refused(command, f"{shown} is unchanged: {exc.reason} (run check)")
        return EXIT_ERRORS, None
    current, before = target.check(old)
    try:
        new = edit(old.decode("utf-8"), current).encode("utf-8")
    except UnicodeDecodeError:
        _refused(command, f"{shown} is unchanged: it is not UTF-8 text (run check)")
        return EXIT_ERRORS, None
    except EditError as exc:
        _refused(command, f"{shown} is unchanged: {exc}")
        return EXIT_ERRORS, None
    except ValueError as exc:
        raise UsageError(f"an argument is {exc}") from None
    updated, after = target.check(new)
    errors = added(before, after, Level.ERROR)
    if errors:
        _refused(command, f"{shown} is unchanged; the change would make the record invalid:")
        _show(errors)
        return EXIT_ERRORS, None
    write_atomic(target.path, new)
    _show(added(before, after, Level.WARNING))
    return EXIT_OK, updated
