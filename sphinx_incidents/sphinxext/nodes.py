"""Small docutils builders shared by the directives, and the diagram node.

``incident_diagram`` holds two renderings of one picture: Mermaid for HTML and a readable
fallback (a table) for every other builder.  A post-transform keeps the one the current
builder can show, so latex and text builds never need the Mermaid command-line tool.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import Any, TypeAlias

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

from sphinx_incidents.core.policy import Policy

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
    """HTML builders: keep the Mermaid rendering of each diagram.

    Not epub: e-book readers rarely run scripts, so its pages get the readable fallback.
    """

    default_priority = 5
    formats = ("html",)

    def is_supported(self) -> bool:
        from sphinx.builders._epub_base import EpubBuilder

        # Sphinx 9 knows the builder's class (self.app is deprecated there), 8.1 the builder
        builder = getattr(self.env, "_builder_cls", None) or type(self.app.builder)
        return super().is_supported() and not issubclass(builder, EpubBuilder)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(incident_diagram)):
            # the class sizes our diagrams to their content (sphinx-incidents.css)
            node.replace_self(nodes.container("", node.children[0], classes=["incident-diagram"]))


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
    result["support_smartquotes"] = False  # record text is shown exactly as written
    if caption:
        result += nodes.title(caption, caption)
    group = nodes.tgroup(cols=len(headers))
    result += group
    converted = [[cell_node(value) for value in row] for row in rows]
    # Text and LaTeX writers read colwidth as characters: give each column the width of
    # its content (3 to 36, plus padding), never 1, which makes Sphinx 8.1's text writer spin.
    texts = [[cell.astext() for cell in row] for row in converted]
    for width in widths or _widths(headers, texts):
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
    for cells in converted:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell
            row += entry
        body += row
    return result


def _widths(headers: Sequence[str], cells: Sequence[Sequence[str]], cap: int = 36) -> list[int]:
    """Column widths in characters (what the text builder wraps at; relative elsewhere)."""
    result = []
    for index, header in enumerate(headers):
        texts = [header] + [row[index] for row in cells if index < len(row)]
        longest_word = max((len(w) for t in texts for w in t.split()), default=1)
        longest = max(len(t) for t in texts)
        result.append(max(min(longest, cap), min(longest_word, cap), 3) + 2)
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


def severity_badge(policy: Policy, level: int) -> nodes.inline:
    severity = policy.severity(level)
    text = f"{level} · {severity.name}" if severity else str(level)
    return badge(text, f"incident-sev-{level}")


def status_badge(policy: Policy, status: str | None) -> nodes.Node:
    if status is None:
        return nodes.Text("—")
    return badge(policy.status_label(status), f"incident-status-{status}")


def external_link(text: str, url: str) -> nodes.reference:
    return nodes.reference(text, text, refuri=url, classes=["external"])


def cache_mermaid_templates() -> None:
    """Compile sphinxcontrib-mermaid's page templates once per process, not once per page.

    Its ``html-page-context`` handler builds three ``jinja2.Template`` objects from constant
    strings for every page that has a diagram (about 6 ms a page, 13 % of a 1,000-incident
    build, since every incident page has its status graph).  A template is immutable once
    compiled and ``render`` keeps no state, so handing back the same compiled template for
    the same source renders exactly the same text.  Only a module whose ``Template`` is
    still jinja2's own is touched.
    """
    module = sys.modules.get("sphinxcontrib.mermaid")
    if module is None:
        return
    import jinja2

    if getattr(module, "Template", None) is jinja2.Template:
        setattr(module, "Template", functools.lru_cache(maxsize=32)(jinja2.Template))  # noqa: B010


def setup_nodes(app: Sphinx) -> None:
    cache_mermaid_templates()
    app.add_node(incident_diagram)
    app.add_post_transform(KeepMermaidForHtml)
    app.add_post_transform(KeepFallbackElsewhere)
