"""``sphinx-incidents new`` and ``sphinx-incidents log``: recording incidents without YAML.

Both build the new text first, validate it with the core exactly as ``check`` would, and
only then write it (atomically, under a lock for ``log``).  A refused change leaves every
file as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sphinx_incidents.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    Project,
    UsageError,
    add_project_options,
    now_from,
    paint,
    project_from,
    records_folder,
)
from sphinx_incidents.cli.identity import USER_ENV, Who, who_is
from sphinx_incidents.core.check import display_path, find_record_files
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.editing import (
    SCHEMA_FILE,
    EditError,
    EventValue,
    NewRecord,
    added,
    check_record_bytes,
    create_exclusive,
    event_index,
    format_timestamp,
    incident_id,
    insert_event,
    locked,
    read_only,
    write_atomic,
)
from sphinx_incidents.core.fieldtypes import did_you_mean, parse_timestamp
from sphinx_incidents.core.ids import id_problem
from sphinx_incidents.core.model import Incident, Roster, StatusChange
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.project import ROSTER_NAME, records_root
from sphinx_incidents.core.recordfiles import escaping_symlink
from sphinx_incidents.core.records import load_roster
from sphinx_incidents.core.safefiles import UnreadableFile, read_limited
from sphinx_incidents.core.safetext import printable
from sphinx_incidents.core.schema import record_schema
from sphinx_incidents.core.yamlnodes import MAX_BYTES

MAX_SUFFIX = 999

NEW_EPILOG = f"""\
examples:
  sphinx-incidents new "API search returns 500s" --severity 1 --service api \\
      --via automated-alert --recorded-by olga
  sphinx-incidents new "Harmful images reported" --severity 2 --category community --lead zack
  sphinx-incidents new "Thumbnails missing" --severity 3 --service frontend --stabilized \\
      --detected 2024-03-01T09:12:00Z --summary "Thumbnails did not load for 20 minutes."

defaults:
  id             UTC date of --detected + a slug of the title; -2, -3, ... when taken
                 (in any subfolder); an --id that is taken is refused, and an existing
                 record is never overwritten
  --detected     now (--now, else SOURCE_DATE_EPOCH, else the clock)
  --lead         the roster's rotation runner for the week of --detected; required without one
  --recorded-by  ${USER_ENV}, else the roster person whose email is `git config
                 user.email`; refused when nobody is known
  --via          other (say how it was really detected when you know)
  --category     technical, which needs at least one --service
  --summary      a "TODO: ..." placeholder to replace when there is time

The record starts with `# yaml-language-server: $schema={SCHEMA_FILE}` so editors complete and
check its fields; `new` writes DIR/{SCHEMA_FILE} once from the policy (refresh it with
`sphinx-incidents schema --policy P > incident_records/{SCHEMA_FILE}`).
exit status: 0 written, 1 refused (the record would not pass check, or --id is taken),
2 usage error
"""

LOG_EPILOG = f"""\
examples:
  sphinx-incidents log 2024-03-01-api-search-returns-500s --status stabilized \\
      --note "Rolled back the deploy; error rate under 1 %."
  sphinx-incidents log 2024-03-01-api-search-returns-500s --severity 2 --note "Only API clients."
  sphinx-incidents log 2024-03-01-api-search-returns-500s --lead zack --at 2024-03-01T12:00:00Z
  sphinx-incidents log 2024-03-01-api-search-returns-500s --note "Alert fired." \
      --at 2024-03-01T09:12:00Z              # remembered later: goes before later events

The event goes to its place in time in the record's `timeline:` list (after the events at or
before --at: backfilling is normal), inserted as text: comments, quoting, key order and blank
lines stay as they are.  The record is validated as it would be; an event that would make it
invalid (a status change the policy's graph forbids where it lands, an event before
`detected`, an unknown person or status) is refused with the reason, and the file is left
byte for byte as it was.  --at defaults to now (--now, else SOURCE_DATE_EPOCH, else the
clock); --by to ${USER_ENV}, else the roster person whose email is
`git config user.email` (with none of them, log refuses and says how to set one).
The record is found in the records folder or any of its subfolders.  A read-only record
(no write permission, as after `chmod a-w`) is refused, as an editor would; --force writes
it anyway (keeping its mode).
exit status: 0 logged, 1 refused (file unchanged), 2 usage error, unknown incident or nobody
to log as
"""


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    new = subparsers.add_parser(
        "new",
        help="record a new incident (writes a valid record)",
        description="Record a new incident: write incident_records/<id>.yaml, valid for check.",
        epilog=NEW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("title", help="one line a reader understands (at most 120 characters)")
    new.add_argument("--severity", type=int, required=True, help="severity level, e.g. 1, 2, 3")
    new.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="S",
        help="an affected service (repeat for several)",
    )
    new.add_argument("--category", default=None, help="default: technical")
    new.add_argument("--via", default=None, metavar="V", help="how it was detected (detected_via)")
    new.add_argument("--lead", default=None, metavar="H", help="who leads the response")
    new.add_argument(
        "--recorded-by",
        default=None,
        metavar="H",
        help=f"who records it (default: ${USER_ENV}, else your git email in the roster)",
    )
    new.add_argument("--detected", default=None, metavar="TS", help="ISO timestamp with offset")
    new.add_argument("--stabilized", action="store_true", help="first status: stabilized")
    new.add_argument("--summary", default=None, metavar="TEXT", help="what happened, for users")
    new.add_argument("--id", default=None, help="the record id, instead of date + slug")
    new.add_argument(
        "--related",
        action="append",
        default=[],
        metavar="ID",
        help="a related incident, e.g. the one this recurrence follows (repeat for several)",
    )
    add_project_options(new)
    new.set_defaults(run=run_new)

    log = subparsers.add_parser(
        "log",
        help="add one event to an incident's timeline, at its place in time",
        description="Add one timeline event to incident_records/<ID>.yaml at its place in "
        "time, validated first.",
        epilog=LOG_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    log.add_argument("id", metavar="ID", help="the incident id (or the record's path)")
    log.add_argument("--status", default=None, metavar="S", help="the incident moved to S")
    log.add_argument("--severity", type=int, default=None, metavar="N", help="reclassified to N")
    log.add_argument("--lead", default=None, metavar="H", help="the lead was handed over to H")
    log.add_argument("--note", default=None, metavar="TEXT", help="what happened")
    log.add_argument(
        "--by",
        default=None,
        metavar="H",
        help=f"who did it (default: ${USER_ENV}, else your git email in the roster)",
    )
    log.add_argument("--at", default=None, metavar="TS", help="when (default: now); may be earlier")
    log.add_argument(
        "--force", action="store_true", help="write the record even when it is read-only"
    )
    add_project_options(log)
    log.set_defaults(run=run_log)


# --- shared helpers ---------------------------------------------------------------------------


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _timestamp(option: str, value: str) -> datetime:
    parsed = parse_timestamp(value)
    if isinstance(parsed, str):
        raise UsageError(f"{option} {value!r} is {parsed}; write e.g. 2024-03-01T09:12:00Z")
    return parsed


def _roster(project: Project) -> Roster | None:
    if project.roster_path is None:
        return None
    path = project.roster_path
    escape = escaping_symlink(path, path.parent)
    if escape is not None:
        raise UsageError(f"{display_path(path)}: {escape.message}")
    roster, _ = load_roster(path, display_path(path))  # its own problems are check's business
    return roster


def _carried(args: argparse.Namespace) -> str:
    """Options the next command needs too (folder, policy, roster)."""
    parts = []
    if args.dir is not None:
        parts += ["--dir", str(args.dir)]
    if args.policy is not None:
        parts += ["--policy", str(args.policy)]
    if args.roster is not None:
        parts += ["--roster", str(args.roster)]
    return "".join(" " + shlex.quote(part) for part in parts)


def _show(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        colour = "31" if diagnostic.level is Level.ERROR else "33"
        line = f"  {paint(diagnostic.code, colour, sys.stderr)} {diagnostic.message}"
        _err(line + (f" ({diagnostic.hint})" if diagnostic.hint else ""))


def _refused(command: str, what: str) -> None:
    _err(f"sphinx-incidents {command}: {paint('refused', '1;31', sys.stderr)}, {what}")


def _log_hint(incident: str, status: str | None, policy: Policy, carried: str) -> str:
    following = policy.next_statuses(status) if status else policy.first_statuses
    if not following:
        return "next: nothing; the policy allows no move out of this status"
    hint = f"sphinx-incidents log {incident} --status {following[0]} --note '...'{carried}"
    others = f" (allowed next: {', '.join(following)})" if len(following) > 1 else ""
    return f"next: {hint}{others}"


# --- new --------------------------------------------------------------------------------------


def run_new(args: argparse.Namespace) -> int:
    now = now_from(args).replace(microsecond=0)
    folder = records_folder(args)
    project = project_from(args, folder)
    policy = project.policy
    roster = _roster(project)
    detected = _timestamp("--detected", args.detected) if args.detected else now
    lead, lead_comment = args.lead, None
    if lead is None:
        lead = roster.runner_for(detected) if roster is not None else None
        day = detected.date()
        monday = day - timedelta(days=day.weekday())
        if lead is None:
            where = "no roster" if roster is None else f"no runner for the week of {monday}"
            raise UsageError(f"who leads? pass --lead HANDLE ({where} in {folder}/{ROSTER_NAME})")
        lead_comment = f"the rotation runner for the week of {monday}"
    recorded_by = who_is(args.recorded_by, "--recorded-by", roster, folder, "recording").handle
    channels = policy.detection_channels
    via = args.via or ("other" if "other" in channels else None)
    if via is None:
        raise UsageError(f"how was it detected? pass --via ({', '.join(channels)})")
    category = args.category or "technical"
    if category == "technical" and not args.service:
        services = ", ".join(policy.choices("services"))
        raise UsageError(
            f"technical incidents name the affected services: --service S ({services})"
        )
    record = NewRecord(
        title=args.title,
        severity=args.severity,
        detected=detected,
        detected_via=via,
        recorded_by=recorded_by,
        lead=lead,
        status=policy.stabilized_status if args.stabilized else policy.first_statuses[0],
        category=category,
        services=args.service,
        summary=args.summary,
        lead_comment=lead_comment,
        related=args.related,
        prevention_required=policy.is_on("INC041"),
    )
    try:
        data = record.render().encode("utf-8")
    except ValueError as exc:
        raise UsageError(f"an argument is {exc}") from None
    base = args.id or incident_id(detected, args.title)
    problem = id_problem(base, policy)
    if problem is not None:
        what = "--id" if args.id else "the id made from the date and title"
        raise UsageError(f"{what}: {problem[0]} ({problem[1]})")
    taken = _ids_in(folder)
    if args.id and base in taken:
        _refused("new", f"nothing written; incident '{base}' already exists: {taken[base]}")
        _err(f"pass another --id, or log events to it: sphinx-incidents log {base} ...")
        return EXIT_ERRORS
    shown = display_path(folder / f"{base}.yaml")
    known = set(taken)
    _, diagnostics = check_record_bytes(data, base, shown, policy, roster, now, known)
    errors = [d for d in diagnostics if d.level is Level.ERROR]
    if errors:
        _refused("new", "nothing written; the record would not pass check:")
        _show(errors)
        return EXIT_ERRORS
    path = _create(folder, base, data, policy, taken, numbered=not args.id)
    _show([d for d in diagnostics if d.level is Level.WARNING])
    _write_schema(folder, policy)
    created = display_path(path)
    print(f"{paint('created', '32', sys.stdout)} {created}")
    print(
        f"  severity {record.severity}, {record.status}, lead {lead}"
        + (f" ({lead_comment})" if lead_comment else "")
    )
    print(_log_hint(path.stem, record.status, policy, _carried(args)))
    return EXIT_OK


def _known_ids(folder: Path | None) -> set[str]:
    """The ids of the records folder, which ``related`` may name (INC012)."""
    return {path.stem for path in find_record_files([folder])} if folder is not None else set()


def _ids_in(folder: Path) -> dict[str, str]:
    """Every id used in ``folder`` and its subfolders, with the file that uses it."""
    return {path.stem: display_path(path) for path in reversed(find_record_files([folder]))}


def _create(
    folder: Path, base: str, data: bytes, policy: Policy, taken: dict[str, str], numbered: bool
) -> Path:
    """Create ``<base>.yaml``, or (``numbered``) ``<base>-2.yaml``, ... : the first id nobody
    has, in any subfolder."""
    for number in range(1, MAX_SUFFIX + 1 if numbered else 2):
        candidate = base if number == 1 else f"{base}-{number}"
        path = folder / f"{candidate}.yaml"
        if candidate in taken or path.exists() or path.with_suffix(".yml").exists():
            continue
        if id_problem(candidate, policy) is not None:  # pragma: no cover - custom id patterns
            break
        try:
            create_exclusive(path, data)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
        return path
    if not numbered:
        raise UsageError(f"'{base}' exists in {folder}/; pass another --id")
    raise UsageError(f"no free id for '{base}' in {folder}/; pass --id")


def _write_schema(folder: Path, policy: Policy) -> None:
    """``_schema.json`` for the records' ``$schema`` line, written once, never overwritten."""
    path = folder / SCHEMA_FILE
    if path.exists():
        return
    text = json.dumps(record_schema(policy), indent=2) + "\n"
    try:
        create_exclusive(path, text.encode("utf-8"))
    except OSError:  # someone else wrote it, or a read-only folder: the record is what matters
        return
    print(f"wrote {display_path(path)} (the JSON Schema editors use for the records)")


# --- log --------------------------------------------------------------------------------------


def _record_path(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """The record named by ID (or given as a path) and its records folder; a usage error
    when there is none."""
    name: str = args.id
    if name.endswith((".yaml", ".yml")) or "/" in name or os.sep in name:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{printable(name, 200)}: no such record file")
        return path, args.dir if args.dir is not None else records_root([path])
    folder = records_folder(args)
    records = find_record_files([folder])
    found = [p for p in records if p.stem == name]
    shown = printable(name, 80)
    if len(found) > 1:
        where = ", ".join(display_path(p) for p in found)
        raise UsageError(f"incident '{shown}' has more than one file ({where}); keep one")
    if not found:
        known = sorted(p.stem for p in records)
        hint = (did_you_mean(name, known) or "") if known else "it has no records"
        raise UsageError(f"no incident '{shown}' in {folder}/" + (f" ({hint})" if hint else ""))
    return found[0], folder


def _mode(path: Path) -> str:
    try:
        return oct(path.stat().st_mode & 0o777)[2:]
    except OSError:  # pragma: no cover - vanished
        return "?"


def refuse_unwritable(command: str, path: Path, folder: Path | None, force: bool) -> bool:
    """Refuse (and say why) to change a record that is a symlink out of its folder (the
    write would go through it) or read-only (unless ``force``), as an editor would."""
    escape = escaping_symlink(path, folder if folder is not None else path.parent)
    if escape is not None:
        _refused(command, f"{display_path(path)} is a {escape.message}; nothing written")
        return True
    if not force and read_only(path):
        _refused(
            command,
            f"{display_path(path)} is read-only (mode {_mode(path)}); nothing written "
            "(make it writable, or pass --force to write it anyway)",
        )
        return True
    return False


def read_record(path: Path) -> bytes:
    """A record's bytes, bounded like every read (:class:`UnreadableFile` otherwise)."""
    return read_limited(path, MAX_BYTES)


def _event(args: argparse.Namespace, at: datetime, by: str) -> dict[str, EventValue]:
    event: dict[str, EventValue] = {"at": format_timestamp(at)}
    if args.status is not None:
        event["status"] = args.status
    if args.severity is not None:
        event["severity"] = args.severity
    if args.lead is not None:
        event["lead"] = args.lead
    event["by"] = by
    if args.note is not None:
        event["note"] = args.note
    return event


def run_log(args: argparse.Namespace) -> int:
    now = now_from(args)
    if all(getattr(args, name) is None for name in ("status", "severity", "lead", "note")):
        raise UsageError("nothing to log: give --status, --severity, --lead or --note")
    at = _timestamp("--at", args.at) if args.at else now.replace(microsecond=0)
    path, folder = _record_path(args)
    project = project_from(args, folder)
    policy = project.policy
    roster = _roster(project)
    who = who_is(args.by, "--by", roster, folder, "logging")
    event = _event(args, at, who.handle)
    known = _known_ids(folder if folder is not None else path.parent)
    if refuse_unwritable("log", path, folder, args.force):
        return EXIT_ERRORS
    try:
        with locked(path):
            return _insert(args, path, event, at, who, policy, roster, now, known)
    except FileNotFoundError:
        raise UsageError(f"{display_path(path)}: the record disappeared") from None
    except OSError as exc:
        raise UsageError(f"{display_path(path)}: {exc.strerror or exc}") from None


def _status_at(incident: Incident | None, at: datetime) -> tuple[str | None, StatusChange | None]:
    """The status in effect at ``at`` (events at that same time included), and the next
    status change after it."""
    if incident is None:
        return None, None
    status = None
    for change in incident.status_changes:
        if change.at > at:
            return status, change
        status = change.after
    return status, None


def _insert(
    args: argparse.Namespace,
    path: Path,
    event: dict[str, EventValue],
    at: datetime,
    who: Who,
    policy: Policy,
    roster: Roster | None,
    now: datetime,
    known: set[str],
) -> int:
    shown = display_path(path)
    incident = path.stem
    try:
        old = read_record(path)
    except UnreadableFile as exc:
        _refused("log", f"{shown} is unchanged: {exc.reason} (run check)")
        return EXIT_ERRORS
    current, before = check_record_bytes(old, incident, shown, policy, roster, now, known)
    try:
        text = old.decode("utf-8")
        index = event_index(text, at)
        new = insert_event(text, event, index).encode("utf-8")
    except UnicodeDecodeError:
        _refused("log", f"{shown} is unchanged: it is not UTF-8 text (run check)")
        return EXIT_ERRORS
    except EditError as exc:
        _refused("log", f"{shown} is unchanged: {exc}")
        return EXIT_ERRORS
    except ValueError as exc:
        raise UsageError(f"an argument is {exc}") from None
    updated, after = check_record_bytes(new, incident, shown, policy, roster, now, known)
    errors = added(before, after, Level.ERROR)
    status, following = _status_at(current, at)
    later = sum(1 for e in current.timeline if e.at > at) if current is not None else 0
    if errors:
        _refused("log", f"{shown} is unchanged; the event would make the record invalid:")
        _show(errors)
        if current is not None and any(d.code == "INC026" for d in errors):
            _err("record the recurrence as a new incident, related to this one:")
            _err("  " + _new_for_recurrence(args, current, event))
            return EXIT_ERRORS
        _err(_where_it_lands(policy, status, following, str(event["at"]) if later else None))
        if who.source != "--by" and any(d.code == "INC031" for d in errors):
            _err(f"note: by {who.handle} comes from {who.source}")
        return EXIT_ERRORS
    write_atomic(path, new)
    _show(added(before, after, Level.WARNING))
    final = updated.current_status if updated is not None else None
    _report_logged(shown, event, status, later, final, policy, _carried(args))
    existing = [d for d in before if d.level is Level.ERROR]
    if existing:
        _err(f"note: {shown} already had {len(existing)} error(s); run: sphinx-incidents check")
    return EXIT_OK


def _where_it_lands(
    policy: Policy, status: str | None, following: StatusChange | None, backfilled: str | None
) -> str:
    """The status the event lands in, what may follow it, and the next change after it."""
    allowed = policy.next_statuses(status) if status else policy.first_statuses
    when = f"status at {backfilled}" if backfilled else "current status"
    text = f"{when}: {status or 'none'}; allowed next statuses: {', '.join(allowed) or 'none'}"
    if following is not None:
        text += (
            f"; the next status change is to {following.after} at {format_timestamp(following.at)}"
        )
    return text


def _new_for_recurrence(
    args: argparse.Namespace, old: Incident, event: dict[str, EventValue]
) -> str:
    """The ``new`` command for a recurrence outside the window, filled in from the old
    record (title, severity, category, services, detection channel) and the refused event
    (its time, who logged it, its note as the summary), with ``--related OLD``."""
    words = ["sphinx-incidents", "new", old.title, "--severity", str(old.current_severity)]
    if old.category != "technical":
        words += ["--category", old.category]
    for service in old.services:
        words += ["--service", service]
    words += ["--via", old.detected_via, "--detected", str(event["at"])]
    if "by" in event:
        words += ["--recorded-by", str(event["by"])]
    if "note" in event:
        words += ["--summary", str(event["note"])]
    words += ["--related", old.id]
    return " ".join(shlex.quote(word) for word in words) + _carried(args)


def _report_logged(
    shown: str,
    event: dict[str, EventValue],
    before: str | None,
    later: int,
    final: str | None,
    policy: Policy,
    carried: str,
) -> None:
    parts = [f"at {event['at']}"]
    if later:
        parts[0] += f" (backfilled before {later} later event{'s' if later > 1 else ''})"
    if "status" in event:
        parts.append(f"status {before or 'none'} -> {event['status']}")
    if "severity" in event:
        parts.append(f"severity {event['severity']}")
    if "lead" in event:
        parts.append(f"lead {event['lead']}")
    if "by" in event:
        parts.append(f"by {event['by']}")
    print(f"{paint('logged', '32', sys.stdout)} {shown}: " + ", ".join(parts))
    if policy.is_closed(final):
        stem = Path(shown).stem
        if final == policy.resolved_status:
            days = policy.rules.retro_due_days
            when = f"within {days} days" if days is not None else "if one is needed"
            print(
                f"next: hold the retrospective {when}, then: sphinx-incidents retro {stem} "
                f"--date YYYY-MM-DD{carried} (sphinx-incidents retro {stem} --draft prints "
                "notes to start from)"
            )
            for after in policy.next_statuses(final):
                if "retrospective" in policy.requires(after):  # Reviewed
                    print(f"  then: sphinx-incidents log {stem} --status {after}{carried}")
    else:
        print(_log_hint(Path(shown).stem, final, policy, carried))
