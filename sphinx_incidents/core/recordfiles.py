"""Which entries of a records folder are records, and what is skipped (and said so).

Records live in the folder and in its subfolders, at any depth up to
:data:`MAX_FOLDER_DEPTH` (``incident_records/2024/...``: archiving by year is a ``git mv``).
A record is a regular file named ``*.yaml`` or ``*.yml`` whose name does not start with ``_``
or ``.``; names starting with ``_`` or ``.`` (``_roster.yaml``, ``_policy.yaml``,
``_schema.json``, ``.git``, an ``_archive/`` folder) are never records and are passed over
silently, as are other regular files (``README.md``).

Everything else that could have been meant as a record is reported, never skipped silently:

- INC014 (error): a symlink that resolves outside the records folder.  It is not read, so a
  pull request cannot make the build or ``check`` print a file of the machine
  (``x.yaml -> ~/.ssh/id_rsa``) in a message;
- INC013 (warning): a dangling symlink, a FIFO, socket or device, a folder named like a record
  (``x.yaml/``, read as a folder), a file whose suffix is not lowercase (``x.YAML``), a
  symlink to a folder (not followed: loops and duplicate ids), a folder nested too deeply, a
  folder that cannot be listed.

A symlink to a file inside the records folder is read like the file it points to.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sphinx_incidents.core.safefiles import file_kind, is_inside
from sphinx_incidents.core.safetext import printable

RECORD_SUFFIXES = (".yaml", ".yml")
MAX_FOLDER_DEPTH = 8
"""Subfolder levels below the records folder that are read (a year, a month, ... is 2)."""


@dataclass(frozen=True)
class Skipped:
    """An entry that is not read as a record, with the diagnostic to report."""

    path: Path
    code: str  # INC013 (warning) or INC014 (error)
    message: str
    hint: str


@dataclass
class Scan:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def is_record_file(path: Path) -> bool:
    """Named like a record: ``*.yaml`` or ``*.yml``, not starting with ``_`` or ``.``."""
    return path.suffix in RECORD_SUFFIXES and not path.name.startswith(("_", "."))


def _looks_like_record(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in RECORD_SUFFIXES


def _outside(path: Path, root: Path) -> Skipped:
    try:
        target = printable(os.readlink(path), 120)
    except OSError:
        target = "?"
    return Skipped(
        path,
        "INC014",
        f"symlink to '{target}', outside the records folder: not read",
        "records are files in the records folder; copy the record in instead of linking to it",
    )


def _skip(path: Path, why: str, hint: str) -> Skipped:
    return Skipped(path, "INC013", f"skipped: {why}", hint)


def escaping_symlink(path: Path, root: Path) -> Skipped | None:
    """INC014 when ``path`` is a symlink resolving outside ``root``."""
    if os.path.islink(path) and not is_inside(path, root):
        return _outside(path, root)
    return None


def scan(paths: Iterable[Path]) -> Scan:
    """Records among files and folders (folders: recursively), and the skipped entries.

    A file given by name is always a candidate (it is read and reported on); its own
    folder is the boundary symlinks may not leave.
    """
    result = Scan()
    for path in paths:
        if path.is_dir():
            _walk(path, path, 0, result)
            continue
        escape = escaping_symlink(path, path.parent)
        if escape is not None:
            result.skipped.append(escape)
        else:
            result.files.append(path)
    return result


def _walk(folder: Path, root: Path, depth: int, result: Scan) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        result.skipped.append(
            _skip(folder, f"cannot list the folder ({exc.strerror or exc})", "check permissions")
        )
        return
    for entry in entries:
        name = entry.name
        if name.startswith(("_", ".")):
            continue
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                if not is_inside(path, root):
                    result.skipped.append(_outside(path, root))
                    continue
                try:
                    mode = os.stat(path).st_mode
                except OSError:
                    result.skipped.append(
                        _skip(path, "a symlink whose target does not exist", "remove the link")
                    )
                    continue
                if stat.S_ISDIR(mode):
                    result.skipped.append(
                        _skip(
                            path,
                            "a symlink to a folder is not followed",
                            "move the folder here instead of linking to it",
                        )
                    )
                    continue
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:  # vanished while listing
            result.skipped.append(_skip(path, exc.strerror or str(exc), "check the folder"))
            continue
        if stat.S_ISDIR(mode):
            if _looks_like_record(name):
                result.skipped.append(
                    _skip(
                        path,
                        "a folder named like a record file (its records are read)",
                        "rename the folder; a record is a file",
                    )
                )
            if depth >= MAX_FOLDER_DEPTH:
                result.skipped.append(
                    _skip(
                        path,
                        f"a folder nested more than {MAX_FOLDER_DEPTH} levels deep",
                        "keep records at most a few folders deep (e.g. one per year)",
                    )
                )
                continue
            _walk(path, root, depth + 1, result)
        elif not stat.S_ISREG(mode):
            result.skipped.append(
                _skip(path, f"{file_kind(mode)}, not a file", "a record is a regular file")
            )
        elif path.suffix in RECORD_SUFFIXES:
            result.files.append(path)
        elif _looks_like_record(name):
            result.skipped.append(
                _skip(
                    path,
                    f"the suffix '{printable(path.suffix)}' is not lowercase",
                    f"rename it to {printable(path.stem)}{path.suffix.lower()}",
                )
            )
