"""``incident-graph``: the policy's status graph, optionally with one incident's path and
how often incidents took each transition.  A transition table replaces it outside HTML."""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from sphinx_incidents.core import mermaid
from sphinx_incidents.core.analytics import edge_counts, incident_path
from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.directives.common import ViewDirective, table, warn
from sphinx_incidents.sphinxext.domain import ALL, incident_xref, note_dependency
from sphinx_incidents.sphinxext.nodes import Cell, diagram
from sphinx_incidents.sphinxext.privacy import is_hidden
from sphinx_incidents.sphinxext.state import get_state


def transition_table(
    policy: Policy,
    path: list[tuple[str, str]] | None,
    counts: dict[tuple[str, str], int] | None,
) -> nodes.table:
    """From, to, and the step numbers of ``path`` and/or the ``counts`` per transition."""
    steps: dict[tuple[str, str], list[int]] = {}
    for number, edge in enumerate(path or [], start=1):
        steps.setdefault(edge, []).append(number)
    headers = ["From", "To"]
    conditions = [policy.edge_condition(*edge) for edge in policy.transitions]
    if any(conditions):
        headers.append("Condition")
    if path is not None:
        headers.append("Steps")
    if counts is not None:
        headers.append("Count")
    rows: list[list[Cell]] = []
    for edge, condition in zip(policy.transitions, conditions, strict=True):
        row: list[Cell] = [policy.status_label(edge[0]), policy.status_label(edge[1])]
        if any(conditions):
            row.append(condition)
        if path is not None:
            row.append(", ".join(f"#{n}" for n in steps.get(edge, [])) or None)
        if counts is not None:
            row.append(str(counts.get(edge, 0)))
        rows.append(row)
    return table(headers, rows, classes=["incident-transitions"])


class IncidentGraphDirective(ViewDirective):
    """``.. incident-graph::`` with ``:incident: ID`` and ``:counts:``."""

    has_content = False
    option_spec = {
        "incident": directives.unchanged,
        "counts": directives.flag,
        "caption": directives.unchanged,
    }

    def render(self) -> list[nodes.Node]:
        state = get_state(self.env)
        policy = state.policy
        incident: Incident | None = None
        incident_id = str(self.options.get("incident") or "").strip()
        if "incident" in self.options:
            if not incident_id:
                warn(self, ":incident: needs an incident id")
            else:
                incident = state.by_id.get(incident_id)
                # a private record left out of this build: the graph without its path
                if incident is None and not is_hidden(self.env, incident_id):
                    warn(self, f":incident: unknown incident id '{incident_id}'")
        with_counts = "counts" in self.options
        # The policy is part of every incident's fingerprint, so ALL also covers policy edits.
        deps = [ALL] if with_counts or not incident_id else [incident_id]
        note_dependency(self.env, self.env.docname, deps)

        path = incident_path(incident) if incident is not None else None
        counts = edge_counts(state.incidents) if with_counts else None
        code = mermaid.status_graph(
            policy,
            highlight=path or (),
            counts=counts,
            current=incident.current_status if incident is not None else None,
        )
        caption = self.options.get("caption") or None
        result: list[nodes.Node] = []
        if incident is not None:
            intro = nodes.paragraph()
            intro += nodes.Text("Path of ")
            intro += incident_xref(incident.id)
            intro += nodes.Text(
                f": {len(path or [])} transitions, numbered in order; "
                f"{incident.recurrences} recurrences."
            )
            result.append(intro)
        if counts is not None:
            text = f"Edge labels: how many times the {len(state.incidents)} incidents took each."
            result.append(nodes.paragraph(text, text))
        alt = caption or (
            f"Status graph of {incident.id}" if incident is not None else "Status graph"
        )
        result.append(diagram(code, transition_table(policy, path, counts), alt))
        if caption:  # under the graph, in every builder
            result.append(nodes.paragraph(caption, caption, classes=["incident-caption"]))
        return result


def setup_graph(app: Sphinx) -> None:
    app.add_directive("incident-graph", IncidentGraphDirective)
