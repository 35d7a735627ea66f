"""``incident-policy``: the active policy's severities, statuses, status graph and steps."""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from sphinx_incidents.core import mermaid
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.sphinxext.directives.common import ViewDirective, table, warn
from sphinx_incidents.sphinxext.directives.graph import transition_table
from sphinx_incidents.sphinxext.domain import ALL, note_dependency
from sphinx_incidents.sphinxext.nodes import Cell, diagram, severity_badge, status_badge
from sphinx_incidents.sphinxext.state import get_state

PARTS = ("severities", "statuses", "graph", "steps")


def severities(policy: Policy) -> list[nodes.Node]:
    rows: list[list[Cell]] = [
        [severity_badge(policy, s.level), s.name, s.description] for s in policy.severities
    ]
    return [table(["Level", "Name", "Description"], rows, classes=["incident-severities"])]


def _status_roles(policy: Policy, key: str) -> str:
    roles = []
    if key in policy.first_statuses:
        roles.append("can be first")
    if key == policy.stabilized_status:
        roles.append("stabilized milestone")
    if key == policy.resolved_status:
        roles.append("resolved milestone")
    if key == policy.recurrence_status:
        roles.append("moving back here is a recurrence")
    if key in policy.closed_statuses:
        roles.append("closed")
    return "; ".join(roles) or "—"


def statuses(policy: Policy) -> list[nodes.Node]:
    rows: list[list[Cell]] = []
    for status in policy.statuses:
        after = policy.next_statuses(status.key)
        rows.append(
            [
                status_badge(policy, status.key),
                nodes.literal(status.key, status.key),
                status.description,
                _status_roles(policy, status.key),
                ", ".join(policy.status_label(k) for k in after) or "—",
            ]
        )
    return [
        table(
            ["Status", "Key", "Description", "Role", "Can move to"],
            rows,
            classes=["incident-statuses"],
        )
    ]


def graph(policy: Policy) -> list[nodes.Node]:
    code = mermaid.status_graph(policy)
    return [diagram(code, transition_table(policy, None, None), "Status graph")]


def steps(policy: Policy) -> list[nodes.Node]:
    rows: list[list[Cell]] = [
        [
            f"{number}. {step.name}",
            step.goal,
            " or ".join(policy.status_label(k) for k in step.status_after) or "—",
        ]
        for number, step in enumerate(policy.steps, start=1)
    ]
    return [table(["Step", "Goal", "Status after"], rows, classes=["incident-steps"])]


RENDER = {"severities": severities, "statuses": statuses, "graph": graph, "steps": steps}
TITLES = {
    "severities": "Severities",
    "statuses": "Statuses",
    "graph": "Status graph",
    "steps": "Steps",
}


class IncidentPolicyDirective(ViewDirective):
    """``.. incident-policy::`` with ``:part: severities|statuses|graph|steps``."""

    has_content = False
    option_spec = {"part": directives.unchanged}

    def render(self) -> list[nodes.Node]:
        state = get_state(self.env)
        # The policy file is part of every incident's fingerprint: ALL re-reads on change.
        note_dependency(self.env, self.env.docname, [ALL])
        parts: tuple[str, ...] = PARTS
        if "part" in self.options:
            wanted = str(self.options["part"] or "").strip()
            if wanted in PARTS:
                parts = (wanted,)
            else:
                warn(self, f":part: unknown value '{wanted}'; allowed: {', '.join(PARTS)}")
        result: list[nodes.Node] = []
        for part in parts:
            if len(parts) > 1:
                result.append(nodes.rubric(TITLES[part], TITLES[part]))
            result += RENDER[part](state.policy)
        return result


def setup_policy_view(app: Sphinx) -> None:
    app.add_directive("incident-policy", IncidentPolicyDirective)
