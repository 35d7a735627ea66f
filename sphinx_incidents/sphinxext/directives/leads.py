"""``incident-leads``: who led incidents, who has not for a while, and who leads next."""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from sphinx_incidents.core import mermaid
from sphinx_incidents.core.analytics import LeadReport, count, lead_report
from sphinx_incidents.core.model import Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.clock import elapsed_since, weekly
from sphinx_incidents.sphinxext.directives.common import (
    SORTABLE,
    ViewDirective,
    inline,
    parse_date,
    person_node,
    sortable,
    table,
)
from sphinx_incidents.sphinxext.domain import ALL, note_dependency
from sphinx_incidents.sphinxext.nodes import Cell, diagram
from sphinx_incidents.sphinxext.state import get_state

HANDOVER = (
    "An incident counts once for every person who led it: a handover counts for both the "
    "person handing over and the one taking over."
)


def leads_table(report: LeadReport, policy: Policy, roster: Roster | None) -> nodes.table:
    headers = ["Person", "Led"]
    for level in report.severity_levels:
        severity = policy.severity(level)
        headers.append(f"Sev {level}" + (f" ({severity.name})" if severity else ""))
    headers += ["Last led (UTC)", "Days since", "Retros hosted"]
    rows: list[list[Cell]] = []
    for row in report.rows:
        who = inline(person_node(roster, row.handle))
        if roster is not None and roster.people and not row.in_roster:
            who += nodes.Text(" (not in roster)")
        cells: list[Cell] = [sortable(who, row.handle), str(row.led_total)]
        cells += [str(row.led_by_severity.get(level, 0)) for level in report.severity_levels]
        days: Cell = None
        if row.last_led is not None:
            day = row.last_led.strftime("%Y-%m-%d")
            since = nodes.inline()
            since += elapsed_since(row.last_led, report.now, "{}", f"since {day}", days=True)
            days = sortable(since, -int(row.last_led.timestamp()))  # fewest days first
        cells += [
            sortable(row.last_led.strftime("%Y-%m-%d") if row.last_led else "never", row.last_led),
            days,
            str(row.retros_hosted),
        ]
        rows.append(cells)
    return table(headers, rows, classes=[SORTABLE, "incident-leads"])


def _next_lead_paragraph(handle: str | None, reason: str, roster: Roster | None) -> nodes.paragraph:
    paragraph = nodes.paragraph(classes=["incident-next-lead"])
    if handle is None:
        paragraph += nodes.Text(f"Nobody to suggest as next lead: {reason}.")
        return paragraph
    paragraph += nodes.Text("Next lead: ")
    name = nodes.strong()
    name += person_node(roster, handle)
    paragraph += name
    paragraph += nodes.Text(f", because: {reason}.")
    return paragraph


def next_lead(report: LeadReport, roster: Roster | None) -> nodes.Node:
    """Who leads next.  It depends on who runs this week's rotation: without a fixed "now"
    the page holds the answer for every runner and the reader's browser picks its week's
    (:func:`~sphinx_incidents.sphinxext.clock.weekly`)."""
    if report.now is not None or roster is None or not report.runners:
        return _next_lead_paragraph(report.next_lead, report.next_reason, roster)
    variants: dict[str, nodes.Node] = {
        runner: _next_lead_paragraph(*report.next_lead_if(runner or None), roster)
        for runner in ("", *report.runners)
    }
    latest = f" ({report.latest_incident})" if report.latest_incident else ""
    text = (
        "Next lead: the support rotation runner of the current week (see the roster), unless "
        f"they led the latest incident{latest}; then whoever led least recently."
    )
    default = nodes.paragraph(text, text, classes=["incident-next-lead"])
    return weekly(roster.weekly_runners, variants, default, roster.cycle)


def fairness(report: LeadReport) -> nodes.paragraph:
    if not report.incident_count:
        text = "Fairness: no incidents in the window."
    else:
        people = len(report.rows) or 1
        busiest = ", ".join("@" + h for h in report.busiest)
        lead_word = "leads" if len(report.busiest) > 1 else "lead"
        incidents = (
            "the one incident"
            if report.incident_count == 1
            else f"the {report.incident_count} incidents"
        )
        split = (
            "one person leading everything is the only split"
            if people == 1
            else f"an even split among {count(people, 'person', 'people')} would be "
            f"{1 / people:.0%} each"
        )
        text = (
            f"Fairness: the busiest {lead_word} ({busiest}) led {report.fairness:.0%} of "
            f"{incidents}; {split} (100% = one person led everything)."
        )
    return nodes.paragraph(text, text, classes=["incident-fairness"])


def bar_chart(report: LeadReport) -> str:
    """One bar per person; 320 units high rather than Mermaid's 500 (a few bars do not need
    more), names turned when there are many people, whole incidents on the axis."""
    handles = [row.handle for row in report.rows]
    top = max((row.led_total for row in report.rows), default=0)
    options = '"height": 320'
    if len(handles) > 8:
        options += ', "xAxis": {"labelRotation": -45}'
    return "\n".join(
        [
            '%%{init: {"xyChart": {' + options + "}, "
            '"themeVariables": {"xyChart": {"plotColorPalette": "#1565c0"}}}}%%',
            "xychart-beta",
            f"  title {mermaid.label('Incidents led per person')}",
            f"  x-axis [{', '.join(mermaid.label(h) for h in handles)}]",
            f"  y-axis {mermaid.label('Incidents')} 0 --> {max(top, 8)}",
            f"  bar [{', '.join(str(row.led_total) for row in report.rows)}]",
        ]
    )


class IncidentLeadsDirective(ViewDirective):
    """``.. incident-leads::`` with ``:since: YYYY-MM-DD``."""

    has_content = False
    option_spec = {"since": directives.unchanged}

    def render(self) -> list[nodes.Node]:
        state = get_state(self.env)
        note_dependency(self.env, self.env.docname, [ALL])
        since = parse_date(self, "since")
        roster = state.result.roster
        report = lead_report(state.counted, roster, state.page_now, since, state.policy)
        window = f"since {since.isoformat()}" if since else "all time"
        as_of = (
            f", as of {report.now.strftime('%Y-%m-%d %H:%M UTC')}" if report.now is not None else ""
        )
        intro = (
            f"Incident leads, {window}: {count(report.incident_count, 'incident')}{as_of}. "
            "Whoever led least recently comes first."
        )
        result: list[nodes.Node] = [
            nodes.paragraph(intro, intro),
            next_lead(report, roster),
            leads_table(report, state.policy, roster),
            nodes.paragraph(HANDOVER, HANDOVER, classes=["incident-handover-note"]),
            fairness(report),
        ]
        if report.rows:
            result.append(diagram(bar_chart(report), nodes.container(), "Incidents led"))
        return result


def setup_leads(app: Sphinx) -> None:
    app.add_directive("incident-leads", IncidentLeadsDirective)
