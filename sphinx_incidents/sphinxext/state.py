"""Loading and validating the records once per build, before any document is read.

The state lives on the application object, not in the pickled environment: it is rebuilt
on every build (so validation warnings appear on every build, incremental ones included)
and inherited by forked parallel readers and writers.  Only small fingerprints go into
the environment, to tell which incidents changed since the last build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.logging import is_suppressed_warning

from sphinx_incidents.core.analytics import related_from
from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import NowError, resolve_now
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.policy import Policy, PolicyError, load_policy, resolve_policy_path
from sphinx_incidents.core.project import (
    DEFAULT_POLICY,
    ENV_DIR,
    POLICY_NAME,
    DiscoveryError,
    choose_policy,
    choose_roster,
    find_records_dir,
    folder_file,
    repository_root,
)
from sphinx_incidents.core.safefiles import UnreadableFile, read_limited
from sphinx_incidents.core.visibility import anonymous, split_private
from sphinx_incidents.core.yamlnodes import MAX_BYTES
from sphinx_incidents.sphinxext.config import IncidentsConfig

logger = logging.getLogger(__name__)
WARNING_TYPE = "incidents"
PRIVATE_KEY = " private"
"""The fingerprint of the private records counted anonymously (an id has no space)."""


@dataclass
class IncidentsState:
    """``now`` is what the time-dependent rules (INC025, INC043, INC044) compare with:
    ``incidents_now``, else ``SOURCE_DATE_EPOCH``, else the clock.  ``page_now`` is what pages
    may show: the project's own ``incidents_now`` or ``None``, the reader's clock (see
    :mod:`~sphinx_incidents.sphinxext.clock`), so that no page changes with the build's."""

    config: IncidentsConfig
    policy: Policy
    now: datetime
    result: CheckResult
    page_now: datetime | None = None
    by_id: dict[str, Incident] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    shared_fingerprint: str = ""  # policy + roster: a change touches every incident
    removed_pages: list[str] = field(default_factory=list)  # pages of deleted records
    related_from: dict[str, list[str]] = field(default_factory=dict)  # id -> ids naming it
    incidents: list[Incident] = field(default_factory=list)
    """What this build shows: the public records, or every record in an internal build
    (``incidents_include_private``).  Every page, view and output file reads this list."""
    hidden: list[Incident] = field(default_factory=list)
    """Private records left out of this build: nothing of them is shown or written."""

    @cached_property
    def hidden_ids(self) -> frozenset[str]:
        return frozenset(incident.id for incident in self.hidden)

    @cached_property
    def private_shown_ids(self) -> frozenset[str]:
        """Private incidents this (internal) build shows, and marks."""
        return frozenset(incident.id for incident in self.incidents if incident.is_private)

    @property
    def counted(self) -> list[Incident]:
        """What metrics and the lead distribution count: the shown incidents, plus anonymous
        copies of the hidden ones with ``incidents_count_private`` (see
        :func:`~sphinx_incidents.core.visibility.anonymous`)."""
        if not self.config.count_private:
            return self.incidents
        roster = self.result.roster
        people = {person.handle for person in roster.people} if roster is not None else set()
        people.update(handle for incident in self.incidents for handle in incident.leads)
        return self.incidents + [anonymous(incident, people) for incident in self.hidden]


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


def _conf_line(confdir: Path, name: str) -> str:
    """``conf.py:LINE`` of the assignment to ``name`` (the file is read, never executed)."""
    conf = confdir / "conf.py"
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(conf)
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(name) and line.split("=", 1)[0].strip() == name:
            return f"{conf}:{number}"
    return str(conf)


def _choose_policy(
    app: Sphinx, config: IncidentsConfig, confdir: Path
) -> tuple[Policy, list[Diagnostic]]:
    """``incidents_policy``, else the records folder's ``_policy.yaml``, else the default;
    and the policy file's problems (the default policy is used when there are some).

    The command line never reads conf.py, so a policy named only there would make
    ``sphinx-incidents check`` and the build disagree: say so when the folder has its own.
    """
    choice = choose_policy(config.policy, "incidents_policy", config.records_dir, confdir)
    own = folder_file(config.records_dir, POLICY_NAME)
    if config.policy is not None and own is not None:
        logger.warning(
            "incidents_policy = %r overrides %s for this build, but the command line "
            "(sphinx-incidents check, new, log, the pre-commit hook) uses %s; remove "
            "incidents_policy from conf.py, or put that policy in %s",
            config.policy,
            own,
            POLICY_NAME,
            POLICY_NAME,
            type=WARNING_TYPE,
            subtype="policy_override",
            location=_conf_line(confdir, "incidents_policy"),
        )
    try:
        return load_policy(choice.spec, choice.base), []
    except PolicyError as exc:
        problems = exc.diagnostics
        missing = not resolve_policy_path(choice.spec, choice.base).is_file()
        if config.policy is not None and missing:  # a typo in conf.py: point at its line
            conf, _, line = _conf_line(confdir, "incidents_policy").rpartition(":")
            if line.isdigit():
                problems = [replace(d, path=conf, line=int(line), column=1) for d in problems]
        return load_policy(DEFAULT_POLICY), problems


def _check_discovery(config: IncidentsConfig, confdir: Path) -> None:
    """Warn when ``sphinx-incidents`` run from the docs folder would find other records, or,
    in a repository, none (a project outside version control, such as a test's scratch
    site, has no command line to agree with)."""
    try:
        found = find_records_dir(confdir).path.resolve()
    except DiscoveryError as exc:
        if repository_root(config.records_dir) is not None:
            logger.warning(
                "incidents_dir is %s, but sphinx-incidents run from %s finds no records "
                "folder (%s); set [tool.sphinx-incidents] dir in the repository's "
                "pyproject.toml so that check, new, log, the pre-commit hook and this build "
                "use the same records",
                config.records_dir,
                confdir,
                exc,
                type=WARNING_TYPE,
                subtype="discovery",
                location=_conf_line(confdir, "incidents_dir"),
            )
        return
    if found != config.records_dir:
        logger.warning(
            "incidents_dir is %s, but sphinx-incidents run from %s finds %s; set "
            "[tool.sphinx-incidents] dir in pyproject.toml (or %s) so that check, new, log "
            "and this build use the same records",
            config.records_dir,
            confdir,
            found,
            ENV_DIR,
            type=WARNING_TYPE,
            subtype="discovery",
            location=_conf_line(confdir, "incidents_dir"),
        )


def report(diagnostics: list[Diagnostic], strict: bool, suppress: list[str]) -> None:
    """Every diagnostic as a located log line, failing ``-W`` exactly when ``check`` fails.

    Errors are Sphinx warnings (``sphinx-build -W`` fails, as ``check`` exits 1).  Rule
    warnings, among them the time-dependent rules (INC025, INC043, INC044), are located
    *info* lines, since ``check`` exits 0 on them and a build must not start failing
    because the clock moved; ``incidents_strict = True`` makes them warnings, as
    ``check --strict`` does.  ``suppress_warnings`` (``incidents.inc044``) hides either.
    """
    for diagnostic in diagnostics:
        subtype = "policy" if diagnostic.code == "POLICY" else diagnostic.code.lower()
        message = f"{diagnostic.code} {diagnostic.message}"
        if diagnostic.hint:
            message += f" ({diagnostic.hint})"
        location = f"{diagnostic.path}:{diagnostic.line}"
        if diagnostic.level is Level.ERROR or strict:
            logger.warning("%s", message, type=WARNING_TYPE, subtype=subtype, location=location)
        elif not is_suppressed_warning(WARNING_TYPE, subtype, suppress):
            logger.info("%s", message.replace(" ", " [warning] ", 1), location=location)


def load_state(app: Sphinx) -> IncidentsState:
    """Check every record and report each diagnostic, located (see :func:`report`)."""
    confdir = Path(app.confdir)
    config = IncidentsConfig.from_sphinx(app.config, confdir)
    policy, policy_problems = _choose_policy(app, config, confdir)
    page_now = None
    try:
        now = resolve_now(config.now)
        page_now = now if config.now else None
    except NowError as exc:
        logger.warning(
            "incidents_now: %s",
            exc,
            type=WARNING_TYPE,
            subtype="config",
            location=_conf_line(confdir, "incidents_now"),
        )
        now = resolve_now(None)
    if config.records_dir.is_dir():
        _check_discovery(config, confdir)
        roster_path = choose_roster(config.roster, config.records_dir)
        result = check_paths(
            [config.records_dir],
            policy,
            now,
            roster_path=roster_path,
            find_roster=False,
            records_dir=config.records_dir,
        )
    else:
        logger.warning(
            "incidents_dir %s is not a folder",
            config.records_dir,
            type=WARNING_TYPE,
            subtype="config",
            location=_conf_line(confdir, "incidents_dir"),
        )
        roster_path = None
        result = CheckResult()
    # With a broken policy, the records are judged by the default one only so that pages
    # can be written: their problems would be noise; the policy's are what check reports.
    shown = policy_problems or result.diagnostics
    report(shown, config.strict, list(app.config.suppress_warnings))
    state = IncidentsState(config, policy, now, result, page_now)
    state.incidents, state.hidden = split_private(result.incidents, config.include_private)
    state.by_id = {incident.id: incident for incident in state.incidents}
    state.related_from = related_from(state.incidents)
    # The policy as read (extends: included), not its file: a base file can change too.
    state.shared_fingerprint = _digest(
        repr(policy).encode(),
        repr(policy_problems).encode(),
        _read(roster_path),
        repr(replace(config, strict=False)).encode(),
    )
    for incident in state.incidents:
        file_digest = result.digests.get(incident.id, "")
        # A page links its related incidents both ways: the incidents naming it, and whether
        # the ones it names exist (a link, or plain text), are part of what it shows.
        naming = ",".join(state.related_from.get(incident.id, ()))
        named = ",".join(f"{other}:{other in state.by_id}" for other in incident.related)
        state.fingerprints[incident.id] = _digest(
            state.shared_fingerprint.encode(),
            file_digest.encode(),
            naming.encode(),
            named.encode(),
        )
    if config.count_private and state.hidden:
        # Counted, never shown: one entry for them all, under a key no incident id can be,
        # so that views counting them (ALL) are re-read when one changes.
        state.fingerprints[PRIVATE_KEY] = _digest(
            *(f"{i.id}={result.digests.get(i.id, '')}".encode() for i in state.hidden)
        )
    return state
