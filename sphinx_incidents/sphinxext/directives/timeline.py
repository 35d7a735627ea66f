"""``incident-timeline ID``: one incident's events, and the time it spent in each status
(a Mermaid Gantt chart in HTML, a table elsewhere).

``now`` is the project's fixed "now" (``incidents_now``) or ``None``: then whatever depends
on the clock (an open incident's ongoing stay, events in the future) is computed in the
reader's browser (see :mod:`~sphinx_incidents.sphinxext.clock`), and the page stays the
same whenever it is built.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from docutils import nodes
from sphinx.application import Sphinx

from sphinx_incidents.core.analytics import (
    format_duration,
    format_since,
    format_timestamp,
    status_spans,
    timeline_rows,
    utc,
)
from sphinx_incidents.core.fieldtypes import Fields
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.clock import elapsed_since, iso, moment
from sphinx_incidents.sphinxext.directives.common import (
    ViewDirective,
    chart_text,
    inline,
    person_node,
    table,
    warn,
)
from sphinx_incidents.sphinxext.domain import incident_xref, note_dependency
from sphinx_incidents.sphinxext.markdown import RecordText, TextSource
from sphinx_incidents.sphinxext.nodes import Cell, diagram, severity_badge, status_badge
from sphinx_incidents.sphinxext.privacy import is_hidden
from sphinx_incidents.sphinxext.state import get_state


def field_source(incident: Incident, fields: Fields | None, name: str) -> TextSource | None:
    """Where the text of field ``name`` is: the record and the line of the field's value."""
    if fields is None:
        return None
    return TextSource(incident.path, fields.pos(name)[0])


def events_table(
    incident: Incident,
    policy: Policy,
    roster: Roster | None,
    now: datetime | None,
    text: RecordText,
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
            lead = inline(
                person_node(roster, row.lead_before), " → ", person_node(roster, row.lead_after)
            )
        note: Cell = None
        if row.note:
            where = field_source(incident, event.source, "note")
            note = nodes.container("", *text.render(row.note, where))
        when = nodes.inline()
        when += moment(row.at, format_timestamp(row.at), now, " (future)")
        rows.append(
            [
                when,
                format_since(row.since_detection),
                status,
                severity,
                lead,
                note,
                inline(person_node(roster, row.by)) if row.by else None,
            ]
        )
    return table(
        ["Time (UTC)", "Since detection", "Status", "Severity", "Lead", "Note", "By"],
        rows,
        classes=["incident-timeline"],
    )


ONGOING = "%% incidents-ongoing"
"""Marks the next line as the ongoing bar, which the browser ends at its clock."""
AXIS = "%% incidents-axis"
"""``AXIS <first start>``: the browser picks the next line's axis format from the span."""


def gantt_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS+00:00`` in UTC, four-digit year always (unlike ``strftime``)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "+00:00"


_stamp = gantt_time

GANTT_LABEL_PADDING = 75
"""Mermaid's default width (px) for the section titles left of a Gantt chart's bars."""


def axis_format(span: timedelta) -> str:
    """Hours within two days; day and hour up to a week, where Mermaid puts several ticks on
    one day ("02-26 02-26 02-27" with the day alone); the day beyond.  ``sphinx-incidents.js``
    makes the same choice for an ongoing chart, whose span grows with the reader's clock."""
    if span < timedelta(days=2):
        return "%H:%M"
    if span < timedelta(days=8):
        return "%m-%d %H:%M"
    return "%m-%d"


def gantt_padding(labels: list[str]) -> int:
    """Room for the longest section title (11 px text, about 6.5 px a character): with
    Mermaid's fixed 75 px, "Stabilization pending" ran under the first bar and its label."""
    longest = max((len(label) for label in labels), default=0)
    return max(GANTT_LABEL_PADDING, round(longest * 6.5) + 16)


def gantt(incident: Incident, policy: Policy, now: datetime | None) -> str:
    """A Gantt chart with one section per status and one bar per stay (UTC timestamps).

    Without a fixed ``now``, an open incident's ongoing bar ends at the latest moment the
    record knows of, and a comment line (``ONGOING``) asks ``sphinx-incidents.js`` to end
    it at the reader's clock; the bar is labelled "ongoing" instead of with its length.
    """
    spans = status_spans(incident, now).spans
    latest = max([incident.detected, *(event.at for event in incident.timeline)])
    live = now is None and any(s.ongoing for s in spans)
    end = max(spans[-1].end, utc(latest)) if spans else None
    order = {key: index for index, key in enumerate(policy.status_keys)}
    statuses = sorted({s.status for s in spans}, key=lambda k: (order.get(k, len(order)), k))
    labels = [chart_text(policy.status_label(status)) for status in statuses]
    # Only the padding is set: the site's own Mermaid configuration keeps everything else.
    padding = gantt_padding(labels)
    lines = [
        f'%%{{init: {{"gantt": {{"leftPadding": {padding}}}}}}}%%',
        "gantt",
        "  dateFormat YYYY-MM-DDTHH:mm:ssZ",
    ]
    if live:
        lines.append(f"  {AXIS} {iso(spans[0].start)}")
    extent = end - spans[0].start if end is not None else timedelta(0)
    lines += [f"  axisFormat {axis_format(extent)}", "  todayMarker off"]
    for index, (status, label) in enumerate(zip(statuses, labels, strict=True)):
        bars = [
            s
            for s in spans
            if s.status == status and (s.duration.total_seconds() > 0 or (live and s.ongoing))
        ]
        if not bars:
            continue
        lines.append(f"  section {label}")
        for visit, span in enumerate(bars, start=1):
            tags = []
            if span.ongoing:
                tags.append("active")
            if visit > 1 and status == policy.recurrence_status:
                tags.append("crit")
            bar_end = span.end
            if live and span.ongoing:
                took = "ongoing"
                bar_end = max(span.end, utc(latest))
                lines.append(f"    {ONGOING}")
            else:
                took = format_duration(span.duration).replace("<", "under")
            name = f"visit {visit} ({chart_text(took)})"
            tag_text = "".join(f"{tag}, " for tag in tags)
            lines.append(
                f"    {name} :{tag_text}v{index}n{visit}, {_stamp(span.start)}, {_stamp(bar_end)}"
            )
    return "\n".join(lines)


def totals_table(incident: Incident, policy: Policy, now: datetime | None) -> nodes.table:
    result = status_spans(incident, now)
    order = {key: index for index, key in enumerate(policy.status_keys)}
    seen = sorted({s.status for s in result.spans}, key=lambda k: (order.get(k, len(order)), k))
    rows: list[list[Cell]] = []
    for status in seen:
        visits = sum(1 for s in result.spans if s.status == status)
        total = result.totals.get(status)
        ongoing = next((s for s in result.spans if s.ongoing and s.status == status), None)
        shown: Cell
        if ongoing is not None and now is None:
            # the finished stays plus the ongoing one, up to the reader's clock
            earlier = (total or timedelta(0)) - ongoing.duration
            fallback = f"since {format_timestamp(ongoing.start)} (ongoing)"
            if earlier:
                fallback = f"{format_duration(earlier)} + {fallback}"
            shown = nodes.inline()
            shown += elapsed_since(ongoing.start, None, "{} (ongoing)", fallback, base=earlier)
        else:
            text = format_duration(total) if total is not None else "— (final status)"
            shown = text + (" (ongoing)" if ongoing is not None else "")
        rows.append([status_badge(policy, status), shown, str(visits)])
    return table(["Status", "Total time", "Visits"], rows, classes=["incident-status-times"])


def status_time_view(incident: Incident, policy: Policy, now: datetime | None) -> nodes.Node:
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
        note_dependency(self.env, self.env.docname, [incident_id])
        incident = state.by_id.get(incident_id)
        if incident is None and is_hidden(self.env, incident_id):
            return []  # a private record, left out of this build
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
                state.page_now,
                RecordText.for_env(self.env, state.config.pages),
            ),
            nodes.rubric(heading, heading),
            status_time_view(incident, state.policy, state.page_now),
        ]


def setup_timeline(app: Sphinx) -> None:
    app.add_directive("incident-timeline", IncidentTimelineDirective)
