"""The ``incident`` domain: where incidents are documented, who depends on them, the role.

Domain data (pickled with the environment, merged after parallel reads):

- ``incidents``: id -> (docname, anchor, title) of the page that renders the incident;
- ``deps``: docname -> ids the document shows (``*`` = all incidents), so that
  :mod:`~sphinx_incidents.sphinxext.pages` can re-read exactly the pages a change affects.
  This is what keeps incremental builds from going stale;
- ``rendered``: docname -> ids of the incidents rendered there (the reverse of
  ``incidents``), so that forgetting a document costs what it holds, not a scan of every
  incident: Sphinx clears each document before reading it, and a scan made a full build
  quadratic in the number of incidents;
- ``views``: docname -> [(kind, params, digest)] for the aggregate views that know exactly
  what they show (see :mod:`~sphinx_incidents.sphinxext.view_digests`): such a document is
  re-read only when the digest of its content changes, not whenever any record does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set
from typing import Any

from docutils import nodes
from docutils.nodes import Element
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.domains import Domain, ObjType
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole
from sphinx.util import logging
from sphinx.util.nodes import clean_astext, make_refnode

from sphinx_incidents.core.fieldtypes import did_you_mean
from sphinx_incidents.sphinxext.record_links import INCIDENT_SCHEME, doc_anchor

logger = logging.getLogger(__name__)
ALL = "*"
ViewParams = tuple[tuple[str, str], ...]
"""A view's options, sorted ``(name, value)`` pairs (see :func:`note_view`)."""


class IncidentRole(XRefRole):
    """``:incident:`ID``` (MyST: ``{incident}`ID```): a link titled with the incident title.

    Registered both as a plain role (the contract's spelling) and in the domain; either way
    the reference belongs to this domain.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        self.refdomain, self.reftype = "incident", "incident"
        self.classes = ["xref", "incident"]
        if self.disabled:
            return self.create_non_xref_node()
        return self.create_xref_node()

    def result_nodes(
        self, document: nodes.document, env: BuildEnvironment, node: Element, is_ref: bool
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        note_dependency(env, env.docname, [self.target])
        return [node], []


class IncidentDomain(Domain):
    name = "incident"
    label = "Incidents"
    object_types = {"incident": ObjType("incident", "incident")}
    roles = {"incident": IncidentRole(warn_dangling=True)}
    initial_data = {"incidents": {}, "deps": {}, "rendered": {}, "views": {}}
    dangling_warnings = {
        "incident": "unknown incident id %(target)r",
        "doc": "unknown document: %(target)r",
    }
    data_version = 3  # 2: "rendered", 3: "views"

    @property
    def incidents(self) -> dict[str, tuple[str, str, str]]:
        return self.data.setdefault("incidents", {})  # type: ignore[no-any-return]

    @property
    def deps(self) -> dict[str, set[str]]:
        return self.data.setdefault("deps", {})  # type: ignore[no-any-return]

    @property
    def rendered(self) -> dict[str, set[str]]:
        return self.data.setdefault("rendered", {})  # type: ignore[no-any-return]

    @property
    def views(self) -> dict[str, list[tuple[str, ViewParams, str]]]:
        return self.data.setdefault("views", {})  # type: ignore[no-any-return]

    def note_incident(self, incident_id: str, docname: str, anchor: str, title: str) -> None:
        previous = self.incidents.get(incident_id)
        if previous is not None and previous[0] != docname:
            self.rendered.get(previous[0], set()).discard(incident_id)
        self.incidents[incident_id] = (docname, anchor, title)
        self.rendered.setdefault(docname, set()).add(incident_id)

    def clear_doc(self, docname: str) -> None:
        for incident_id in self.rendered.pop(docname, ()):
            entry = self.incidents.get(incident_id)
            if entry is not None and entry[0] == docname:
                del self.incidents[incident_id]
        self.deps.pop(docname, None)
        self.views.pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for incident_id, entry in otherdata["incidents"].items():
            if entry[0] in docnames:
                self.note_incident(incident_id, *entry)
        for docname, ids in otherdata["deps"].items():
            if docname in docnames:
                self.deps.setdefault(docname, set()).update(ids)
        for docname, views in otherdata.get("views", {}).items():
            if docname in docnames:
                self.views.setdefault(docname, []).extend(views)

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> nodes.reference | None:
        if typ == "doc":  # a document and a #fragment, from a link in record text
            return _resolve_doc(env, fromdocname, builder, target, node, contnode)
        entry = self.incidents.get(target.removeprefix(INCIDENT_SCHEME))
        if entry is None:
            return None
        docname, anchor, title = entry
        if node.get("refexplicit"):
            inner: Element = contnode
        else:
            inner = nodes.inline(title, title, classes=["xref", "incident"])
        return make_refnode(builder, fromdocname, docname, anchor, inner, title)

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> list[tuple[str, nodes.reference]]:
        # "incident:ID" too, so that a MyST page's [text](incident:ID) (resolved like the
        # "any" role) works as it does in record text
        ref = self.resolve_xref(env, fromdocname, builder, "incident", target, node, contnode)
        return [("incident:incident", ref)] if ref is not None else []

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        # The display name is the id, not the title: Sphinx's search index abbreviates an
        # anchor equal to "<type>-<name>" and its search page rebuilds it from the display
        # name, which sent results to "#incident-<title>".  Results still name the page
        # (the incident's title) beside the id.
        for incident_id, (docname, anchor, _title) in self.incidents.items():
            yield incident_id, incident_id, "incident", docname, anchor, 1


def _resolve_doc(
    env: BuildEnvironment,
    fromdocname: str,
    builder: Builder,
    target: str,
    node: pending_xref,
    contnode: Element,
) -> nodes.reference | None:
    """``std:doc`` with a fragment: a link to a heading or target of another document."""
    if target not in env.all_docs:
        return None
    fragment = str(node.get("reffragment") or "")
    anchor = doc_anchor(env, target, fragment) if fragment else None
    if fragment and anchor is None:
        logger.warning(
            "no heading or target %r in document %r",
            fragment,
            target,
            location=node,
            type="ref",
            subtype="doc",
        )
        anchor = fragment
    if node.get("refexplicit"):
        inner: Element = contnode
    else:
        title = clean_astext(env.titles[target]) if target in env.titles else target
        inner = nodes.inline(title, title, classes=["xref", "std", "std-ref"])
    return make_refnode(builder, fromdocname, target, anchor or "", inner)


def suggest_incident(app: Any, domain: Domain, node: pending_xref) -> bool | None:
    """``warn-missing-reference``: an unknown incident id says which known id is closest
    (a renamed record leaves references to its old id behind).

    Only ids with a page are suggested, so a private incident never shows up in a public
    build's warning.  Other references keep Sphinx's own warning.
    """
    if domain.name != "incident" or node.get("reftype") != "incident":
        return None
    target = str(node["reftarget"])
    hint = did_you_mean(target, sorted(incident_domain(domain.env).incidents))
    logger.warning(
        "unknown incident id %r%s",
        target,
        f" ({hint})" if hint and hint.startswith("did you mean") else "",
        location=node,
        type="ref",
        subtype="incident",
    )
    return True


def incident_xref(incident_id: str, text: str | None = None) -> pending_xref:
    """A link to an incident page, resolved late so every builder gets a valid target."""
    node = pending_xref(
        "",
        refdomain="incident",
        reftype="incident",
        reftarget=incident_id,
        refexplicit=text is not None,
        refwarn=True,
    )
    shown = text if text is not None else incident_id
    node += nodes.inline(shown, shown, classes=["xref", "incident"])
    return node


def note_dependency(env: BuildEnvironment, docname: str, ids: Iterable[str]) -> None:
    """Record that ``docname`` shows these incidents (``ALL`` allowed).

    There is no dependency on the clock: pages never show the build's "now" (see
    :mod:`~sphinx_incidents.sphinxext.clock`), and a fixed ``incidents_now`` is a setting,
    whose change re-reads everything."""
    domain = env.get_domain("incident")
    assert isinstance(domain, IncidentDomain)
    domain.deps.setdefault(docname, set()).update(ids)


def note_view(
    env: BuildEnvironment, docname: str, kind: str, params: ViewParams, digest: str
) -> None:
    """Record that ``docname`` shows the view ``kind`` with ``params``, whose content has
    ``digest`` (see :mod:`~sphinx_incidents.sphinxext.view_digests`)."""
    incident_domain(env).views.setdefault(docname, []).append((kind, params, digest))


def incident_domain(env: BuildEnvironment) -> IncidentDomain:
    domain = env.get_domain("incident")
    assert isinstance(domain, IncidentDomain)
    return domain
