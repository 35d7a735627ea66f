"""Loading and validating the records once per build, before any document is read.

The state lives on the application object, not in the pickled environment: it is rebuilt
on every build (so validation warnings appear on every build, incremental ones included)
and inherited by forked parallel readers and writers.  Only small fingerprints go into
the environment, to tell which incidents changed since the last build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from sphinx_incidents.core.check import CheckResult, check_paths, default_roster_path
from sphinx_incidents.core.clock import NowError, resolve_now
from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.policy import Policy, PolicyError, load_policy, resolve_policy_path
from sphinx_incidents.core.safefiles import UnreadableFile, read_limited
from sphinx_incidents.core.yamlnodes import MAX_BYTES
from sphinx_incidents.sphinxext.config import IncidentsConfig, config_location

logger = logging.getLogger(__name__)
WARNING_TYPE = "incidents"


@dataclass
class IncidentsState:
    config: IncidentsConfig
    policy: Policy
    now: datetime
    result: CheckResult
    by_id: dict[str, Incident] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    shared_fingerprint: str = ""  # policy + roster: a change touches every incident
    removed_pages: list[str] = field(default_factory=list)  # pages of deleted records

    @property
    def incidents(self) -> list[Incident]:
        return self.result.incidents


_STATES: dict[str, IncidentsState] = {}
"""The state of each project being built in this process, by source folder.

A module-level registry rather than an attribute of the (deprecated) ``env.app``: forked
parallel workers inherit it, and tests that build several projects in one process keep them
apart.
"""


def set_state(app: Sphinx, state: IncidentsState) -> None:
    _STATES[str(app.srcdir)] = state


def get_state(owner: Sphinx | BuildEnvironment) -> IncidentsState:
    """The state for the project that ``owner`` (the app or its environment) builds."""
    return _STATES[str(owner.srcdir)]


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:24]


def _read(path: Path | None) -> bytes:
    if path is None:
        return b""
    try:
        return read_limited(path, MAX_BYTES)  # never a FIFO, a device or 2 GB
    except UnreadableFile:
        return b"<unreadable>"


def load_state(app: Sphinx) -> IncidentsState:
    """Check every record and emit each diagnostic as a located Sphinx warning."""
    confdir = Path(app.confdir)
    config = IncidentsConfig.from_sphinx(app.config, confdir)
    policy_path = resolve_policy_path(config.policy, confdir)
    try:
        policy = load_policy(config.policy, confdir)
    except PolicyError as exc:
        for diagnostic in exc.diagnostics:
            logger.warning(
                "%s %s",
                diagnostic.code,
                diagnostic.message,
                type=WARNING_TYPE,
                subtype="policy",
                location=f"{diagnostic.path}:{diagnostic.line}",
            )
        policy = load_policy("openverse")
    try:
        now = resolve_now(config.now)
    except NowError as exc:
        logger.warning(
            "incidents_now: %s",
            exc,
            type=WARNING_TYPE,
            subtype="config",
            location=config_location(confdir, "incidents_now"),
        )
        now = resolve_now(None)
    if config.records_dir.is_dir():
        roster_path = config.roster or default_roster_path([config.records_dir])
        result = check_paths(
            [config.records_dir], policy, now, roster_path=roster_path, find_roster=False
        )
    else:
        logger.warning(
            "incidents_dir %s is not a folder",
            config.records_dir,
            type=WARNING_TYPE,
            subtype="config",
            location=config_location(confdir, "incidents_dir"),
        )
        roster_path = None
        result = CheckResult()
    for diagnostic in result.diagnostics:
        message = f"{diagnostic.code} {diagnostic.message}"
        if diagnostic.hint:
            message += f" ({diagnostic.hint})"
        logger.warning(
            "%s",
            message,
            type=WARNING_TYPE,
            subtype=diagnostic.code.lower(),
            location=f"{diagnostic.path}:{diagnostic.line}",
        )
    state = IncidentsState(config, policy, now, result)
    state.by_id = result.by_id()
    state.shared_fingerprint = _digest(
        _read(policy_path), _read(roster_path), repr(config).encode()
    )
    for incident in result.incidents:
        file_digest = result.digests.get(incident.id, "")
        state.fingerprints[incident.id] = _digest(
            state.shared_fingerprint.encode(), file_digest.encode()
        )
    return state
