"""Record text (summary, impact, notes, root cause) as docutils nodes, safely.

Record text is untrusted Markdown.  We parse it with markdown-it-py (installed with
myst-parser) with raw HTML *disabled*, so ``<script>`` stays text, and convert a small set of
tokens to docutils nodes ourselves.  Writers escape text nodes, and with images off
``![alt](src)`` is ``!`` and a link: nothing in a record can reach a page as markup, in any builder.

Links are first-class, as on any page of the site (see
:mod:`~sphinx_incidents.sphinxext.record_links` for where they may point):

- ``[text](target)`` and ``<https://...>``;
- the roles ``{incident}`ID```, ``{doc}`path``` and ``{ref}`label``` (also with an
  explicit title: ``{incident}`the outage <ID>```), spelled as in MyST;
- bare URLs, when the site turns on MyST's ``linkify`` extension (and with its
  ``myst_linkify_fuzzy_links`` setting).

A link that may not be followed (another scheme, a path outside the site) stays as its
text, with a warning at the record's ``file:line``, as does an unknown role.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass

from docutils import nodes
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.myst_role import myst_role_plugin
from sphinx.addnodes import pending_xref
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from sphinx_incidents.sphinxext.domain import note_dependency
from sphinx_incidents.sphinxext.record_links import (
    DocTarget,
    External,
    IncidentTarget,
    Refused,
    Target,
    TextSource,
    classify,
    finish,
    locate,
    safe_url,
    xref,
)

__all__ = ["RecordText", "TextSource", "plain_paragraph", "safe_url"]

logger = logging.getLogger(__name__)
_TITLED_RE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
ROLES = ("incident", "doc", "ref")
"""The roles record text may use; any other role is shown as written, with a warning."""


@functools.cache
def _parser(linkify: bool, fuzzy: bool) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": linkify})
    parser.disable("image").use(myst_role_plugin)
    if linkify:
        parser.enable("linkify")
        if parser.linkify is not None:
            parser.linkify.set({"fuzzy_link": fuzzy})
    return parser


def _linkify(env: BuildEnvironment) -> tuple[bool, bool]:
    """Whether the site has MyST's ``linkify`` on (and fuzzy links, its default)."""
    extensions = getattr(env.config, "myst_enable_extensions", None) or ()
    if "linkify" not in extensions:
        return False, False
    if importlib.util.find_spec("linkify_it") is None:  # MyST itself requires it then
        return False, False
    return True, bool(getattr(env.config, "myst_linkify_fuzzy_links", True))


@dataclass
class RecordText:
    """Renders record Markdown for the document being read (``env.docname``)."""

    env: BuildEnvironment
    base: str
    """Folder relative links start from: the incident pages' folder, or "" (the source
    folder) when pages are off."""

    @classmethod
    def for_env(cls, env: BuildEnvironment, pages: str | None) -> RecordText:
        return cls(env, pages or "")

    def render(self, text: str, source: TextSource | None = None) -> list[nodes.Node]:
        """Block-level nodes for ``text``; headings become bold paragraphs, never sections."""
        parser = _parser(*_linkify(self.env))
        root = nodes.container()
        stack: list[nodes.Element] = [root]
        for token in parser.parse(text):
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
            elif kind in _CONTAINERS:
                element = _CONTAINERS[kind]()
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
                self._inline(token.children or [], target, source)
            elif kind == "hr":
                parent += nodes.paragraph("", "")
        return list(root.children)

    def _inline(
        self, tokens: list[Token], parent: nodes.Element, source: TextSource | None
    ) -> None:
        stack: list[nodes.Element] = [parent]
        links: list[tuple[nodes.Element, str]] = []  # open links, innermost last
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
                link, inner, href = self._link(token, source)
                top += link
                stack.append(inner)
                links.append((link, href))
            elif kind == "link_close":
                if len(stack) > 1:
                    stack.pop()
                if links:
                    link, href = links.pop()
                    if isinstance(link, pending_xref):
                        finish(link, href)
            elif kind in ("em_close", "strong_close"):
                if len(stack) > 1:
                    stack.pop()
            elif kind == "myst_role":
                top += self._role(token, source)
            elif token.content:  # html_inline cannot occur with html disabled: keep as text
                top += nodes.Text(token.content)

    def _link(
        self, token: Token, source: TextSource | None
    ) -> tuple[nodes.Element, nodes.Element, str]:
        """The node a link token opens, where its text goes, and the target as written."""
        href = str(token.attrs.get("href", ""))
        written = _PARSER_FOR_TEXT.normalizeLinkText(href)
        auto = token.info == "auto"  # <...> autolink or linkify: the text is the URL
        target = classify(written, self.base, self.env.config.source_suffix)
        if isinstance(target, External):
            reference = nodes.reference("", "", refuri=href, classes=["external"])
            return reference, reference, written
        if isinstance(target, Refused) or auto:
            # an e-mail address found by linkify is text, not a mistake: no warning
            if isinstance(target, Refused) and not auto:
                self._warn(f"link {target.reason}; shown as text", source)
            span = nodes.inline()
            return span, span, written
        node = self._xref(target, source)
        inner = node[0]
        assert isinstance(inner, nodes.Element)
        return node, inner, written

    def _xref(self, target: IncidentTarget | DocTarget, source: TextSource | None) -> pending_xref:
        if isinstance(target, IncidentTarget) and self.env.docname:
            note_dependency(self.env, self.env.docname, [target.incident_id])
        return xref(target, source)

    def _role(self, token: Token, source: TextSource | None) -> nodes.Node:
        name = str(token.meta.get("name", ""))
        content = token.content
        written = f"{{{name}}}`{content}`"
        if name not in ROLES:
            self._warn(
                f"role {{{name}}} is not available in record text (use "
                + ", ".join(f"{{{role}}}" for role in ROLES)
                + "); shown as text",
                source,
            )
            return nodes.Text(written)
        match = _TITLED_RE.match(content)
        title, target_text = (match["title"], match["target"]) if match else ("", content)
        target_text = target_text.strip()
        if name == "ref":
            node = pending_xref(
                "",
                refdomain="std",
                reftype="ref",
                reftarget=target_text.lower(),
                refexplicit=bool(title),
                refwarn=True,
            )
            node += nodes.inline(title or target_text, title or target_text, classes=["xref"])
            locate(node, source)
            return node
        target: Target = (
            IncidentTarget(target_text)
            if name == "incident"
            else classify(target_text, self.base, self.env.config.source_suffix)
        )
        if isinstance(target, External):
            target = Refused(f"'{target_text}' is not a document")
        if isinstance(target, Refused):
            self._warn(f"{{{name}}}: {target.reason}; shown as text", source)
            return nodes.Text(written)
        node = self._xref(target, source)
        inner = node[0]
        assert isinstance(inner, nodes.Element)
        inner += nodes.Text(title)
        finish(node, target_text)
        return node

    def _warn(self, message: str, source: TextSource | None) -> None:
        location = f"{source.path}:{source.line}" if source is not None else None
        logger.warning("%s", message, location=location, type="incidents", subtype="link")


_CONTAINERS: dict[str, type[nodes.Element]] = {
    "bullet_list_open": nodes.bullet_list,
    "ordered_list_open": nodes.enumerated_list,
    "list_item_open": nodes.list_item,
    "blockquote_open": nodes.block_quote,
}
_PARSER_FOR_TEXT = MarkdownIt("commonmark")
"""Only for ``normalizeLinkText``: the target as written (markdown-it percent-encodes it)."""


def plain_paragraph(text: str) -> nodes.paragraph:
    return nodes.paragraph(text, text)
