"""``incident-index``: the list on the generated ``<incidents_pages>/index`` page and, with
``:year:``, on each year's page.

Open incidents first, then newest first.  It shows every incident (of the year), but only a
few facts of each (:class:`IndexRow`), and, without ``:year:``, links to the year pages
with their counts: it registers a content digest
(:mod:`~sphinx_incidents.sphinxext.view_digests`), so an edit that changes none of them
(a timeline note, the summary) does not re-read this 1,000-row page.
"""

from __future__ import annotations

from typing import NamedTuple

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_incidents.core.analytics import count, format_duration, format_timestamp
from sphinx_incidents.sphinxext.directives.common import inline, person_node
from sphinx_incidents.sphinxext.domain import ViewParams, incident_xref, note_view
from sphinx_incidents.sphinxext.feed import FEED
from sphinx_incidents.sphinxext.layout import get_layout, incident_year, index_order, year_name
from sphinx_incidents.sphinxext.nodes import Cell, severity_badge, status_badge, table
from sphinx_incidents.sphinxext.outputs import site_file_link
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


def index_rows(state: IncidentsState, year: int | None = None) -> list[IndexRow]:
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
        if year is None or incident_year(incident) == year
    ]


def year_counts(state: IncidentsState) -> list[tuple[int, int]]:
    """The year pages the index links to, newest first, with their number of incidents
    (none without generated pages)."""
    layout = get_layout(state)
    if layout.pages is None:
        return []
    return [(year, len(layout.by_year[year])) for year in layout.years]


def _year_param(params: ViewParams) -> int | None:
    value = dict(params).get("year")
    return int(value) if value is not None else None


def index_digest(state: IncidentsState, params: ViewParams = ()) -> str:
    year = _year_param(params)
    rows = index_rows(state, year)
    return content_digest(state, (rows, year_counts(state) if year is None else None))


def _year_option(argument: str | None) -> int:
    """``:year:``: four digits."""
    value = directives.unchanged_required(argument).strip()
    if len(value) != 4 or not value.isdigit():
        raise ValueError(f"a year is four digits, not {value!r}")
    return int(value)


def year_links(state: IncidentsState, counts: list[tuple[int, int]]) -> nodes.paragraph:
    """ "By year: 2025 (12) · 2024 (40)": links to the year pages."""
    paragraph = nodes.paragraph(classes=["incident-years"], support_smartquotes=False)
    paragraph += nodes.Text("By year: ")
    for position, (year, number) in enumerate(counts):
        if position:
            paragraph += nodes.Text(" · ")
        link = pending_xref(
            "",
            refdomain="std",
            reftype="doc",
            reftarget=f"/{state.config.pages}/{year_name(year)}",
            refexplicit=True,
            refwarn=True,
        )
        link += nodes.inline(str(year), str(year))
        paragraph += link
        paragraph += nodes.Text(f" ({number})")
    return paragraph


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
    """``.. incident-index::`` every incident; ``:year: 2025`` those detected that year."""

    has_content = False
    option_spec = {"year": _year_option}

    def run(self) -> list[nodes.Node]:
        state = get_state(self.env)
        year: int | None = self.options.get("year")
        rows = index_rows(state, year)
        counts = year_counts(state) if year is None else None
        params: ViewParams = (("year", str(year)),) if year is not None else ()
        note_view(self.env, self.env.docname, VIEW, params, content_digest(state, (rows, counts)))
        open_count = sum(1 for row in rows if row.open)
        roster = state.result.roster
        where = "" if year is None else f" detected in {year} (UTC)"
        intro = nodes.paragraph(
            "",
            f"{count(len(rows), 'incident')}{where}, {open_count} open. Open incidents come "
            "first, then the newest.",
            support_smartquotes=False,  # no quotes: spares the page the smart-quotes pass
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
        result: list[nodes.Node] = [intro]
        if counts:
            result.append(year_links(state, counts))
        if year is None:
            result.append(follow_links())
        result.append(
            table(
                ["Incident", "Severity", "Status", "Lead", "Detected", "Time to resolve"],
                cells,
                classes=["incident-index"],
            )
        )
        return result


def setup_incident_index(app: Sphinx) -> None:
    register_view(VIEW, index_digest)
    app.add_directive("incident-index", IncidentIndexDirective)
