"""``incident-table``: a filtered, sorted table of incidents, sortable by header in HTML.

It registers a content digest (:mod:`~sphinx_incidents.sphinxext.view_digests`) of the
rows it shows, so a record edit re-reads a page with a table only when the table changes.
"""

from __future__ import annotations

from typing import NamedTuple

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from sphinx_incidents.core.analytics import (
    TableQuery,
    column_text,
    column_value,
    parse_table_options,
)
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.directives.common import (
    SORTABLE,
    ViewDirective,
    inline,
    person_node,
    sortable,
    table,
    warn,
)
from sphinx_incidents.sphinxext.domain import ViewParams, incident_xref, note_view
from sphinx_incidents.sphinxext.nodes import Cell, severity_badge, status_badge
from sphinx_incidents.sphinxext.state import IncidentsState, get_state
from sphinx_incidents.sphinxext.view_digests import content_digest, register_view

VIEW = "table"

HEADERS = {
    "id": "ID",
    "title": "Title",
    "severity": "Severity",
    "status": "Status",
    "lead": "Lead",
    "services": "Services",
    "category": "Category",
    "detected": "Detected (UTC)",
    "time-to-stabilize": "Time to stabilize",
    "time-to-resolve": "Time to resolve",
    "recurrences": "Recurrences",
}
QUERY_OPTIONS = (
    "severity",
    "status",
    "service",
    "category",
    "lead",
    "since",
    "until",
    "columns",
    "sort",
    "limit",
)


def cell(
    incident: Incident,
    column: str,
    shown: tuple[str, object],
    policy: Policy,
    roster: Roster | None = None,
    link_id: bool = False,
) -> Cell:
    """One table cell from its ``(text, sort key)``: links, badges or the text itself.

    The title links to the incident's page; the id, when a table shows it, is code (a link
    too, ``link_id``, in a table without titles).  The lead is shown as on every other
    page (``Name (@handle)``, linked to the person's profile when the roster has one).
    """
    text, value = shown
    content: nodes.Node | str
    if column == "lead" and incident.current_lead:
        content = inline(person_node(roster, incident.current_lead))
    elif column == "title":
        content = incident_xref(incident.id, incident.title)
    elif column == "id":
        literal = nodes.literal(incident.id, incident.id)
        content = incident_xref(incident.id, incident.id) if link_id else literal
    elif column == "severity":
        content = severity_badge(policy, incident.current_severity)
    elif column == "status":
        content = status_badge(policy, incident.current_status)
    else:
        content = text
    return sortable(content, value)


class TableContent(NamedTuple):
    """Everything an ``incident-table`` shows: the parsed query, its errors, the chosen
    incidents and, per row, each cell's text and sort key (what :func:`cell` renders)."""

    query: TableQuery
    errors: list[str]
    chosen: list[Incident]
    shown: list[list[tuple[str, object]]]

    def digest(self, state: IncidentsState) -> str:
        # the rows link to their incidents (ids) and mark the private ones, whatever the columns
        linked = [(incident.id, incident.is_private) for incident in self.chosen]
        return content_digest(
            state, (self.query.columns, self.query.sort, self.errors, self.shown, linked)
        )


def table_content(state: IncidentsState, raw: dict[str, str]) -> TableContent:
    query, errors = parse_table_options(raw, state.policy, state.result.roster)
    chosen = query.apply(state.incidents)
    shown = [
        [(column_text(i, c, state.policy), column_value(i, c)) for c in query.columns]
        for i in chosen
    ]
    return TableContent(query, errors, chosen, shown)


def table_digest(state: IncidentsState, params: ViewParams) -> str:
    return table_content(state, dict(params)).digest(state)


class IncidentTableDirective(ViewDirective):
    """``.. incident-table::`` with filter, column, sort, limit and caption options."""

    has_content = False
    option_spec = {name: directives.unchanged for name in QUERY_OPTIONS} | {
        "caption": directives.unchanged,
    }

    def render(self) -> list[nodes.Node]:
        state = get_state(self.env)
        raw = {name: str(self.options[name]) for name in QUERY_OPTIONS if name in self.options}
        content = table_content(state, raw)
        query, errors, chosen, shown = content
        params = tuple(sorted(raw.items()))
        note_view(self.env, self.env.docname, VIEW, params, content.digest(state))
        for error in errors:
            warn(self, error)
        caption = self.options.get("caption") or None
        if not chosen:
            text = "No incidents match."
            if caption:
                text = f"{caption}: {text}"
            return [nodes.paragraph(text, text, classes=["incident-table-empty"])]
        link_id = "title" not in query.columns
        rows = [
            [
                cell(i, c, pair, state.policy, state.result.roster, link_id)
                for c, pair in zip(query.columns, row, strict=True)
            ]
            for i, row in zip(chosen, shown, strict=True)
        ]
        result = table(
            [HEADERS[column] for column in query.columns],
            rows,
            classes=[SORTABLE, "incident-list"],
            caption=caption,
        )
        column = query.sort.lstrip("-")
        if column in query.columns:  # tell the script which header shows the current order
            direction = "desc" if query.sort.startswith("-") else "asc"
            result["classes"].append(f"incident-sorted-{query.columns.index(column)}-{direction}")
        return [result]


def setup_table(app: Sphinx) -> None:
    register_view(VIEW, table_digest)
    app.add_directive("incident-table", IncidentTableDirective)
