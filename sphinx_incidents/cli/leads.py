"""``sphinx-incidents leads``: who led incidents, who has not lately, and who should lead next.

The numbers come from :func:`sphinx_incidents.core.analytics.lead_report`, the same function
behind the ``incident-leads`` directive, so the terminal and the docs agree.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sphinx_incidents.cli.common import (
    EXIT_OK,
    UsageError,
    add_project_options,
    now_from,
    paint,
    project_from,
    records_folder,
)
from sphinx_incidents.core.analytics import LeadReport, count, lead_report
from sphinx_incidents.core.check import check_paths, display_path
from sphinx_incidents.core.diagnostics import Level
from sphinx_incidents.core.ical import rotation_ics, rotation_weeks
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.project import ROSTER_NAME, repository_root
from sphinx_incidents.core.records import load_roster
from sphinx_incidents.core.safetext import printable

LEADS_EXAMPLE = """\
examples:
  sphinx-incidents leads                          # every record of the records folder
  sphinx-incidents leads --since 2025-01-01 --dir docs/incident_records
  sphinx-incidents leads --now 2026-11-27T12:00:00Z
  sphinx-incidents leads --weeks 8                # the next eight weeks' support runners
  sphinx-incidents leads --ics > rotation.ics     # the rotation, for a calendar

People who led least recently come first; people from the roster who never led are listed.
An incident counts once for every person who led it (a handover counts for both).
"""


MAX_WEEKS = 520


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date; write YYYY-MM-DD, e.g. 2025-01-01"
        ) from None


def add_leads(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "leads",
        help="show the lead distribution and who should lead next",
        description=(
            "Show per person the incidents led (total and per severity), when they last led, "
            "the retrospectives they hosted, and who should lead the next incident."
        ),
        epilog=LEADS_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of incident records, the same as --dir (default: the records folder)",
    )
    add_project_options(parser)
    parser.add_argument(
        "--since",
        type=_date,
        default=None,
        metavar="DATE",
        help="only count incidents detected on or after DATE (YYYY-MM-DD, UTC)",
    )
    parser.add_argument(
        "--weeks",
        type=_weeks,
        default=None,
        metavar="N",
        help="instead of the distribution, print the support runners of N weeks, starting "
        "with this one (from the roster's rotation: overrides, weeks, cycle)",
    )
    parser.add_argument(
        "--ics",
        action="store_true",
        help="print the support rotation as an iCalendar file instead (one all-day event "
        "per week with its runner; the Sphinx build writes the same as rotation.ics)",
    )
    parser.add_argument(
        "--calendar-name",
        default=None,
        metavar="NAME",
        help="the calendar's name, which its event UIDs derive from (default: '<repository "
        "folder> support rotation'; the site's is '<project> support rotation')",
    )
    parser.set_defaults(run=run_leads)


def _weeks(text: str) -> int:
    try:
        weeks = int(text)
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_WEEKS:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of weeks from 1 to {MAX_WEEKS}")
    return weeks


def run_leads(args: argparse.Namespace) -> int:
    now = now_from(args)
    if args.folder is not None:
        if args.dir is not None:
            raise UsageError("give the folder once: DIR or --dir DIR")
        args.dir = args.folder
    folder = records_folder(args)
    project = project_from(args, folder)
    policy = project.policy
    if args.weeks is not None and args.ics:
        raise UsageError("--weeks prints the rotation as a table, --ics as a calendar: give one")
    if args.weeks is not None:
        return _print_schedule(project.roster_path, now, args.weeks)
    result = check_paths([folder], policy, now, roster_path=project.roster_path, find_roster=False)
    if not result.ok:
        print(
            "note: some records have errors; run `sphinx-incidents check` "
            "(records that could not be read are not counted)",
            file=sys.stderr,
        )
    if args.ics:
        return print_calendar(args, folder, result.roster, result.incidents)
    report = lead_report(result.incidents, result.roster, now, args.since, policy)
    for line in render_report(report):
        print(line)
    return EXIT_OK


def print_calendar(
    args: argparse.Namespace, folder: Path, roster: Roster | None, incidents: list[Incident]
) -> int:
    """``leads --ics``: the calendar on standard output (``> rotation.ics``)."""
    if roster is None:
        raise UsageError("--ics: no roster (_roster.yaml in the records folder, or --roster)")
    weeks = rotation_weeks(roster, incidents)
    if not weeks:
        raise UsageError(f"--ics: the roster {roster.path} names no rotation runner")
    name = args.calendar_name
    if not name:
        root = repository_root(folder.resolve()) or folder.resolve().parent
        name = f"{root.name} support rotation"
    text = rotation_ics(weeks, roster, name)
    sys.stdout.flush()
    # bytes: the CRLF line ends RFC 5545 asks for, whatever the platform's newline
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        stream.write(text.encode("utf-8"))
        stream.flush()
    else:  # pragma: no cover - a replaced stdout without a buffer
        sys.stdout.write(text)
    return EXIT_OK


def _print_schedule(roster_path: Path | None, now: datetime, weeks: int) -> int:
    if roster_path is None:
        raise UsageError(f"no roster, so no rotation: add {ROSTER_NAME} to the records folder")
    roster, ctx = load_roster(roster_path, display_path(roster_path))
    if roster is None:
        raise UsageError(f"{display_path(roster_path)} cannot be read; run: sphinx-incidents check")
    if any(d.level is Level.ERROR for d in ctx.diagnostics):
        print(f"note: {roster.path} has errors; run: sphinx-incidents check", file=sys.stderr)
    for line in render_schedule(roster, now, weeks):
        print(line)
    return EXIT_OK


def render_schedule(roster: Roster, now: datetime, weeks: int) -> list[str]:
    """The support runners of ``weeks`` weeks from the week containing ``now``, aligned."""
    schedule = roster.schedule(now, weeks)
    lines = [f"Support rotation, {count(weeks, 'week')} from {schedule[0].week.isoformat()}:"]
    table = [["Week of", "Runner", "Name", "From"]]
    for week in schedule:
        source = {"week": "rotation week", "none": "no runner"}.get(week.source, week.source)
        if week.note:
            source += f": {week.note}"
        runner = week.runner or "—"
        name = roster.display_name(week.runner) if week.runner else ""
        name = "" if name == week.runner else name
        table.append([week.week.isoformat(), runner, name, source])
    aligned = _align(table, set())
    lines.append(paint("  ".join(aligned[0]).rstrip(), "1", sys.stdout))
    lines += ["  ".join(cells).rstrip() for cells in aligned[1:]]
    return lines


def _align(rows: Sequence[Sequence[str]], right: set[int]) -> list[list[str]]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        for row in rows
    ]


def render_report(report: LeadReport) -> list[str]:
    """The report as terminal lines: an aligned table, then the next lead and fairness."""
    window = f" since {report.since.isoformat()}" if report.since else ""
    incidents = count(report.incident_count, "incident")
    lines = [f"{incidents}{window}, as of {report.now:%Y-%m-%d %H:%M} UTC"]
    header = [
        "Person",
        "Name",
        "Total",
        *(f"Sev {level}" for level in report.severity_levels),
        "Last led",
        "Days since",
        "Retros hosted",
    ]
    table = [header]
    for row in report.rows:
        table.append(
            [
                printable(row.handle, 40),
                printable(row.name, 60),
                str(row.led_total),
                *(str(row.led_by_severity.get(level, 0)) for level in report.severity_levels),
                row.last_led.strftime("%Y-%m-%d") if row.last_led else "never",
                str(row.days_since) if row.days_since is not None else "—",
                str(row.retros_hosted),
            ]
        )
    numeric = set(range(2, len(header))) - {len(header) - 3}
    aligned = _align(table, numeric)
    if not report.rows:
        lines.append("Nobody has led an incident, and there is no roster.")
    else:
        lines.append(paint("  ".join(aligned[0]).rstrip(), "1", sys.stdout))
        for cells, row in zip(aligned[1:], report.rows, strict=True):
            text = "  ".join(cells).rstrip()
            lines.append(paint(text, "33", sys.stdout) if row.last_led is None else text)
    lines.append("")
    if report.next_lead is not None:
        lines.append(
            f"Next lead: {paint(printable(report.next_lead), '1;32', sys.stdout)} "
            f"({printable(report.next_reason)})"
        )
    else:
        lines.append(f"Next lead: none ({report.next_reason})")
    if report.incident_count:
        who = printable(", ".join(report.busiest))
        top = max((row.led_total for row in report.rows), default=0)
        even = 1 / len(report.rows)
        lines.append(
            f"Fairness: {who} led the most, {top} of {count(report.incident_count, 'incident')} "
            f"({report.fairness:.0%}; an even share would be {even:.0%})"
        )
    else:
        lines.append("Fairness: no incidents in the window")
    return lines
