"""Helpers shared by the view directives: warnings, sortable cells, safe chart text.

``sort_value`` is an inline node carrying a machine-readable sort key.  The HTML writer
renders it as ``<span data-sort-value="...">`` (read by ``sphinx-incidents.js`` to sort
tables by clicking a header); every other writer treats it as a plain inline, because
Sphinx's translators dispatch on the node's class hierarchy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinx_incidents.core.model import Roster
from sphinx_incidents.sphinxext.nodes import Cell
from sphinx_incidents.sphinxext.nodes import table as nodes_table

logger = logging.getLogger("sphinx_incidents.sphinxext.directives")

SORTABLE = "incident-sortable"
"""Class of tables that ``sphinx-incidents.js`` makes sortable."""

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHART_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,()/+\-]")


class sort_value(nodes.inline):
    """Inline content with a ``value`` attribute to sort its table column by."""


def sortable(content: nodes.Node | str, value: object) -> sort_value:
    """Wrap ``content`` with the sort key ``value`` (``None``: no value, sorts last)."""
    node = sort_value(value="" if value is None else _sort_text(value))
    node += nodes.Text(content) if isinstance(content, str) else content
    return node


def _sort_text(value: object) -> str:
    if isinstance(value, datetime):
        return str(int(value.astimezone(UTC).timestamp()))
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    return str(value)


def _visit_sort_value(self: Any, node: sort_value) -> None:
    self.body.append(self.starttag(node, "span", "", **{"data-sort-value": node["value"]}))


def _depart_sort_value(self: Any, node: sort_value) -> None:
    self.body.append("</span>")


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    classes: Sequence[str] = (),
    caption: str | None = None,
) -> nodes.table:
    """:func:`sphinx_incidents.sphinxext.nodes.table` (widths fitted to the content)."""
    return nodes_table(headers, rows, classes, caption)


def verbatim(result: list[nodes.Node]) -> list[nodes.Node]:
    """Keep record text as written: no smart quotes (``"`` stays ``"``) in any builder."""
    for node in result:
        if isinstance(node, nodes.Element):
            node["support_smartquotes"] = False
    return result


class ViewDirective(SphinxDirective):
    """Base of the view directives: :meth:`render` builds the nodes, kept :func:`verbatim`."""

    def run(self) -> list[nodes.Node]:
        return verbatim(self.render())

    def render(self) -> list[nodes.Node]:
        raise NotImplementedError


def warn(directive: SphinxDirective, message: str) -> None:
    """A warning located at the directive, of type ``incidents.directive``."""
    logger.warning(
        "%s: %s",
        directive.name,
        message,
        location=directive.get_location(),
        type="incidents",
        subtype="directive",
    )


def parse_date(directive: SphinxDirective, option: str) -> date | None:
    """The ``YYYY-MM-DD`` value of ``option``, or ``None`` (with a warning when invalid)."""
    raw = directive.options.get(option)
    if raw is None:
        return None
    text = str(raw).strip()
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        warn(directive, f":{option}: '{text}' is not a date; write YYYY-MM-DD, e.g. 2024-03-01")
        return None


def chart_text(text: str) -> str:
    """Text safe to place unquoted in a Mermaid gantt or chart line (no ``:``, ``#``, ...)."""
    return " ".join(_CHART_UNSAFE.sub(" ", text).split()) or "-"


def person(roster: Roster | None, handle: str | None) -> str:
    """``Name (@handle)``, or ``@handle`` when the roster has no other name."""
    if not handle:
        return "—"
    name = roster.display_name(handle) if roster is not None else handle
    return f"{name} (@{handle})" if name != handle else f"@{handle}"


def person_node(roster: Roster | None, handle: str | None) -> nodes.Node:
    """:func:`person` as a node: a link to the person's profile ``url`` when the roster has
    one (the loader accepts only http(s) URLs), else text."""
    text = person(roster, handle)
    url = roster.url_of(handle) if roster is not None and handle else None
    if url is None:
        return nodes.Text(text)
    return nodes.reference(text, text, refuri=url, classes=["external", "incident-person"])


def inline(*parts: nodes.Node | str) -> nodes.inline:
    """One inline node of text and nodes (a table cell or a field value)."""
    result = nodes.inline()
    for part in parts:
        result += nodes.Text(part) if isinstance(part, str) else part
    return result


def setup_common(app: Sphinx) -> None:
    app.add_node(sort_value, html=(_visit_sort_value, _depart_sort_value))
