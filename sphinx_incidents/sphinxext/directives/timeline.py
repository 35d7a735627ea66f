"""``incident-timeline ID``: one incident's events, and the time it spent in each status
(a Mermaid Gantt chart in HTML, a table elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from docutils import nodes
from sphinx.application import Sphinx

from sphinx_incidents.core.analytics import (
    format_duration,
    format_timestamp,
    status_spans,
    timeline_rows,
)
from sphinx_incidents.core.fieldtypes import Fields
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.directives.common import (
    ViewDirective,
    chart_text,
    person,
    table,
    warn,
)
from sphinx_incidents.sphinxext.domain import NOW, incident_xref, note_dependency
from sphinx_incidents.sphinxext.markdown import RecordText, TextSource
from sphinx_incidents.sphinxext.nodes import Cell, diagram, severity_badge, status_badge
from sphinx_incidents.sphinxext.state import get_state


def _since(delta: timedelta) -> str:
    if not delta:
        return "at detection"
    return format_duration(delta) if delta < timedelta(0) else "+" + format_duration(delta)


def field_source(incident: Incident, fields: Fields | None, name: str) -> TextSource | None:
    """Where the text of field ``name`` is: the record and the line of the field's value."""
    if fields is None:
        return None
    return TextSource(incident.path, fields.pos(name)[0])


def events_table(
    incident: Incident, policy: Policy, roster: Roster | None, now: datetime, text: RecordText
) -> nodes.table:
    rows: list[list[Cell]] = []
    # timeline_rows keeps the record's order: row n is event n
    for row, event in zip(timeline_rows(incident, now), incident.timeline, strict=True):
        status: Cell = None
        if row.status_after is not None:
            status = nodes.inline()
            status += status_badge(policy, row.status_after)
            if row.recurrence:
                status += nodes.Text(" (recurrence)")
        severity: Cell = None
        if row.severity_after is not None:
            severity = nodes.inline()
            severity += nodes.Text(f"{row.severity_before} → ")
            severity += severity_badge(policy, row.severity_after)
        lead: Cell = None
        if row.lead_after is not None:
            lead = f"{person(roster, row.lead_before)} → {person(roster, row.lead_after)}"
        note: Cell = None
        if row.note:
            where = field_source(incident, event.source, "note")
            note = nodes.container("", *text.render(row.note, where))
        when = format_timestamp(row.at) + (" (future)" if row.future else "")
        rows.append(
            [
                when,
                _since(row.since_detection),
                status,
                severity,
                lead,
                note,
                person(roster, row.by) if row.by else None,
            ]
        )
    return table(
        ["Time (UTC)", "Since detection", "Status", "Severity", "Lead", "Note", "By"],
        rows,
        classes=["incident-timeline"],
    )


def gantt_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS+00:00`` in UTC, four-digit year always (unlike ``strftime``)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "+00:00"


def gantt(incident: Incident, policy: Policy, now: datetime) -> str:
    """A Gantt chart with one section per status and one bar per stay (UTC timestamps)."""
    spans = status_spans(incident, now).spans
    short = bool(spans) and spans[-1].end - spans[0].start < timedelta(days=2)
    lines = [
        "gantt",
        "  dateFormat YYYY-MM-DDTHH:mm:ssZ",
        f"  axisFormat {'%H:%M' if short else '%m-%d'}",
        "  todayMarker off",
    ]
    order = {key: index for index, key in enumerate(policy.status_keys)}
    statuses = sorted({s.status for s in spans}, key=lambda k: (order.get(k, len(order)), k))
    for index, status in enumerate(statuses):
        bars = [s for s in spans if s.status == status and s.duration.total_seconds() > 0]
        if not bars:
            continue
        lines.append(f"  section {chart_text(policy.status_label(status))}")
        for visit, span in enumerate(bars, start=1):
            tags = []
            if span.ongoing:
                tags.append("active")
            if visit > 1 and status == policy.recurrence_status:
                tags.append("crit")
            took = format_duration(span.duration).replace("<", "under")
            name = f"visit {visit} ({chart_text(took)})"
            start, end = (gantt_time(m) for m in (span.start, span.end))
            tag_text = "".join(f"{tag}, " for tag in tags)
            lines.append(f"    {name} :{tag_text}v{index}n{visit}, {start}, {end}")
    return "\n".join(lines)


def totals_table(incident: Incident, policy: Policy, now: datetime) -> nodes.table:
    result = status_spans(incident, now)
    order = {key: index for index, key in enumerate(policy.status_keys)}
    seen = sorted({s.status for s in result.spans}, key=lambda k: (order.get(k, len(order)), k))
    rows: list[list[Cell]] = []
    for status in seen:
        visits = sum(1 for s in result.spans if s.status == status)
        total = result.totals.get(status)
        shown = format_duration(total) if total is not None else "— (final status)"
        if any(s.ongoing and s.status == status for s in result.spans):
            shown += " (ongoing)"
        rows.append([status_badge(policy, status), shown, str(visits)])
    return table(["Status", "Total time", "Visits"], rows, classes=["incident-status-times"])


def status_time_view(incident: Incident, policy: Policy, now: datetime) -> nodes.Node:
    """Time per status: a Gantt chart in HTML, the totals table elsewhere."""
    chart = gantt(incident, policy, now)
    totals = totals_table(incident, policy, now)
    # no bar to draw (every stay took no time): the table says it all
    if "  section " not in chart:
        return totals
    return diagram(chart, totals, f"Time per status of {incident.id}")


class IncidentTimelineDirective(ViewDirective):
    """``.. incident-timeline:: ID``."""

    required_arguments = 1
    has_content = False

    def render(self) -> list[nodes.Node]:
        state = get_state(self.env)
        incident_id = self.arguments[0].strip()
        note_dependency(self.env, self.env.docname, [incident_id, NOW])
        incident = state.by_id.get(incident_id)
        if incident is None:
            warn(self, f"unknown incident id '{incident_id}'")
            return []
        roster = state.result.roster
        intro = nodes.paragraph()
        intro += nodes.Text("Timeline of ")
        intro += incident_xref(incident.id, incident.title)
        intro += nodes.Text(f" ({len(incident.timeline)} events; times in UTC).")
        heading = "Time per status"
        return [
            intro,
            events_table(
                incident,
                state.policy,
                roster,
                state.now,
                RecordText.for_env(self.env, state.config.pages),
            ),
            nodes.rubric(heading, heading),
            status_time_view(incident, state.policy, state.now),
        ]


def setup_timeline(app: Sphinx) -> None:
    app.add_directive("incident-timeline", IncidentTimelineDirective)
