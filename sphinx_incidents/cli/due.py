"""``sphinx-incidents due``: the support runner's daily check, on one screen.

Open incidents with their status and age, stale ones (INC044), retrospectives due (INC043),
severe incidents' stabilization follow-ups still open, events in the future (INC025) and who
leads next, from :func:`sphinx_incidents.core.analytics.due.due_report`.  ``--strict`` exits 1
when anything is due, for a scheduled CI job.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sphinx_incidents.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    add_project_options,
    now_from,
    paint,
    project_from,
    records_folder,
)
from sphinx_incidents.core.analytics import format_duration, format_timestamp
from sphinx_incidents.core.analytics.due import (
    FUTURE,
    RETRO_DUE,
    STALE,
    DueReport,
    Finding,
    due_report,
)
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.policy import Policy

EPILOG = """\
examples:
  sphinx-incidents due                      # every morning
  sphinx-incidents due --format markdown    # to paste into the team's chat or an issue
  sphinx-incidents due --strict --format markdown >> "$GITHUB_STEP_SUMMARY"   # scheduled CI

Due: stale open incidents (INC044), retrospectives due (INC043), stabilization follow-ups of
severity 1 and 2 incidents that are not done, events in the future (INC025) and records with
errors.  Open incidents are listed, but are not due by themselves.  A rule the policy turns
off is not reported.  It writes nothing.
exit status: 0 (with --strict: nothing due), 1 with --strict when something is due, 2 usage
error
"""


def add_due(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "due",
        help="the support runner's daily check: what needs attention today",
        description="The support runner's daily check: open incidents, stale ones, "
        "retrospectives due, open stabilization follow-ups of severe incidents, events in the "
        "future, and who leads next.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_project_options(parser)
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text: for the terminal (default); markdown: to paste into chat or an issue; "
        "json: for scripts",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when anything is due")
    parser.set_defaults(run=run_due)


def run_due(args: argparse.Namespace) -> int:
    now = now_from(args)
    folder = records_folder(args)
    project = project_from(args, folder)
    result = check_paths([folder], project.policy, now, project.roster_path, find_roster=False)
    report = due_report(result, project.policy, now)
    if args.format == "json":
        print(json.dumps(as_json(report), indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        print("\n".join(render_markdown(report, project.policy)))
    else:
        print("\n".join(render_text(report, project.policy)))
    return EXIT_ERRORS if args.strict and report.due else EXIT_OK


# --- json -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if hasattr(value, "isoformat"):  # dates
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def as_json(report: DueReport) -> dict[str, Any]:
    """The report as JSON data: times ISO 8601 (UTC), durations in seconds."""
    data: dict[str, Any] = _plain(asdict(report))
    data["due"] = report.due
    return data


# --- text -------------------------------------------------------------------------------------


def _headline(report: DueReport) -> str:
    things = (
        f"{report.due} thing{'s' if report.due != 1 else ''} due" if report.due else ("nothing due")
    )
    return f"Support check, {format_timestamp(report.now)}: {things}"


def _who(handle: str | None) -> str:
    return handle if handle else "nobody"


def _rotation(report: DueReport) -> str:
    if not report.runners:
        return "no roster"
    this, *rest = report.runners
    text = f"{_who(this.runner)} this week (from {this.week.isoformat()})"
    if rest:
        text += f", {_who(rest[0].runner)} next week"
    return text


def _section(title: str, count: int, coloured: bool = True) -> str:
    text = f"{title}: {count}" if count else f"{title}: none"
    return paint(text, "1;33", sys.stdout) if count and coloured else paint(text, "1", sys.stdout)


def _findings(items: list[Finding], command: str) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"  {item.incident_id}: {item.message}")
        if command:
            lines.append(f"    {command.format(id=item.incident_id)}")
        else:
            lines.append(f"    at {item.path}:{item.line}")
    return lines


def render_text(report: DueReport, policy: Policy) -> list[str]:
    rules = policy.rules
    lines = [paint(_headline(report), "1", sys.stdout), ""]
    lines.append(_section("Open incidents", len(report.open), coloured=False))
    for item in report.open:
        status = policy.status_label(item.status) if item.status else "—"
        lines.append(
            f"  {item.id}: severity {item.severity}, {status}, lead {_who(item.lead)}, "
            f"open {format_duration(item.age)}, last event {format_duration(item.quiet)} ago"
        )
    # a check the policy turned off is not listed at all (its rule reports nothing)
    if policy.is_on(STALE) and rules.stale_days is not None:
        stale = f"Stale, no event for more than {rules.stale_days} days"
        lines.append(_section(stale, len(report.stale)))
        lines += _findings(report.stale, "sphinx-incidents log {id} --note '...'")
    if policy.is_on(RETRO_DUE) and rules.retro_due_days is not None:
        lines.append(_section("Retrospectives due", len(report.retros_due)))
        lines += _findings(report.retros_due, "sphinx-incidents retro {id} --draft")
    if rules.critical_followup_severities:
        severities = ", ".join(str(s) for s in rules.critical_followup_severities)
        lines.append(
            _section(
                f"Severity {severities} {rules.stabilization_purpose} follow-ups not done",
                len(report.follow_ups),
            )
        )
    for follow_up in report.follow_ups:
        lines.append(
            f"  {follow_up.incident_id} #{follow_up.number}: {follow_up.title!r} "
            f"({follow_up.priority or 'no priority'}) {follow_up.url}"
        )
        lines.append(
            f"    when it is closed: sphinx-incidents follow-up {follow_up.incident_id} "
            f"{follow_up.number} --done"
        )
    if policy.is_on(FUTURE):
        lines.append(_section("Events in the future", len(report.future)))
        lines += _findings(report.future, "")
    lines.append(_section("Records with errors", len(report.error_files)))
    lines += [f"  {path} (run: sphinx-incidents check)" for path in report.error_files]
    lines += ["", f"Support rotation: {_rotation(report)}"]
    lines.append(f"Next incident lead: {_who(report.next_lead)} ({report.next_reason})")
    return lines


# --- markdown ---------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Record text inside a Markdown line: no accidental tables, links or emphasis."""
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def render_markdown(report: DueReport, policy: Policy) -> list[str]:
    lines = [f"### {_headline(report)}", ""]
    if report.open:
        lines += [
            f"**Open incidents ({len(report.open)})**",
            "",
            "| Incident | Severity | Status | Lead | Open for | Last event |",
            "|---|---|---|---|---|---|",
        ]
        for item in report.open:
            status = policy.status_label(item.status) if item.status else "—"
            # a code span: pasted into a GitHub issue, a bare @handle would notify the person
            lead = f"`@{item.lead}`" if item.lead else "—"
            lines.append(
                f"| `{item.id}` {_md(item.title)} | {item.severity} | {_md(status)} | {lead} "
                f"| {format_duration(item.age)} | {format_duration(item.quiet)} ago |"
            )
    else:
        lines.append("**Open incidents:** none")
    lines += ["", "**To do**" if report.due else "**To do:** nothing", ""]
    for finding in report.stale:
        lines.append(
            f"- [ ] Stale: `{finding.incident_id}`: {_md(finding.message)}; log progress "
            f"(`sphinx-incidents log {finding.incident_id} --note '...'`)"
        )
    for finding in report.retros_due:
        lines.append(
            f"- [ ] Retrospective due: `{finding.incident_id}`: {_md(finding.message)} "
            f"(`sphinx-incidents retro {finding.incident_id} --draft`)"
        )
    for follow_up in report.follow_ups:
        lines.append(
            f"- [ ] Follow-up #{follow_up.number} of `{follow_up.incident_id}` not done: "
            f"[{_md(follow_up.title)}]({follow_up.url}) ({follow_up.priority or 'no priority'})"
        )
    for finding in report.future:
        lines.append(
            f"- [ ] In the future: `{finding.path}:{finding.line}`: {_md(finding.message)}"
        )
    for path in report.error_files:
        lines.append(f"- [ ] Errors in `{path}` (`sphinx-incidents check`)")
    if report.due:
        lines.append("")
    lines.append(f"**Support rotation:** {_rotation(report)}  ")
    lines.append(f"**Next incident lead:** {_who(report.next_lead)} ({_md(report.next_reason)})")
    return lines
