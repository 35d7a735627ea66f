"""Checking a set of record files: the one entry point the CLI and the extension share.

One unreadable file never stops the others being checked; every problem becomes a
:class:`~sphinx_incidents.core.diagnostics.Diagnostic`.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sphinx_incidents.core.codes import level_of
from sphinx_incidents.core.diagnostics import Diagnostic, has_errors
from sphinx_incidents.core.fieldtypes import Context
from sphinx_incidents.core.ids import id_problem
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.project import ROSTER_NAME, repository_root
from sphinx_incidents.core.recordfiles import (
    RECORD_SUFFIXES,
    escaping_symlink,
    is_record_file,
    scan,
)
from sphinx_incidents.core.records import load_incident, load_roster, read_bytes
from sphinx_incidents.core.rules import RuleEnv, check_related, run_rules

__all__ = [
    "RECORD_SUFFIXES",
    "ROSTER_NAME",
    "CheckResult",
    "check_paths",
    "default_roster_path",
    "display_path",
    "find_record_files",
    "is_record_file",
]


@dataclass
class CheckResult:
    incidents: list[Incident] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    roster: Roster | None = None
    digests: dict[str, str] = field(default_factory=dict)  # id -> sha256 of the file's bytes
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def by_id(self) -> dict[str, Incident]:
        return {incident.id: incident for incident in self.incidents}


def display_path(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when it is nearby.

    Nearby: below ``base``, or in the same repository (``docs/`` is a usual place to run
    from, so ``../incident_records/x.yaml`` is kept). Anything else is shown absolute.
    """
    if not path.is_absolute():
        return str(path)
    base = base or Path.cwd()
    try:
        relative = os.path.relpath(path, base)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    if not relative.startswith(".."):
        return relative
    root = repository_root(base)
    return relative if root is not None and root in path.parents else str(path)


def find_record_files(paths: Iterable[Path]) -> list[Path]:
    """Record files among files and folders (folders: recursively, see
    :mod:`~sphinx_incidents.core.recordfiles`)."""
    return scan(paths).files


def default_roster_path(paths: Iterable[Path]) -> Path | None:
    for path in paths:
        folder = path if path.is_dir() else path.parent
        candidate = folder / ROSTER_NAME
        if os.path.lexists(candidate):  # a FIFO or a bad symlink is reported, not ignored
            return candidate
    return None


def check_paths(
    paths: Iterable[Path],
    policy: Policy,
    now: datetime,
    roster_path: Path | None = None,
    base: Path | None = None,
    find_roster: bool = True,
    records_dir: Path | None = None,
) -> CheckResult:
    """Load and validate every record under ``paths`` (files or folders).

    ``records_dir`` is the records folder the paths belong to: ``related`` ids (INC012) may
    name any record in it, not only the ones checked (the pre-commit hook checks the changed
    files alone).  The policy's rule levels apply to every diagnostic, the roster's too.
    """
    paths = list(paths)
    result = CheckResult()
    if roster_path is None and find_roster:
        roster_path = default_roster_path(paths)
    if roster_path is not None:
        shown = display_path(roster_path, base)
        escape = escaping_symlink(roster_path, roster_path.parent)
        if escape is None:
            roster, ctx = load_roster(roster_path, shown)
            result.roster = roster
            result.diagnostics.extend(policy.apply_levels(ctx.diagnostics))
        else:
            skipped = _skipped(shown, escape.code, escape.message, escape.hint)
            result.diagnostics.extend(policy.apply_levels([skipped]))
    found = scan(paths)
    files = found.files
    result.files = files
    result.diagnostics.extend(
        policy.apply_levels(
            _skipped(display_path(entry.path, base), entry.code, entry.message, entry.hint)
            for entry in found.skipped
        )
    )
    base = base or Path.cwd()
    # Thousands of records keep ~100 small node objects each alive; the cyclic garbage
    # collector would rescan them again and again (a third of the run time at 10,000
    # records). The trees hold no reference cycles, so pausing it loses nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _check_files(files, policy, now, base, result)
        if policy.is_on("INC012"):
            known = {path.stem for path in files}
            if records_dir is not None and records_dir.is_dir():
                known.update(path.stem for path in find_record_files([records_dir]))
            _check_related(result, policy, known)
    finally:
        if collecting:
            gc.enable()
    result.diagnostics.sort(key=lambda d: (d.path, d.line, d.column, d.code))
    return result


def _check_files(
    files: list[Path], policy: Policy, now: datetime, base: Path, result: CheckResult
) -> None:
    seen: dict[str, tuple[str, Path]] = {}
    for path in files:
        shown = display_path(path, base)
        incident_id = path.stem
        ctx = Context(shown, policy)
        id_ok = _check_id(incident_id, path, policy, ctx)
        if incident_id in seen:
            first, first_path = seen[incident_id]
            ctx.report(
                (1, 1),
                "INC011",
                f"incident id '{incident_id}' is also used by {first}",
                "keep one file per incident (.yaml or .yml, not both)"
                if first_path.parent == path.parent
                else "ids are unique across all folders: rename or remove one of the two files",
            )
            id_ok = False
        seen.setdefault(incident_id, (shown, path))
        data = read_bytes(path, ctx)
        if data is not None:
            result.digests[incident_id] = hashlib.sha256(data).hexdigest()
        incident = (
            load_incident(path, shown, incident_id, policy, result.roster, ctx, data)
            if data is not None
            else None
        )
        if incident is not None:
            run_rules(incident, RuleEnv(policy, result.roster, now, ctx))
            if id_ok:
                result.incidents.append(incident)
        result.diagnostics.extend(policy.apply_levels(ctx.diagnostics))


def _check_related(result: CheckResult, policy: Policy, known: set[str]) -> None:
    for incident in result.incidents:
        if incident.related:
            ctx = Context(incident.path, policy)
            check_related(incident, known, ctx)
            result.diagnostics.extend(policy.apply_levels(ctx.diagnostics))


def _check_id(incident_id: str, path: Path, policy: Policy, ctx: Context) -> bool:
    if path.suffix not in RECORD_SUFFIXES:
        ctx.report((1, 1), "INC010", f"'{path.name}' is not a .yaml or .yml file")
        return False
    problem = id_problem(incident_id, policy)
    if problem is not None:
        ctx.report((1, 1), "INC010", *problem)
        return False
    return True


def _skipped(shown: str, code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(shown, 1, 1, code, level_of(code), message, hint)
