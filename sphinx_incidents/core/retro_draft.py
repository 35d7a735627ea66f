"""A retrospective document in Markdown, prefilled from an incident record.

``sphinx-incidents retro ID --draft`` prints it, ready to paste into the team's notes: what
the record already knows (summary, impact, the timeline in UTC, time to stabilize and to
resolve, the follow-ups) followed by the sections the meeting fills in.  Pure: an incident
and a roster in, text out.
"""

from __future__ import annotations

from datetime import datetime

from sphinx_incidents.core.analytics import (
    format_duration,
    format_since,
    format_timestamp,
    timeline_rows,
)
from sphinx_incidents.core.model import Incident, Roster

EMPTY_SECTIONS = ("What went well", "What went wrong")
WHYS = 5


def cell(text: str) -> str:
    """Text safe inside one Markdown table cell (no column breaks, no line breaks)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _who(roster: Roster | None, handle: str | None) -> str:
    if not handle:
        return "—"
    name = roster.display_name(handle) if roster is not None else handle
    return f"{name} (@{handle})" if name != handle else f"@{handle}"


def _milestone(moment_text: str | None, took: str) -> str:
    return f"{moment_text}, after {took}" if moment_text else "not yet"


def retro_draft(incident: Incident, roster: Roster | None, now: datetime) -> str:
    """The Markdown document (ends with a newline)."""
    policy = incident.policy
    severity = policy.severity(incident.current_severity)
    level = f"{incident.current_severity}" + (f" ({severity.name})" if severity else "")
    if incident.current_severity != incident.severity:
        level += f", recorded as {incident.severity}"
    lead = _who(roster, incident.current_lead)
    earlier = [h for h in incident.leads if h != incident.current_lead]
    if earlier:
        lead += ", after a handover from " + ", ".join(_who(roster, h) for h in earlier)
    host = incident.resolving_lead or incident.current_lead
    retro = incident.retrospective
    if retro is not None:
        held = f"{retro.date.isoformat()}, hosted by {_who(roster, retro.host)}"
    else:
        held = f"to be held; the lead, {_who(roster, host)}, hosts it"
    status = incident.current_status
    stabilized = incident.stabilized_at
    resolved = incident.resolved_at
    lines = [
        f"# Retrospective: {incident.title}",
        "",
        f"- **Incident:** `{incident.id}`",
        f"- **Severity:** {level}",
        f"- **Status:** {policy.status_label(status) if status else '—'}",
        f"- **Lead:** {lead}",
        f"- **Services:** {', '.join(incident.services) or '—'} ({incident.category})",
        f"- **Detected:** {format_timestamp(incident.detected)} (via {incident.detected_via})",
        "- **Stabilized:** "
        + _milestone(
            format_timestamp(stabilized) if stabilized else None,
            format_duration(incident.time_to_stabilize),
        ),
        "- **Resolved:** "
        + _milestone(
            format_timestamp(resolved) if resolved else None,
            format_duration(incident.time_to_resolve),
        ),
        f"- **Recurrences:** {incident.recurrences}",
        f"- **Retrospective:** {held}",
        "",
        "## Summary",
        "",
        incident.summary.strip(),
        "",
        "## Impact",
        "",
        incident.impact.strip() if incident.impact else "_Who was affected, and how?_",
        "",
        "## Timeline (UTC)",
        "",
        "| Time (UTC) | Since detection | What happened | By |",
        "|---|---|---|---|",
    ]
    for row in timeline_rows(incident, now):
        what = []
        if row.status_after is not None:
            label = policy.status_label(row.status_after)
            what.append(f"**{label}**" + (" (recurrence)" if row.recurrence else ""))
        if row.severity_after is not None:
            what.append(f"severity {row.severity_before} → {row.severity_after}")
        if row.lead_after is not None:
            what.append(f"lead {_who(roster, row.lead_before)} → {_who(roster, row.lead_after)}")
        if row.note:
            what.append(row.note.strip())
        lines.append(
            f"| {format_timestamp(row.at).removesuffix(' UTC')} | "
            f"{format_since(row.since_detection)} | "
            f"{cell('; '.join(what))} | {cell(_who(roster, row.by) if row.by else '—')} |"
        )
    lines += ["", "## Follow-ups", ""]
    if incident.follow_ups:
        for follow_up in incident.follow_ups:
            box = "x" if follow_up.done else " "
            extra = ", ".join(p for p in (follow_up.purpose, follow_up.priority) if p)
            title = follow_up.title.replace("[", "\\[").replace("]", "\\]")
            lines.append(f"- [{box}] [{title}]({follow_up.url}) ({extra})")
    else:
        lines.append("_None filed yet._")
    if retro is not None and retro.root_cause:
        lines += ["", "## Root cause", "", retro.root_cause.strip()]
    for heading in EMPTY_SECTIONS:
        lines += ["", f"## {heading}", "", "- "]
    lines += ["", "## Five whys", ""]
    whys = list(retro.five_whys) if retro is not None else []
    for number in range(1, max(WHYS, len(whys)) + 1):
        known = whys[number - 1] if number <= len(whys) else "Why?"
        lines.append(f"{number}. {known}")
    lines += ["", "## Action items", ""]
    improvements = list(retro.improvements) if retro is not None else []
    lines += [f"- [ ] {item}" for item in improvements] or ["- [ ] "]
    return "\n".join(lines) + "\n"
