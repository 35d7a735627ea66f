"""Mermaid source generated from the policy and records, with every label escaped.

Record text is untrusted: a title such as ``A"] --> X[<img onerror=...>`` must not change
the diagram nor inject markup.  Labels are always quoted, and every character outside a
small safe set becomes a Mermaid entity code (``#60;``), which Mermaid renders as text.
Node ids are generated (``s0``, ``s1``), never taken from data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sphinx_incidents.core.policy import Policy

_SAFE = re.compile(r"[A-Za-z0-9 _.,:/()+\-]")


def label(text: str) -> str:
    """A double-quoted Mermaid label with every risky character as an entity code."""
    escaped = "".join(ch if _SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in text)
    return f'"{escaped}"'


def status_ids(policy: Policy) -> dict[str, str]:
    return {status.key: f"s{index}" for index, status in enumerate(policy.statuses)}


def status_graph(
    policy: Policy,
    highlight: Iterable[tuple[str, str]] = (),
    counts: dict[tuple[str, str], int] | None = None,
    current: str | None = None,
) -> str:
    """``flowchart LR`` of statuses and transitions.

    ``highlight``: transitions taken by one incident, in order (numbered on the edge);
    ``counts``: how many times incidents took each edge; ``current``: a status to mark.
    """
    ids = status_ids(policy)
    taken: dict[tuple[str, str], list[int]] = {}
    for step, edge in enumerate(highlight, start=1):
        taken.setdefault(edge, []).append(step)
    lines = ["flowchart LR"]
    for status in policy.statuses:
        lines.append(f"  {ids[status.key]}[{label(status.label)}]")
    highlighted: list[int] = []
    for index, (before, after) in enumerate(policy.transitions):
        parts = []
        if edge_steps := taken.get((before, after)):
            parts.append(", ".join(f"#{n}" for n in edge_steps))
            highlighted.append(index)
        if counts is not None:
            parts.append(f"{counts.get((before, after), 0)}x")
        words = " ".join(parts)
        if condition := policy.edge_condition(before, after):  # "within 48 hours"
            words = f"{condition}: {words}" if words else condition
        text = f"|{label(words)}|" if words else ""
        lines.append(f"  {ids[before]} -->{text} {ids[after]}")
    for first in policy.first_statuses:
        lines.append(f"  class {ids[first]} first")
    if current is not None and current in ids:
        lines.append(f"  class {ids[current]} current")
    lines.append("  classDef first stroke-width:3px")
    lines.append("  classDef current fill:#ffd54f,stroke:#e65100,stroke-width:3px,color:#000")
    for index in highlighted:
        lines.append(f"  linkStyle {index} stroke:#e65100,stroke-width:3px")
    return "\n".join(lines)
