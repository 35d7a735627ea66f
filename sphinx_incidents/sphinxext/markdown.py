"""Record text (summary, impact, notes) as docutils nodes, safely.

Record text is untrusted Markdown.  We parse it with markdown-it-py (already installed
with myst-parser) with raw HTML *disabled*, so ``<script>`` stays text, and convert a small
set of tokens to docutils nodes ourselves.  Writers escape text nodes, links are kept only
for http(s) URLs, and images become their alt text: nothing in a record can reach a page as
markup, in any builder.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from docutils import nodes
from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def safe_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def markdown_nodes(text: str) -> list[nodes.Node]:
    """Block-level nodes for ``text``; headings become bold paragraphs, never sections."""
    root = nodes.container()
    stack: list[nodes.Element] = [root]
    for token in _PARSER.parse(text):
        kind = token.type
        if kind.endswith("_close"):
            if len(stack) > 1:
                stack.pop()
            continue
        parent = stack[-1]
        if kind == "paragraph_open" or kind == "heading_open":
            paragraph = nodes.paragraph()
            if kind == "heading_open":
                paragraph["classes"].append("incident-md-heading")
            parent += paragraph
            stack.append(paragraph)
        elif kind == "bullet_list_open":
            element: nodes.Element = nodes.bullet_list()
            parent += element
            stack.append(element)
        elif kind == "ordered_list_open":
            element = nodes.enumerated_list()
            parent += element
            stack.append(element)
        elif kind == "list_item_open":
            element = nodes.list_item()
            parent += element
            stack.append(element)
        elif kind == "blockquote_open":
            element = nodes.block_quote()
            parent += element
            stack.append(element)
        elif kind in ("fence", "code_block"):
            parent += nodes.literal_block(token.content, token.content)
        elif kind == "inline":
            target = parent
            if isinstance(parent, (nodes.list_item, nodes.block_quote)):
                # tight lists have hidden paragraphs: still give inline text a paragraph
                target = nodes.paragraph()
                parent += target
            _inline(token.children or [], target)
        elif kind == "hr":
            parent += nodes.paragraph("", "")
    return list(root.children)


def _inline(tokens: list[Token], parent: nodes.Element) -> None:
    stack: list[nodes.Element] = [parent]
    for token in tokens:
        kind = token.type
        top = stack[-1]
        if kind == "text":
            top += nodes.Text(token.content)
        elif kind == "softbreak" or kind == "hardbreak":
            top += nodes.Text("\n")
        elif kind == "code_inline":
            top += nodes.literal(token.content, token.content)
        elif kind in ("em_open", "strong_open"):
            element: nodes.Element = nodes.emphasis() if kind == "em_open" else nodes.strong()
            top += element
            stack.append(element)
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            element = nodes.reference("", "", refuri=href) if safe_url(href) else nodes.inline()
            top += element
            stack.append(element)
        elif kind in ("em_close", "strong_close", "link_close"):
            if len(stack) > 1:
                stack.pop()
        elif kind == "image":
            top += nodes.Text(token.content)
        else:  # html_inline cannot occur with html disabled; keep any other text as text
            if token.content:
                top += nodes.Text(token.content)


def plain_paragraph(text: str) -> nodes.paragraph:
    return nodes.paragraph(text, text)
