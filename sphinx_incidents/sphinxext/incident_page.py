"""The ``incident`` directive: one full incident page.

Header facts, summary, impact, the status graph with this incident's path, the timeline,
follow-ups, retrospective and links.  Everything from the record goes through docutils
text nodes or :mod:`~sphinx_incidents.sphinxext.markdown`, so it is escaped by every writer.
The richer views (timeline Gantt, etc.) are separate directives that pages may add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinx_incidents.core import mermaid
from sphinx_incidents.core.analytics import (
    format_duration,
    format_timestamp,
    incident_path,
)
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.directives.common import inline, person_node
from sphinx_incidents.sphinxext.directives.timeline import (
    events_table,
    field_source,
    status_time_view,
)
from sphinx_incidents.sphinxext.domain import (
    ViewParams,
    incident_domain,
    incident_xref,
    note_dependency,
    note_view,
)
from sphinx_incidents.sphinxext.markdown import RecordText
from sphinx_incidents.sphinxext.nodes import (
    Cell,
    badge,
    diagram,
    external_link,
    field_list,
    section,
    severity_badge,
    status_badge,
    table,
)
from sphinx_incidents.sphinxext.privacy import (
    PRIVATE_NOTE,
    is_hidden,
    private_badge,
)
from sphinx_incidents.sphinxext.state import IncidentsState, get_state
from sphinx_incidents.sphinxext.view_digests import content_digest, register_view

logger = logging.getLogger(__name__)


class IncidentDirective(SphinxDirective):
    """``.. incident:: ID`` renders the whole page of one incident."""

    required_arguments = 1
    has_content = False
    option_spec = {"no-graph": directives.flag}

    def run(self) -> list[nodes.Node]:
        state = get_state(self.env)
        incident_id = self.arguments[0].strip()
        note_dependency(self.env, self.env.docname, [incident_id])
        incident = state.by_id.get(incident_id)
        if incident is None and is_hidden(self.env, incident_id):
            return []  # a private record, left out of this build
        if incident is None:
            logger.warning(
                "unknown incident id %r",
                incident_id,
                location=self.get_location(),
                type="incidents",
                subtype="unknown",
            )
            return []
        anchor = f"incident-{incident.id}"
        incident_domain(self.env).note_incident(
            incident.id, self.env.docname, anchor, incident.title
        )
        related = related_entries(incident, state.related_from, state.by_id)
        if related:
            # linked by their titles: a new title re-reads this page (it used to be re-written
            # only because every page was whenever a title changed)
            params: ViewParams = (("id", incident.id),)
            digest = content_digest(state, related_titles(state, params))
            note_view(self.env, self.env.docname, RELATED_VIEW, params, digest)
        return [
            render_incident(
                incident,
                state.policy,
                state.page_now,
                anchor,
                state.result.roster,
                RecordText.for_env(self.env, state.config.pages),
                graph="no-graph" not in self.options,
                related=related,
            )
        ]


RELATED_VIEW = "related"


def related_titles(state: IncidentsState, params: ViewParams) -> list[tuple[str, str | None]]:
    """What an incident page shows of its related incidents beyond its own record: their
    titles (the links' text), or ``None`` for ids with no incident."""
    incident = state.by_id.get(dict(params).get("id", ""))
    if incident is None:
        return []
    return [
        (other, state.by_id[other].title if exists else None)
        for other, exists, _ in related_entries(incident, state.related_from, state.by_id)
    ]


def related_digest(state: IncidentsState, params: ViewParams) -> str:
    return content_digest(state, related_titles(state, params))


def related_entries(
    incident: Incident, related_from: Mapping[str, Sequence[str]], known: Mapping[str, Incident]
) -> list[tuple[str, bool, bool]]:
    """``(id, exists, names_this)`` for every incident related to ``incident``, both ways:
    the ones its record names, then the ones whose records name it."""
    entries = [(other, other in known, False) for other in incident.related if other != incident.id]
    named = {other for other, _, _ in entries}
    entries += [
        (other, True, True) for other in related_from.get(incident.id, ()) if other not in named
    ]
    return entries


def render_incident(
    incident: Incident,
    policy: Policy,
    now: datetime | None,
    anchor: str,
    roster: Roster | None,
    text: RecordText,
    graph: bool = True,
    related: Sequence[tuple[str, bool, bool]] = (),
) -> nodes.section:
    page = nodes.section(ids=[anchor], classes=["incident-page"])
    page["support_smartquotes"] = False  # record text is shown exactly as written
    page += nodes.title(incident.title, incident.title)
    if incident.is_private:
        page["classes"].append("incident-private-page")
        note = nodes.paragraph(classes=["incident-private-note"])
        note += private_badge()
        note += nodes.Text(" " + PRIVATE_NOTE)
        page += note
    lead_parts: list[nodes.Node | str] = [person_node(roster, incident.current_lead)]
    if incident.lead_from_rotation and incident.current_lead == incident.lead:
        lead_parts.append(" (from the rotation)")
    if len(incident.leads) > 1:
        earlier = [h for h in incident.leads if h != incident.current_lead]
        lead_parts.append(", after a handover from ")
        for index, handle in enumerate(earlier):
            lead_parts += [", "] if index else []
            lead_parts.append(person_node(roster, handle))
    severity_cell: Cell = severity_badge(policy, incident.current_severity)
    if incident.current_severity != incident.severity:
        container = nodes.inline()
        container += severity_badge(policy, incident.current_severity)
        container += nodes.Text(f" (recorded as {incident.severity})")
        severity_cell = container
    facts: list[tuple[str, Cell]] = [
        ("ID", nodes.literal(incident.id, incident.id)),
        ("Severity", severity_cell),
        ("Status", status_badge(policy, incident.current_status)),
        ("Lead", inline(*lead_parts)),
        ("Category", incident.category),
        ("Services", ", ".join(incident.services) or "—"),
        ("Detected", f"{format_timestamp(incident.detected)} (via {incident.detected_via})"),
        (
            "Stabilized",
            f"{format_timestamp(incident.stabilized_at)} "
            f"(after {format_duration(incident.time_to_stabilize)})"
            if incident.stabilized_at
            else "not yet",
        ),
        (
            "Resolved",
            f"{format_timestamp(incident.resolved_at)} "
            f"(after {format_duration(incident.time_to_resolve)})"
            if incident.resolved_at
            else "not yet",
        ),
        ("Recurrences", str(incident.recurrences)),
        ("Recorded by", inline(person_node(roster, incident.recorded_by))),
    ]
    if incident.is_private:
        facts.insert(1, ("Visibility", private_badge()))
    page += field_list(facts)
    summary = text.render(incident.summary, field_source(incident, incident.source, "summary"))
    page += section(f"{anchor}-summary", "Summary", *summary)
    if incident.impact:
        impact = text.render(incident.impact, field_source(incident, incident.source, "impact"))
        page += section(f"{anchor}-impact", "Impact", *impact)
    if graph:
        path = incident_path(incident)
        code = mermaid.status_graph(policy, highlight=path, current=incident.current_status)
        fallback = table(
            ["#", "From", "To"],
            [
                [str(n), policy.status_label(a), policy.status_label(b)]
                for n, (a, b) in enumerate(path, start=1)
            ],
            caption="Status path",
        )
        page += section(
            f"{anchor}-path",
            "Status path",
            diagram(code, fallback, f"Status path of {incident.id}"),
        )
    page += section(
        f"{anchor}-timeline",
        "Timeline",
        events_table(incident, policy, roster, now, text),
        nodes.rubric("Time per status", "Time per status"),
        status_time_view(incident, policy, now),
    )
    if incident.follow_ups:
        rows: list[list[Cell]] = []
        for follow_up in incident.follow_ups:
            link = (
                external_link(follow_up.title, follow_up.url)
                if follow_up.url  # the loader accepts only http(s) URLs (INC004)
                else nodes.Text(follow_up.title)
            )
            rows.append(
                [
                    link,
                    follow_up.purpose,
                    follow_up.priority or "—",
                    badge("done", "incident-done")
                    if follow_up.done
                    else badge("open", "incident-open"),
                ]
            )
        page += section(
            f"{anchor}-follow-ups",
            "Follow-ups",
            table(["Ticket", "Purpose", "Priority", "State"], rows),
        )
    retro = incident.retrospective
    if retro is not None:
        children: list[nodes.Node] = [
            field_list(
                [
                    ("Held", retro.date.isoformat()),
                    ("Host", inline(person_node(roster, retro.host))),
                    (
                        "Notes",
                        external_link("retrospective notes", retro.notes_url)
                        if retro.notes_url
                        else None,
                    ),
                ]
            )
        ]
        if retro.root_cause:
            children.append(nodes.rubric("Root cause", "Root cause"))
            where = field_source(incident, retro.source, "root_cause")
            children.extend(text.render(retro.root_cause, where))
        if retro.five_whys:
            children.append(nodes.rubric("Five whys", "Five whys"))
            children.append(_list(retro.five_whys, nodes.enumerated_list()))
        if retro.improvements:
            children.append(nodes.rubric("Improvements", "Improvements"))
            children.append(_list(retro.improvements, nodes.bullet_list()))
        page += section(f"{anchor}-retrospective", "Retrospective", *children)
    if incident.links:
        page += section(
            f"{anchor}-links",
            "Links",
            _list(
                [external_link(link.title, link.url) for link in incident.links],
                nodes.bullet_list(),
            ),
        )
    if related:
        page += section(f"{anchor}-related", "Related incidents", _related_list(related))
    return page


def _related_list(related: Sequence[tuple[str, bool, bool]]) -> nodes.bullet_list:
    """Links to related incidents (titled by the linked page); ids that do not exist
    (INC012, reported by check) stay plain text, so no dangling reference is made."""
    container = nodes.bullet_list(classes=["incident-related"])
    for other, exists, names_this in related:
        paragraph = nodes.paragraph()
        if exists:
            paragraph += incident_xref(other)
            paragraph += nodes.Text(" (")
            paragraph += nodes.literal(other, other)
            paragraph += nodes.Text(")")
        else:
            paragraph += nodes.literal(other, other)
            paragraph += nodes.Text(" (no such incident)")
        if names_this:
            paragraph += nodes.Text(": its record names this incident as related")
        entry = nodes.list_item()
        entry += paragraph
        container += entry
    return container


def _list(items: list[str] | list[nodes.reference], container: nodes.Element) -> nodes.Element:
    for item in items:
        entry = nodes.list_item()
        paragraph = nodes.paragraph()
        paragraph += nodes.Text(item) if isinstance(item, str) else item
        entry += paragraph
        container += entry
    return container


def setup_incident_page(app: Sphinx) -> None:
    register_view(RELATED_VIEW, related_digest)
    app.add_directive("incident", IncidentDirective)
