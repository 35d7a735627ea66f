"""Where a link in record text points, and the cross-reference node that gets it there.

Record text (summary, impact, notes, root cause) may link to:

- a web page: ``https://...`` or ``http://...`` (nothing else with a scheme: no
  ``javascript:``, ``data:``, ``mailto:``, ``file:`` ...);
- another incident: ``incident:ID`` (or the ``{incident}`` role);
- a document of the site: ``/path/to/doc`` from the source folder, or a path relative to
  the folder of the generated incident pages (``incidents_pages``; the source folder when
  pages are off), with or without the source suffix (``.md``, ``.rst``), optionally with a
  ``#fragment``.

Relative paths are resolved once, here, against that fixed folder: the same note is shown
on the incident's page and in ``incident-timeline`` views on other pages, and a link must
not change its target with the page that shows it.

Links become ``pending_xref`` nodes (``std:doc`` for documents, ``incident:incident`` for
incidents, ``incident:doc`` for a document plus a fragment), resolved when each page is
written, so every builder gets a valid target and an unresolved one is a Sphinx warning.
The nodes carry the record's path and the line of the field as their source, so that
warning points at the record, not at the generated page.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.environment import BuildEnvironment

INCIDENT_SCHEME = "incident:"
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class TextSource:
    """Where record text comes from: the record file and the line of the field holding it."""

    path: str
    line: int


@dataclass(frozen=True)
class External:
    url: str


@dataclass(frozen=True)
class IncidentTarget:
    incident_id: str


@dataclass(frozen=True)
class DocTarget:
    docname: str  # absolute, without a leading "/"
    fragment: str | None


@dataclass(frozen=True)
class Refused:
    reason: str


Target = External | IncidentTarget | DocTarget | Refused


def safe_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def classify(href: str, base: str, suffixes: Iterable[str]) -> Target:
    """What ``href`` (as written, not percent-encoded) points at.

    ``base`` is the folder relative paths start from ("" for the source folder);
    ``suffixes`` are the site's source suffixes, which a document path may carry.
    """
    href = href.strip()
    if href.startswith(INCIDENT_SCHEME):
        incident_id = href[len(INCIDENT_SCHEME) :].strip()
        if not incident_id:
            return Refused("'incident:' needs an incident id")
        return IncidentTarget(incident_id)
    if _SCHEME_RE.match(href) or href.startswith("//"):
        if safe_url(href):
            return External(href)
        return Refused(
            f"'{href}' is not allowed: only http(s) links, incident:ID and documents of the site"
        )
    path, _, fragment = href.partition("#")
    if "?" in path:
        return Refused(f"'{href}': a document link cannot have a query ('?')")
    if not path:
        return Refused(f"'{href}' needs a document: write /path/to/doc#{fragment}")
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
    if path.endswith("/"):
        joined = joined.rstrip("/") + "/index"
    docname = posixpath.normpath(joined)
    if docname == "." or docname.startswith("../") or docname == "..":
        return Refused(f"'{href}' points outside the documentation")
    for suffix in sorted(suffixes, key=len, reverse=True):
        if suffix and docname.endswith(suffix):
            docname = docname[: -len(suffix)]
            break
    return DocTarget(docname, fragment or None)


def locate(node: nodes.Element, source: TextSource | None) -> None:
    if source is not None:
        node.source, node.line = source.path, source.line


def xref(target: IncidentTarget | DocTarget, source: TextSource | None) -> pending_xref:
    """A cross-reference for ``target``; text goes into its first child (``node[0]``).

    Call :func:`finish` once the link text is in: an empty text asks for the target's
    title, as ``{incident}`ID``` and ``{doc}`path``` do.
    """
    if isinstance(target, IncidentTarget):
        node = pending_xref(
            "",
            refdomain="incident",
            reftype="incident",
            reftarget=target.incident_id,
            refwarn=True,
        )
        node += nodes.inline("", "", classes=["xref", "incident"])
    elif target.fragment is None:
        node = pending_xref(
            "", refdomain="std", reftype="doc", reftarget="/" + target.docname, refwarn=True
        )
        node += nodes.inline("", "", classes=["xref", "std", "std-doc"])
    else:
        node = pending_xref(
            "",
            refdomain="incident",
            reftype="doc",
            reftarget=target.docname,
            reffragment=target.fragment,
            refwarn=True,
        )
        node += nodes.inline("", "", classes=["xref", "std", "std-ref"])
    locate(node, source)
    return node


def finish(node: pending_xref, shown_if_unresolved: str) -> None:
    """Mark the link explicit when it has text; otherwise let resolution pick the title,
    and show ``shown_if_unresolved`` if the target cannot be found."""
    inner = node[0]
    assert isinstance(inner, nodes.Element)
    node["refexplicit"] = bool(inner.astext().strip())
    if not node["refexplicit"]:
        inner.children = []
        inner += nodes.Text(shown_if_unresolved)


def doc_anchor(env: BuildEnvironment, docname: str, fragment: str) -> str | None:
    """The id ``fragment`` names in ``docname``, as MyST understands a ``#fragment``: a
    heading slug (``myst_heading_anchors``), a section id, or an explicit target (by name
    or id).  ``None`` when the document has no such target."""
    slugs = env.metadata.get(docname, {}).get("myst_slugs", {})
    if fragment in slugs:
        return str(slugs[fragment][1])
    std = env.get_domain("std")
    labels: dict[str, tuple[str, str]] = std.data.get("anonlabels", {})
    entry = labels.get(fragment.lower())
    if entry is not None and entry[0] == docname:
        return entry[1]
    for label_doc, label_id in labels.values():
        if label_doc == docname and label_id == fragment:
            return fragment
    toc = env.tocs.get(docname)
    if toc is not None:
        wanted = "#" + fragment
        for reference in toc.findall(nodes.reference):
            if reference.get("anchorname") == wanted:
                return fragment
    return None
