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


def widths(headers: Sequence[str], rows: Sequence[Sequence[Cell]], cap: int = 36) -> list[int]:
    """Column widths in characters (what the text builder wraps at; relative elsewhere)."""
    result = []
    for index, header in enumerate(headers):
        texts = [header] + [_cell_text(row[index]) for row in rows if index < len(row)]
        longest_word = max((len(w) for t in texts for w in t.split()), default=1)
        longest = max(len(t) for t in texts)
        result.append(max(min(longest, cap), min(longest_word, cap), 3) + 2)
    return result


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    classes: Sequence[str] = (),
    caption: str | None = None,
) -> nodes.table:
    """:func:`sphinx_incidents.sphinxext.nodes.table` with widths fitted to the content."""
    return nodes_table(headers, rows, classes, caption, widths(headers, rows))


def _cell_text(value: Cell) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else value.astext()


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


def setup_common(app: Sphinx) -> None:
    app.add_node(sort_value, html=(_visit_sort_value, _depart_sort_value))
