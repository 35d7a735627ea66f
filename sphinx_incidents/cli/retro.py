"""``sphinx-incidents retro``: record an incident's retrospective, or print a draft for it.

The Review step: the lead at resolution hosts a retrospective within the policy's
``retro_due_days``.  ``retro ID --draft`` prints a Markdown document prefilled from the record
for the meeting's notes; ``retro ID --date ... --host ...`` records that it was held (the
``retrospective:`` mapping, edited as text like ``log`` does, validated first: a host the
policy does not allow is refused, INC042).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from sphinx_incidents.cli.common import EXIT_ERRORS, EXIT_OK, UsageError, add_project_options, paint
from sphinx_incidents.cli.record import _err
from sphinx_incidents.cli.recordfile import Target, change_record, target_from
from sphinx_incidents.core.editing import yaml_url, yaml_word
from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.retro_draft import retro_draft
from sphinx_incidents.core.yamledit import set_fields

EPILOG = """\
examples:
  sphinx-incidents retro 2026-11-20-api-search-5xx --draft > retro-notes.md
  sphinx-incidents retro 2026-11-20-api-search-5xx --date 2026-11-27 --host olga \\
      --notes-url https://github.com/WordPress/openverse/discussions/5310

--draft prints the summary, impact, timeline (UTC), time to stabilize and to resolve and the
follow-ups, then empty sections for what went well, what went wrong, five whys and action
items; it writes nothing.  Recording: --date defaults to today (UTC), --host to the lead when
the incident was resolved (the policy has them host, INC042).  Running it again changes the
date, host or notes URL of the recorded retrospective; root cause, five whys and
improvements are written in the record by hand (see the records reference).
exit status: 0 printed or recorded, 1 refused (file unchanged), 2 usage error
"""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write YYYY-MM-DD") from None


def add_retro(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retro",
        help="record an incident's retrospective, or print a draft for its notes",
        description="Record that an incident's retrospective was held (date, host, notes), "
        "or print a Markdown draft of the retrospective prefilled from the record.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("id", metavar="ID", help="the incident id (or the record's path)")
    parser.add_argument(
        "--draft", action="store_true", help="print a Markdown draft; write nothing"
    )
    parser.add_argument(
        "--date", type=_date, default=None, metavar="YYYY-MM-DD", help="when it was held"
    )
    parser.add_argument("--host", default=None, metavar="H", help="who hosted it")
    parser.add_argument(
        "--notes-url", default=None, metavar="URL", help="where the retrospective's notes are"
    )
    parser.add_argument(
        "--force", action="store_true", help="write the record even when it is read-only"
    )
    add_project_options(parser)
    parser.set_defaults(run=run_retro)


def run_retro(args: argparse.Namespace) -> int:
    recording = [args.date, args.host, args.notes_url]
    if args.draft and any(value is not None for value in recording):
        raise UsageError("--draft writes nothing; give it alone, or record without it")
    target = target_from(args)
    incident = target.read()
    if incident is None:
        _err(f"sphinx-incidents retro: {target.shown} cannot be read; run: sphinx-incidents check")
        return EXIT_ERRORS
    if args.draft:
        sys.stdout.write(retro_draft(incident, target.roster, target.now))
        return EXIT_OK
    return _record(args, target, incident)


def default_host(incident: Incident) -> str | None:
    """Who hosts the retrospective by the policy: the lead at resolution (else the lead now)."""
    return incident.resolving_lead or incident.current_lead


def _record(args: argparse.Namespace, target: Target, incident: Incident) -> int:
    held: date = args.date or target.now.date()
    host = args.host or default_host(incident)
    if host is None:
        raise UsageError("who hosted it? pass --host HANDLE (the incident has no lead)")
    fields = {"date": held.isoformat(), "host": yaml_word(host)}
    if args.notes_url is not None:
        fields["notes_url"] = yaml_url(args.notes_url)

    def edit(text: str, current: Incident | None) -> str:
        return set_fields(text, ("retrospective",), fields)

    code, updated = change_record("retro", target, edit)
    if code != EXIT_OK:
        return code
    why = "" if args.host else " (the lead at resolution)"
    print(
        f"{paint('recorded', '32', sys.stdout)} the retrospective of {target.shown}: "
        f"held {held.isoformat()}, hosted by {host}{why}"
        + (f", notes {args.notes_url}" if args.notes_url else "")
    )
    if updated is not None and updated.is_open:
        print("note: the incident is still open; resolve it once the long-term fixes are filed")
    print(
        f"next: file the improvements as process follow-ups: sphinx-incidents follow-up "
        f"{target.id} --title '...' --url https://... --purpose process"
    )
    policy = target.project.policy
    status = updated.current_status if updated is not None else None
    for after in policy.next_statuses(status) if status else ():
        if "retrospective" in policy.requires(after):  # Openverse's Reviewed
            print(f"  then: sphinx-incidents log {target.id} --status {after}")
    return EXIT_OK
