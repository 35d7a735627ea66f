"""Writing and editing record files as text, safely.

``sphinx-incidents log`` must keep everything a person wrote (comments, quoting, key order,
blank lines), so it never re-dumps YAML: it finds the event's place in time in the
``timeline:`` block list and inserts its lines there (:mod:`~sphinx_incidents.core.yamledit`),
leaving every other byte as it was.  ``sphinx-incidents new`` renders a record from a
template.  Callers validate the resulting bytes with :func:`check_record_bytes` before
anything touches the disk, and write with :func:`write_atomic` / :func:`create_exclusive`
while holding :func:`locked`.  Sphinx-free, like the rest of the core.
"""

from __future__ import annotations

import glob
import os
import re
import stat
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.fieldtypes import Context, parse_timestamp, yaml11_reading
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.records import load_incident
from sphinx_incidents.core.rules import SUMMARY_PLACEHOLDER, RuleEnv, check_related, run_rules
from sphinx_incidents.core.safefiles import new_file_mode
from sphinx_incidents.core.yamledit import EditError as EditError  # callers catch it from here
from sphinx_incidents.core.yamledit import insert_item
from sphinx_incidents.core.yamlnodes import MappingNode, ScalarNode, SequenceNode, load_nodes

SCHEMA_FILE = "_schema.json"
"""Written beside the records by ``new`` (once) and named in each record's first line."""
SLUG_MAX = 60
EventValue = str | int


# --- validating text without touching the disk ------------------------------------------------


def check_record_bytes(
    data: bytes,
    incident_id: str,
    shown: str,
    policy: Policy,
    roster: Roster | None,
    now: datetime,
    known_ids: Collection[str] | None = None,
) -> tuple[Incident | None, list[Diagnostic]]:
    """What ``check`` would say about this one record if ``data`` were its file's content.

    ``known_ids``: the ids of the records folder, for ``related`` (INC012); not checked
    when ``None``.
    """
    ctx = Context(shown, policy)
    incident = load_incident(Path(shown), shown, incident_id, policy, roster, ctx, data)
    if incident is not None:
        run_rules(incident, RuleEnv(policy, roster, now, ctx))
        if known_ids is not None and policy.is_on("INC012"):
            check_related(incident, {*known_ids, incident_id}, ctx)
    return incident, sorted(policy.apply_levels(ctx.diagnostics))


def added(
    before: Sequence[Diagnostic], after: Sequence[Diagnostic], level: Level
) -> list[Diagnostic]:
    """Diagnostics of ``level`` in ``after`` that ``before`` did not have (lines may move)."""
    seen = Counter((d.code, d.message) for d in before if d.level is level)
    new = []
    for diagnostic in after:
        if diagnostic.level is not level:
            continue
        key = (diagnostic.code, diagnostic.message)
        if seen[key]:
            seen[key] -= 1
        else:
            new.append(diagnostic)
    return new


# --- YAML scalars -----------------------------------------------------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\0": "\\0",
    "\x85": "\\N",  # YAML 1.1 line breaks: escaped so they stay characters
    "\u2028": "\\L",
    "\u2029": "\\P",
}
_PLAIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _printable(code: int) -> bool:
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def yaml_quoted(text: str) -> str:
    """A double-quoted YAML scalar reading back as exactly ``text`` (no YAML 1.1 surprises).

    :class:`ValueError` for text that is not valid Unicode (lone surrogates from undecodable
    command-line bytes).
    """
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError("not valid UTF-8 text")
        elif _printable(code):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def yaml_word(value: EventValue) -> str:
    """A key, handle or number: plain when YAML reads it back unchanged as text, else quoted."""
    if isinstance(value, int):
        return str(value)
    if _PLAIN_RE.fullmatch(value) and yaml11_reading(ScalarNode(1, 1, value, True)) is None:
        return value
    return yaml_quoted(value)


_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9._~/?#\[\]@!$&'()*+,;=%:-]*[A-Za-z0-9/_~=)%-]")


def yaml_url(url: str) -> str:
    """A URL as hand-written records have it (plain) when YAML reads it back unchanged."""
    return url if _PLAIN_URL_RE.fullmatch(url) and " #" not in url else yaml_quoted(url)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 with its offset, ``Z`` for UTC: ``2024-03-01T09:12:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp needs a UTC offset")
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _event_value(key: str, value: EventValue) -> str:
    if key == "at":
        return str(value)  # already formatted by format_timestamp: plain, like hand-written ones
    if key == "note":
        return yaml_quoted(str(value))
    return yaml_word(value)


# --- timeline events ------------------------------------------------------------------------


def event_fields(event: Mapping[str, EventValue]) -> dict[str, str]:
    """An event's fields as YAML text, in the order given."""
    return {name: _event_value(name, value) for name, value in event.items()}


def event_index(text: str, at: datetime) -> int:
    """Where an event at ``at`` goes in the record's timeline: after every event at or before
    it (so events at the same time keep the order they were logged in), before the later ones.

    An event whose ``at`` cannot be read stays with the event before it.
    """
    root, _ = load_nodes(text.encode("utf-8"), "record")
    timeline = root.value("timeline") if isinstance(root, MappingNode) else None
    if not isinstance(timeline, SequenceNode):
        return 0
    index = 0
    moment: datetime | None = None
    for position, item in enumerate(timeline.items, start=1):
        node = item.value("at") if isinstance(item, MappingNode) else None
        if isinstance(node, ScalarNode):
            parsed = parse_timestamp(node.value)
            if isinstance(parsed, datetime):
                moment = parsed
        if moment is None or moment <= at:
            index = position
    return index


def insert_event(text: str, event: Mapping[str, EventValue], index: int | None = None) -> str:
    """``text`` with one event inserted into its ``timeline:`` block list at ``index`` (default:
    at the end); all else unchanged.

    ``event`` maps field names to values (``at`` already formatted); the new item uses the
    indentation of its neighbour and the file's line endings.  :class:`EditError` when the
    text cannot be edited safely.
    """
    return insert_item(text, "timeline", event_fields(event), index)


def append_event(text: str, event: Mapping[str, EventValue]) -> str:
    """:func:`insert_event` at the end of the timeline."""
    return insert_event(text, event)


# --- new records ------------------------------------------------------------------------------


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """``"API: search 5xx's after upgrade"`` -> ``api-search-5xxs-after-upgrade``."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"['`]", "", text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
        slug = slug[:max_length].strip("-")
    return slug or "incident"


def incident_id(detected: datetime, title: str) -> str:
    """``YYYY-MM-DD-slug``, the date being the UTC day of ``detected``."""
    return f"{detected.astimezone(UTC).date().isoformat()}-{slugify(title)}"


@dataclass
class NewRecord:
    """What ``sphinx-incidents new`` writes; :meth:`render` gives the file's text."""

    title: str
    severity: int
    detected: datetime
    detected_via: str
    recorded_by: str
    lead: str
    status: str
    category: str = "technical"
    services: Sequence[str] = ()
    summary: str | None = None
    lead_comment: str | None = None
    schema: str | None = SCHEMA_FILE
    related: Sequence[str] = ()  # ids of related incidents (a recurrence names the old one)
    prevention_required: bool = True  # the policy's INC041 is on

    def render(self) -> str:
        at = format_timestamp(self.detected)
        lines = []
        if self.schema:
            lines.append(f"# yaml-language-server: $schema={self.schema}")
        lines += [
            f"title: {yaml_quoted(self.title)}",
            f"severity: {self.severity}",
            f"category: {yaml_word(self.category)}",
        ]
        if self.services:
            lines.append("services:")
            lines += [f"  - {yaml_word(service)}" for service in self.services]
        lead = f"lead: {yaml_word(self.lead)}"
        if self.lead_comment:
            lead += f"  # {self.lead_comment}"
        summary = self.summary or SUMMARY_PLACEHOLDER
        lines += [
            f"detected: {at}",
            f"detected_via: {yaml_word(self.detected_via)}",
            f"recorded_by: {yaml_word(self.recorded_by)}",
            lead,
            f"summary: {yaml_quoted(summary)}",
        ]
        if self.related:
            lines.append("related:")
            lines += [f"  - {yaml_word(other)}" for other in self.related]
        lines += [
            "timeline:",
            f"  - at: {at}",
            f"    status: {yaml_word(self.status)}",
            f"    by: {yaml_word(self.recorded_by)}",
            "# Add events with `sphinx-incidents log`, tickets with",
            (
                "# `sphinx-incidents follow-up` (a resolved incident needs one with purpose"
                "\n# prevention), and the retrospective with `sphinx-incidents retro`."
                if self.prevention_required
                else "# `sphinx-incidents follow-up`, and the retrospective with"
                "\n# `sphinx-incidents retro`."
            ),
        ]
        return "\n".join(lines) + "\n"


# --- writing safely ---------------------------------------------------------------------------


def _before_replace(path: Path) -> None:
    """Called between writing the temporary file and moving it into place (a test hook)."""


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):  # not every platform or file system can sync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def read_only(path: Path) -> bool:
    """Whether the file is read-only: no write permission bit at all (``chmod a-w``, mode
    444), or none for us.  Checked from the bits as well as with :func:`os.access`, since
    ``root`` passes ``access`` for every file, yet a record someone made read-only is
    read-only for everyone; :func:`write_atomic` replaces the file by renaming, which the
    file's own mode would not stop."""
    mode = os.stat(path).st_mode
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s content: readers see the old bytes or the new, never a mix.

    Temp file in the same folder, flush + fsync, :func:`os.replace`, fsync the folder.  On
    any failure the temporary file is removed and ``path`` is untouched.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = new_file_mode()
    temp = _write_temp(target, data, mode)
    try:
        _before_replace(target)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def create_exclusive(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``, complete or not at all; :class:`FileExistsError` if it
    exists (never overwrites, like ``O_EXCL``)."""
    temp = _write_temp(path, data, new_file_mode())
    try:
        _before_replace(path)
        try:
            os.link(temp, path)  # atomic, and fails when path exists
        except FileExistsError:
            raise
        except OSError:  # no hard links on this file system: O_EXCL, then write
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
    finally:
        temp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


if sys.platform == "win32":  # pragma: no cover - no flock; one writer at a time is assumed

    def _lock(fd: int) -> None:
        pass

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _remove_leftovers(target: Path) -> None:
    """Temp files of writers killed mid-write (temps are only written under the lock)."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with suppress(OSError):
            leftover.unlink()


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the record ``path`` (read, validate, write inside).

    The lock is on the file itself, so no lock files are left behind.  A replaced file is a
    new inode: after waiting, the lock is taken again when the path now names another file.
    Temporary files left by a writer that was killed are removed once the lock is held.
    :class:`FileNotFoundError` when the file does not exist.
    """
    while True:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # a FIFO swapped in: no hang
        try:
            _lock(fd)
            held = os.fstat(fd)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                continue
            if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
                _remove_leftovers(Path(os.path.realpath(path)))
                yield
                return
        finally:
            os.close(fd)
