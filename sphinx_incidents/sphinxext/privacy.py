"""Private records in the build: left out of a public build, marked in an internal one.

The state decides once which incidents a build shows (:func:`~sphinx_incidents.core.
visibility.split_private`); everything the extension writes is computed from those, so a
hidden record has no page, row, node, feed entry or data anywhere.  This module covers
what is written by hand on the site's own pages:

- ``:incident:`ID``` naming a hidden incident renders "a private incident" (or the
  reference's own explicit text), unlinked and without a warning: the record exists and
  ``check`` validates it, it is just not published;
- ``.. incident:: ID`` and the other directives naming one render nothing (see
  :func:`is_hidden`);
- in an internal build (``incidents_include_private = True``), every place that shows a
  private incident marks it with :func:`private_badge`: its page (a note and a fact), and
  every link to it (:class:`MarkPrivateLinks`), which covers the rows of the index and of
  every table, the open-incident list, related incidents and the role.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform

from sphinx_incidents.core.safefiles import replace_if_changed
from sphinx_incidents.sphinxext.nodes import badge
from sphinx_incidents.sphinxext.outputs import MAX_OUTPUT
from sphinx_incidents.sphinxext.record_links import INCIDENT_SCHEME
from sphinx_incidents.sphinxext.state import get_state

PRIVATE_CLASS = "incident-private"
PRIVATE_NOTE = (
    "Private incident: this page is only part of internal builds of the site "
    "(incidents_include_private); the public site leaves it out entirely."
)


def private_badge() -> nodes.inline:
    """The mark an internal build puts on every page, row and link of a private incident."""
    return badge("private", PRIVATE_CLASS)


def is_hidden(env: BuildEnvironment, incident_id: str) -> bool:
    """Whether ``incident_id`` is a private record this build leaves out: a directive
    naming it renders nothing (no warning: the id is known and valid)."""
    return incident_id in get_state(env).hidden_ids


def _missing_reference(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Node | None:
    target = str(node.get("reftarget", ""))
    # the role and generated links (domain "incident"), and MyST's [text](incident:ID)
    if node.get("refdomain") != "incident" and not target.startswith(INCIDENT_SCHEME):
        return None
    if not is_hidden(env, target.removeprefix(INCIDENT_SCHEME)):
        return None
    if node.get("refexplicit"):
        return contnode  # the page's own words, without a link
    return nodes.inline("", "a private incident", classes=["incident-private-ref"])


class MarkPrivateLinks(SphinxPostTransform):
    """Internal builds: a private badge after every resolved link to a private incident
    (once per table row: a row linking both the id and the title gets one badge)."""

    default_priority = 20  # after the references are resolved (ReferencesResolver: 10)

    def run(self, **kwargs: object) -> None:
        state = get_state(self.env)
        anchors = {f"incident-{incident_id}" for incident_id in state.private_shown_ids}
        if not anchors:
            return
        marked_rows: set[int] = set()
        for reference in list(self.document.findall(nodes.reference)):
            uri = str(reference.get("refuri") or "")
            target = uri.rpartition("#")[2] if "#" in uri else reference.get("refid")
            if target not in anchors or reference.parent is None:
                continue
            row = next((a for a in _ancestors(reference) if isinstance(a, nodes.row)), None)
            if row is not None:
                if id(row) in marked_rows:
                    continue
                marked_rows.add(id(row))
            parent = reference.parent
            index = parent.index(reference)
            parent.insert(index + 1, private_badge())
            parent.insert(index + 1, nodes.Text(" "))


def _ancestors(node: nodes.Node) -> list[nodes.Element]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


PLACEHOLDER = b"private-incident"
"""What the published copy of a record says instead of a hidden incident's id."""


def redact_copy(record: Path, target: Path, hidden: list[str]) -> bool:
    """``True`` when ``record`` names a hidden incident (``related``, a link in its text):
    ``target`` (its copy under ``_sources/``) then gets :data:`PLACEHOLDER` in place of every
    such id, written only when it changes."""
    try:
        data = record.read_bytes()
    except OSError:
        return False
    redacted = data
    for incident_id in hidden:  # whole ids only: not the start of a longer public one
        word = re.compile(rb"(?<![\w-])" + re.escape(incident_id.encode("utf-8")) + rb"(?![\w-])")
        redacted = word.sub(PLACEHOLDER, redacted)
    if redacted == data:
        return False
    try:
        replace_if_changed(target, redacted, MAX_OUTPUT)
    except OSError:  # no copy rather than the record as it is
        with contextlib.suppress(OSError):
            target.unlink()
    return True


HIDDEN_KEY = "sphinx_incidents_hidden"


def forget_hidden(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: when a record became hidden since the last build (made private,
    or its category was), rebuild the search index from scratch and rewrite every page.

    Sphinx keeps the words of a document it no longer has, or of a page it rewrites, as
    terms (with no document) in ``searchindex.js``: the words of a record made private would
    stay searchable text in the published site.  Without the old index, every page is
    written and indexed afresh, so nothing of the record is left.  (A flip removes a page,
    which changes every page's navigation anyway.)  A new environment (the first build,
    ``-E``) writes every page anyway, and gets a fresh index too.
    """
    state = get_state(app)
    # digests, not ids: the environment is pickled into the doctree folder, which
    # ``sphinx-build -b html SRC OUT`` puts inside the output folder (OUT/.doctrees)
    hidden = sorted(hashlib.sha256(i.encode()).hexdigest()[:24] for i in state.hidden_ids)
    previous = getattr(env, HIDDEN_KEY, None)
    setattr(env, HIDDEN_KEY, hidden)
    if previous is not None and set(hidden) <= set(previous):
        return []
    # A new environment (the first build, or -E) writes every page anyway; the index left
    # in the output folder may still hold what an earlier build published.
    filename = getattr(app.builder, "searchindex_filename", None)
    if filename:
        index = Path(app.outdir) / filename
        if index.is_file():
            index.unlink()
    return [] if previous is None else sorted(env.found_docs)


def remove_hidden_pages(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: no page of a hidden incident is left in the output folder.

    Sphinx removes the output of a deleted document only when its environment knew it (a
    build with a new environment, ``-E``, into a folder where an earlier build published
    the incident would leave the page and its source copy behind), and never its cached
    doctree, which ``sphinx-build -b html SRC OUT`` keeps in ``OUT/.doctrees``.
    """
    state = get_state(app)
    pages = state.config.pages
    if exception is not None or not pages or not hasattr(app.builder, "get_outfilename"):
        return
    outdir = Path(app.outdir)
    for incident_id in sorted(state.hidden_ids):
        docname = f"{pages}/{incident_id}"
        candidates = [
            Path(app.builder.get_outfilename(docname)),
            # Sphinx's cache of the page: in OUT/.doctrees with ``sphinx-build -b html``
            Path(app.doctreedir) / f"{docname}.doctree",
        ]
        candidates += (outdir / "_sources" / pages).glob(f"{incident_id}.*")
        for target in candidates:
            if target.is_file():
                target.unlink()


def setup_privacy(app: Sphinx) -> None:
    app.add_post_transform(MarkPrivateLinks)
    app.connect("env-get-updated", forget_hidden)
    app.connect("build-finished", remove_hidden_pages)
    # before Sphinx's own handlers, so that no "unknown incident" warning is given
    app.connect("missing-reference", _missing_reference, priority=400)
