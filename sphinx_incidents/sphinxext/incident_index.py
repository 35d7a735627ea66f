"""``incident-index``: the list on the generated ``<incidents_pages>/index`` page.

Open incidents first, then newest first.  It shows every incident, but only a few facts of
each (:class:`IndexRow`): it registers a content digest
(:mod:`~sphinx_incidents.sphinxext.view_digests`), so an edit that changes none of them
(a timeline note, the summary) does not re-read this 1,000-row page.
"""

from __future__ import annotations

from typing import NamedTuple

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_incidents.core.analytics import count, format_duration, format_timestamp
from sphinx_incidents.sphinxext.directives.common import inline, person_node
from sphinx_incidents.sphinxext.domain import ViewParams, incident_xref, note_view
from sphinx_incidents.sphinxext.feed import FEED
from sphinx_incidents.sphinxext.nodes import Cell, severity_badge, status_badge, table
from sphinx_incidents.sphinxext.outputs import site_file_link
from sphinx_incidents.sphinxext.pages import index_order
from sphinx_incidents.sphinxext.rotation_calendar import CALENDAR
from sphinx_incidents.sphinxext.state import IncidentsState, get_state
from sphinx_incidents.sphinxext.view_digests import content_digest, register_view

VIEW = "index"


class IndexRow(NamedTuple):
    """Everything the index shows of one incident."""

    id: str
    title: str
    severity: int
    status: str | None
    open: bool
    lead: str | None
    detected: str
    time_to_resolve: str
    private: bool = False  # marked in an internal build


def index_rows(state: IncidentsState) -> list[IndexRow]:
    return [
        IndexRow(
            incident.id,
            incident.title,
            incident.current_severity,
            incident.current_status,
            incident.is_open,
            incident.current_lead,
            format_timestamp(incident.detected),
            format_duration(incident.time_to_resolve),
            incident.is_private,
        )
        for incident in index_order(state.incidents)
    ]


def index_digest(state: IncidentsState, params: ViewParams = ()) -> str:
    return content_digest(state, index_rows(state))


def follow_links() -> nodes.paragraph:
    """ "Follow: the Atom feed, the rotation calendar": links to the files at the site's
    root, each dropped when the build does not write it (see
    :func:`~sphinx_incidents.sphinxext.outputs.resolve_site_file_links`)."""
    paragraph = nodes.paragraph(classes=["incident-follow"])
    paragraph += nodes.Text("Follow: ")
    for filename, text in ((FEED, "Atom feed"), (CALENDAR, "support rotation calendar")):
        link = site_file_link(filename=filename)
        link += nodes.Text(text)
        paragraph += link
    return paragraph


class IncidentIndexDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        state = get_state(self.env)
        rows = index_rows(state)
        note_view(self.env, self.env.docname, VIEW, (), content_digest(state, rows))
        open_count = sum(1 for row in rows if row.open)
        roster = state.result.roster
        intro = nodes.paragraph(
            "",
            f"{count(len(rows), 'incident')}, {open_count} open. Open incidents come first, "
            "then the newest.",
        )
        cells: list[list[Cell]] = []
        for row in rows:
            cells.append(
                [
                    incident_xref(row.id, row.title),
                    severity_badge(state.policy, row.severity),
                    status_badge(state.policy, row.status),
                    inline(person_node(roster, row.lead)) if row.lead else None,
                    row.detected,
                    row.time_to_resolve,
                ]
            )
        return [
            intro,
            follow_links(),
            table(
                ["Incident", "Severity", "Status", "Lead", "Detected", "Time to resolve"],
                cells,
                classes=["incident-index"],
            ),
        ]


def setup_incident_index(app: Sphinx) -> None:
    register_view(VIEW, index_digest)
    app.add_directive("incident-index", IncidentIndexDirective)
