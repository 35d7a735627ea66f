"""Small docutils builders shared by the directives, and the diagram node.

``incident_diagram`` holds two renderings of one picture: Mermaid for HTML and a readable
fallback (a table) for every other builder.  A post-transform keeps the one the current
builder can show, so latex and text builds never need the Mermaid command-line tool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

Cell: TypeAlias = nodes.Node | str | None


class incident_diagram(nodes.General, nodes.Element):
    """Children: [mermaid node, fallback node]."""


def diagram(code: str, fallback: nodes.Node, caption: str | None = None) -> incident_diagram:
    from sphinxcontrib.mermaid import mermaid

    graph = mermaid()
    graph["code"] = code
    graph["options"] = {}
    if caption:
        graph["alt"] = caption
    node = incident_diagram()
    node += graph
    node += fallback
    return node


class KeepMermaidForHtml(SphinxPostTransform):
    """HTML builders: keep the Mermaid rendering of each diagram."""

    default_priority = 5
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(incident_diagram)):
            node.replace_self(node.children[0])


class KeepFallbackElsewhere(SphinxPostTransform):
    """Every other builder (and whatever HTML left): the readable fallback."""

    default_priority = 6

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(incident_diagram)):
            node.replace_self(node.children[1])


def cell_node(value: Cell) -> nodes.Node:
    if value is None:
        return nodes.paragraph("", "—")
    if isinstance(value, str):
        return nodes.paragraph(value, value)
    if isinstance(value, (nodes.Inline, nodes.Text)):
        paragraph = nodes.paragraph()
        paragraph += value
        return paragraph
    return value


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    classes: Sequence[str] = (),
    caption: str | None = None,
    widths: Sequence[int] | None = None,
) -> nodes.table:
    """A docutils table every builder can write (HTML, LaTeX, text)."""
    result = nodes.table(classes=["incident-table", *classes])
    if caption:
        result += nodes.title(caption, caption)
    group = nodes.tgroup(cols=len(headers))
    result += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for header in headers:
        entry = nodes.entry()
        entry += nodes.paragraph(header, header)
        row += entry
    head += row
    body = nodes.tbody()
    group += body
    for values in rows:
        row = nodes.row()
        for value in values:
            entry = nodes.entry()
            entry += cell_node(value)
            row += entry
        body += row
    return result


def badge(text: str, *classes: str) -> nodes.inline:
    return nodes.inline(text, text, classes=["incident-badge", *classes])


def section(ids: str, title: str, *children: nodes.Node) -> nodes.section:
    result = nodes.section(ids=[ids])
    result += nodes.title(title, title)
    for child in children:
        result += child
    return result


def field_list(items: Sequence[tuple[str, Cell]]) -> nodes.field_list:
    result = nodes.field_list(classes=["incident-facts"])
    for name, value in items:
        field = nodes.field()
        field += nodes.field_name(name, name)
        body = nodes.field_body()
        body += cell_node(value)
        field += body
        result += field
    return result


def external_link(text: str, url: str) -> nodes.reference:
    return nodes.reference(text, text, refuri=url, classes=["external"])


def setup_nodes(app: Sphinx) -> None:
    app.add_node(incident_diagram)
    app.add_post_transform(KeepMermaidForHtml)
    app.add_post_transform(KeepFallbackElsewhere)
