"""``incident-policy``: a policy's severities, statuses, status graph and steps.

The active policy by default; ``:policy: NAME`` shows a shipped policy (or a policy file,
relative to the document) instead, so that a page can compare policies side by side.
Tags (``#status-recorded``) get their own column when any row has one.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from sphinx_incidents.core import mermaid
from sphinx_incidents.core.policy import (
    Policy,
    PolicyError,
    Step,
    load_policy,
    shipped_policies,
)
from sphinx_incidents.sphinxext.directives.common import ViewDirective, table, warn
from sphinx_incidents.sphinxext.directives.graph import transition_table
from sphinx_incidents.sphinxext.domain import ALL, note_dependency
from sphinx_incidents.sphinxext.nodes import Cell, diagram, severity_badge, status_badge
from sphinx_incidents.sphinxext.state import get_state

PARTS = ("severities", "statuses", "graph", "steps")


def _with_tags(
    headers: list[str], rows: list[list[Cell]], tags: list[str | None]
) -> tuple[list[str], list[list[Cell]]]:
    """A Tag column after the first, only when some row has a tag."""
    if not any(tags):
        return headers, rows
    headers = [headers[0], "Tag", *headers[1:]]
    rows = [
        [row[0], nodes.literal(tag, tag) if tag else None, *row[1:]]
        for row, tag in zip(rows, tags, strict=True)
    ]
    return headers, rows


def severities(policy: Policy) -> list[nodes.Node]:
    rows: list[list[Cell]] = [
        [severity_badge(policy, s.level), s.name, s.description] for s in policy.severities
    ]
    headers, rows = _with_tags(
        ["Level", "Name", "Description"], rows, [s.tag for s in policy.severities]
    )
    return [table(headers, rows, classes=["incident-severities"])]


def _status_roles(policy: Policy, key: str) -> str:
    roles = []
    if key in policy.first_statuses:
        roles.append("can be first")
    if key == policy.stabilized_status:
        roles.append("stabilized milestone")
    if key == policy.resolved_status:
        roles.append("resolved milestone")
    if key == policy.recurrence_status:
        window = policy.rules.recurrence_window_hours
        roles.append(
            "moving back here is a recurrence"
            + (
                f" (more than {window} hours after resolution: a new incident)"
                if window is not None
                else ""
            )
        )
    if key in policy.closed_statuses:
        roles.append("closed")
    if requires := policy.requires(key):
        roles.append("entering it needs: " + ", ".join(requires))
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
    headers, rows = _with_tags(
        ["Status", "Key", "Description", "Role", "Can move to"],
        rows,
        [status.tag for status in policy.statuses],
    )
    return [table(headers, rows, classes=["incident-statuses"])]


def graph(policy: Policy) -> list[nodes.Node]:
    code = mermaid.status_graph(policy)
    return [diagram(code, transition_table(policy, None, None), "Status graph")]


def _status_after(policy: Policy, step: Step) -> str:
    text = " or ".join(policy.status_label(k) for k in step.status_after)
    if step.status_note:
        text = f"{text}, {step.status_note}" if text else step.status_note
    return text or "—"


def steps(policy: Policy) -> list[nodes.Node]:
    rows: list[list[Cell]] = [
        [f"{number}. {step.name}", step.goal, _status_after(policy, step)]
        for number, step in enumerate(policy.steps, start=1)
    ]
    headers, rows = _with_tags(
        ["Step", "Goal", "Status after"], rows, [step.tag for step in policy.steps]
    )
    return [table(headers, rows, classes=["incident-steps"])]


RENDER = {"severities": severities, "statuses": statuses, "graph": graph, "steps": steps}
TITLES = {
    "severities": "Severities",
    "statuses": "Statuses",
    "graph": "Status graph",
    "steps": "Steps",
}


class IncidentPolicyDirective(ViewDirective):
    """``.. incident-policy::`` with ``:part: severities|statuses|graph|steps`` and
    ``:policy: NAME`` (a shipped policy, or a file relative to the document)."""

    has_content = False
    option_spec = {"part": directives.unchanged, "policy": directives.unchanged}

    def _policy(self) -> Policy | None:
        named = str(self.options.get("policy") or "").strip()
        if not named:
            # The policy file is part of every incident's fingerprint: ALL re-reads on change.
            note_dependency(self.env, self.env.docname, [ALL])
            return get_state(self.env).policy
        spec: str | Path = named
        if named not in shipped_policies():
            _, absolute = self.env.relfn2path(named, self.env.docname)
            self.env.note_dependency(absolute)
            spec = Path(absolute)
        try:
            return load_policy(spec)
        except PolicyError as exc:
            for diagnostic in exc.diagnostics:
                warn(self, f":policy: {diagnostic.format_text()}")
            return None

    def render(self) -> list[nodes.Node]:
        policy = self._policy()
        if policy is None:
            return []
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
            result += RENDER[part](policy)
        return result


def setup_policy_view(app: Sphinx) -> None:
    app.add_directive("incident-policy", IncidentPolicyDirective)
