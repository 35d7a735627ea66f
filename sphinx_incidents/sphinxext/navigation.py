"""Previous/next links and breadcrumbs for incident pages kept out of the toctree.

Above ``incidents_navigation_limit`` the incident pages are orphans (see
:mod:`~sphinx_incidents.sphinxext.layout`), and Sphinx gives an orphan no ``prev``, ``next``
or ``parents`` in its page context: themes would show no previous/next links and no
breadcrumbs there.  So, for each such page (``html-page-context``, before the themes' own
handlers, which may read them), they are filled in as Sphinx fills them for a page in a
toctree: ``prev`` and ``next`` are the neighbours within the incident's year (the index's
order: open first, then newest; the first one's previous is the year page, the last one
has no next), ``parents`` the year page and what Sphinx has above it, and ``rellinks``
(the relation bar of the basic theme and its children) gets the same two links.

:func:`~sphinx_incidents.sphinxext.pages.updated_docs` re-writes exactly the pages whose
links here change, so that incremental builds never leave one stale.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.locale import _

from sphinx_incidents.sphinxext.layout import Layout, get_layout
from sphinx_incidents.sphinxext.state import get_state


def _title(app: Sphinx, layout: Layout, docname: str) -> str | None:
    """A document's title as HTML, as Sphinx renders it for previous/next links (cached:
    each incident is the previous of one page and the next of another)."""
    if docname not in layout.titles:
        node = app.env.titles.get(docname)
        if node is None:
            return None
        layout.titles[docname] = app.builder.render_partial(node)["title"]  # type: ignore[attr-defined]
    return layout.titles[docname]


def _link(app: Sphinx, layout: Layout, pagename: str, docname: str) -> dict[str, str] | None:
    title = _title(app, layout, docname)
    if title is None:
        return None
    return {"link": app.builder.get_relative_uri(pagename, docname), "title": title}


def _parents(app: Sphinx, layout: Layout, pagename: str, year_doc: str) -> list[dict[str, str]]:
    """The breadcrumbs of a page whose parent is ``year_doc``, as Sphinx makes them: up the
    toctree, without the root document."""
    relations: dict[str, list[str | None]] = getattr(app.builder, "relations", {})
    parents = []
    current: str | None = year_doc
    seen = set()
    while current and current not in seen:
        seen.add(current)
        link = _link(app, layout, pagename, current)
        if link is not None:
            parents.append(link)
        current = (relations.get(current) or [None])[0]
    if parents:
        parents.pop()  # the root document: themes link to it anyway
    parents.reverse()
    return parents


def page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    layout = get_layout(get_state(app))
    if layout.in_navigation or not layout.pages or not pagename.startswith(layout.pages + "/"):
        return
    entry = layout.neighbours.get(pagename[len(layout.pages) + 1 :])
    if entry is None or not hasattr(app.builder, "render_partial"):
        return
    year, before, after = entry
    rellinks = list(context.get("rellinks") or [])
    following = _link(app, layout, pagename, after) if after else None
    if following is not None:
        context["next"] = following
        rellinks.append((after, following["title"], "N", _("next")))
    previous = _link(app, layout, pagename, before) if before else None
    if previous is not None:
        context["prev"] = previous
        rellinks.append((before, previous["title"], "P", _("previous")))
    context["rellinks"] = rellinks
    context["parents"] = _parents(app, layout, pagename, layout.year_docname(year))


def setup_navigation(app: Sphinx) -> None:
    # before the themes' own handlers (default priority 500), which may read these
    app.connect("html-page-context", page_context, priority=400)
