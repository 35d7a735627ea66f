"""``incident-index``: the list on the generated ``<incidents_pages>/index`` page.

Open incidents first, then newest first.  It shows every incident, so it depends on all
of them (re-read whenever any record changes).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_incidents.core.analytics import format_duration, format_timestamp
from sphinx_incidents.sphinxext.domain import ALL, NOW, incident_xref, note_dependency
from sphinx_incidents.sphinxext.nodes import Cell, severity_badge, status_badge, table
from sphinx_incidents.sphinxext.pages import index_order
from sphinx_incidents.sphinxext.state import get_state


class IncidentIndexDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        state = get_state(self.env)
        note_dependency(self.env, self.env.docname, [ALL, NOW])
        incidents = index_order(state.incidents)
        open_count = sum(1 for i in incidents if i.is_open)
        intro = nodes.paragraph(
            "",
            f"{len(incidents)} incidents, {open_count} open. Open incidents come first, "
            "then the newest.",
        )
        rows: list[list[Cell]] = []
        for incident in incidents:
            title = nodes.inline()
            title += incident_xref(incident.id, incident.title)
            rows.append(
                [
                    title,
                    severity_badge(state.policy, incident.current_severity),
                    status_badge(state.policy, incident.current_status),
                    f"@{incident.current_lead}" if incident.current_lead else None,
                    format_timestamp(incident.detected),
                    format_duration(incident.time_to_resolve),
                ]
            )
        return [
            intro,
            table(
                ["Incident", "Severity", "Status", "Lead", "Detected", "Time to resolve"],
                rows,
                classes=["incident-index"],
            ),
        ]


def setup_incident_index(app: Sphinx) -> None:
    app.add_directive("incident-index", IncidentIndexDirective)
