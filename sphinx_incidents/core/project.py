"""Where the records are, and which policy and roster go with them: one answer for every tool.

A team's CI runs ``sphinx-incidents check``, its pre-commit hook runs it on every commit, a
responder runs ``new`` and ``log`` mid-outage from whatever folder their terminal is in, and
the docs build runs ``sphinx-build -W``.  If these found different records, or judged them by
different policies, CI and the site would disagree.  So the answer lives here, in the core,
and every tool asks the same question the same way:

**The records folder** (:func:`find_records_dir`), first match wins:

1. an explicit folder (``--dir``, ``check PATH``, or ``incidents_dir`` in ``conf.py``);
2. the environment variable ``SPHINX_INCIDENTS_DIR``;
3. walking up from the working directory to the repository root (the first folder holding
   ``.git``), in each folder: a ``[tool.sphinx-incidents]`` table with ``dir = "..."`` in
   ``.sphinx-incidents.toml`` or ``pyproject.toml`` (relative to that file), else an
   ``incident_records/`` subfolder.

**The policy** (:func:`choose_policy`): an explicit one (``--policy``, ``incidents_policy``),
else the folder's own ``_policy.yaml``, else the shipped ``openverse`` policy.

**The roster** (:func:`choose_roster`): an explicit one (``--roster``, ``incidents_roster``),
else the folder's ``_roster.yaml`` when it exists.

Configuration files are read as TOML data (:mod:`tomllib`); nothing is ever executed.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

RECORDS_DIRNAME = "incident_records"
POLICY_NAME = "_policy.yaml"
ROSTER_NAME = "_roster.yaml"
DEFAULT_POLICY = "openverse"
ENV_DIR = "SPHINX_INCIDENTS_DIR"
CONFIG_FILES = (".sphinx-incidents.toml", "pyproject.toml")
TOOL_TABLE = "sphinx-incidents"
MAX_CONFIG_BYTES = 1024 * 1024  # a pyproject.toml is a few kB; never read a huge file


class DiscoveryError(Exception):
    """No records folder could be found, or a configuration file is unusable."""


@dataclass(frozen=True)
class RecordsDir:
    """A records folder and how it was found (for messages: ``found via ...``)."""

    path: Path
    how: str


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git`` (a folder or a file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _ancestors(start: Path) -> list[Path]:
    """``start`` and its parents, up to the repository root (or the file system's root)."""
    root = repository_root(start)
    folders = []
    for folder in (start, *start.parents):
        folders.append(folder)
        if folder == root:
            break
    return folders


def _read_small(path: Path) -> bytes:
    """At most :data:`MAX_CONFIG_BYTES` of a regular file (never a FIFO or a device)."""
    if not path.is_file():
        raise DiscoveryError(f"{path}: not a regular file")
    with path.open("rb") as stream:
        data = stream.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise DiscoveryError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; not a config file")
    return data


def configured_dir(config_file: Path) -> Path | None:
    """``dir`` of the ``[tool.sphinx-incidents]`` table in ``config_file``, if it has one."""
    try:
        data = tomllib.loads(_read_small(config_file).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DiscoveryError(f"{config_file}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DiscoveryError(f"{config_file}: not valid TOML ({exc})") from None
    tool = data.get("tool")
    table = tool.get(TOOL_TABLE) if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise DiscoveryError(f"{config_file}: [tool.{TOOL_TABLE}] must be a table")
    unknown = sorted(set(table) - {"dir"})
    if unknown:
        raise DiscoveryError(
            f"{config_file}: unknown key(s) in [tool.{TOOL_TABLE}]: {', '.join(unknown)} "
            "(known: dir)"
        )
    value = table.get("dir")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DiscoveryError(f"{config_file}: [tool.{TOOL_TABLE}] dir must be a folder path")
    return config_file.parent / value


def find_records_dir(
    start: Path | None = None, environ: Mapping[str, str] | None = None
) -> RecordsDir:
    """The records folder for a tool run in ``start`` (default: the working directory).

    :class:`DiscoveryError` when nothing names one; its message lists what was tried.
    """
    env = os.environ if environ is None else environ
    from_env = env.get(ENV_DIR)
    if from_env:
        path = Path(from_env)
        if not path.is_dir():
            raise DiscoveryError(f"{ENV_DIR}={from_env}: no such folder")
        return RecordsDir(path, f"${ENV_DIR}")
    here = Path.cwd() if start is None else start
    here = Path(os.path.abspath(here))
    for folder in _ancestors(here):
        for name in CONFIG_FILES:
            config_file = folder / name
            if not config_file.is_file():
                continue
            configured = configured_dir(config_file)
            if configured is None:
                continue
            if not configured.is_dir():
                raise DiscoveryError(
                    f"{config_file}: [tool.{TOOL_TABLE}] dir = {configured.name!r}: "
                    f"no such folder ({configured})"
                )
            return RecordsDir(configured, f"{config_file} [tool.{TOOL_TABLE}]")
        candidate = folder / RECORDS_DIRNAME
        if candidate.is_dir():
            return RecordsDir(candidate, f"{RECORDS_DIRNAME}/ in {folder}")
    raise DiscoveryError(
        f"no records folder found: looked for {RECORDS_DIRNAME}/ and for "
        f"[tool.{TOOL_TABLE}] dir = ... in {' or '.join(CONFIG_FILES)} in {here} and its "
        f"parents up to the repository root; pass --dir DIR or set {ENV_DIR}"
    )


def folder_file(folder: Path | None, name: str) -> Path | None:
    """``folder/name`` when it exists and is not a folder (``_policy.yaml``,
    ``_roster.yaml``): a FIFO or a symlink leading elsewhere is returned too, so that the
    reader refuses it with a message instead of the tools silently doing without it."""
    if folder is None:
        return None
    candidate = folder / name
    return candidate if os.path.lexists(candidate) and not candidate.is_dir() else None


def records_root(paths: Iterable[Path]) -> Path | None:
    """The records folder that ``check PATH ...`` paths belong to.

    The nearest folder at or above the first path (a folder itself, or a file's folder), up
    to the repository root, that holds ``_policy.yaml`` or ``_roster.yaml``: so checking
    ``incident_records/2025/`` or one record file uses the folder's own policy and roster.
    ``None`` when there is no such folder.
    """
    for path in paths:
        start = Path(os.path.abspath(path))
        if not start.is_dir():
            start = start.parent
        for folder in _ancestors(start):
            if folder_file(folder, POLICY_NAME) or folder_file(folder, ROSTER_NAME):
                return folder
        return None
    return None


@dataclass(frozen=True)
class PolicyChoice:
    """Which policy a tool uses: ``spec`` for :func:`~sphinx_incidents.core.policy.load_policy`
    (a shipped name or a path, relative to ``base``), and where the choice came from."""

    spec: str
    base: Path | None
    origin: str


def choose_policy(
    explicit: str | None, explicit_origin: str, folder: Path | None, base: Path | None = None
) -> PolicyChoice:
    """An explicit policy, else ``<folder>/_policy.yaml``, else the shipped default."""
    if explicit:
        return PolicyChoice(explicit, base, explicit_origin)
    own = folder_file(folder, POLICY_NAME)
    if own is not None:
        return PolicyChoice(str(own), None, str(own))
    return PolicyChoice(DEFAULT_POLICY, None, "the default policy")


def choose_roster(explicit: Path | None, folder: Path | None) -> Path | None:
    """An explicit roster file, else ``<folder>/_roster.yaml`` when it exists."""
    if explicit is not None:
        return explicit
    return folder_file(folder, ROSTER_NAME)
