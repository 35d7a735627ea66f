"""Files the extension adds to the HTML output besides pages: written only when they change.

``incidents.json``, the Atom feed, the open-incident banner's data and the rotation
calendar are functions of the records, the policy, the roster and the settings, which the
state already fingerprints. :func:`write_output` keeps a stamp per file in the doctree
folder: a build that changes none of the
inputs leaves the file alone without computing it, and a build that does rewrites it only
if its bytes differ, atomically, so a watcher or a web server never sees half a file and an
unchanged file keeps its modification time.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util import logging

from sphinx_incidents import __version__
from sphinx_incidents.core.safefiles import replace_if_changed
from sphinx_incidents.sphinxext.mermaid_assets import writes_browser_pages
from sphinx_incidents.sphinxext.state import get_state

logger = logging.getLogger(__name__)
MAX_OUTPUT = 1 << 30
"""Compared before rewriting up to this size; a larger file in the way is replaced unread."""


def writes_site(builder: Builder) -> bool:
    """An HTML builder whose output is a website: pages a browser opens (not json/pickle,
    not an e-book), and not one single page."""
    from sphinx.builders.singlehtml import SingleFileHTMLBuilder

    return writes_browser_pages(builder) and not isinstance(builder, SingleFileHTMLBuilder)


def inputs_key(app: Sphinx, *extra: str) -> str:
    """A digest of everything the records give a build (and ``extra``)."""
    state = get_state(app)
    h = hashlib.sha256()
    parts: Iterable[str] = (
        __version__,
        app.builder.name,
        state.shared_fingerprint,
        *(f"{key}={digest}" for key, digest in sorted(state.fingerprints.items())),
        *extra,
    )
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def _stamp_text(key: str, target: Path) -> str:
    try:
        stat = target.stat()
    except OSError:
        return ""
    return f"{key}\n{target.resolve()}\n{stat.st_size} {stat.st_mtime_ns}\n"


def write_output(app: Sphinx, relative: str, key: str, produce: Callable[[], str | None]) -> None:
    """``<outdir>/<relative>`` from ``produce()`` (``None``: the file must not exist), unless
    the stamp says the file in place was written from inputs with this ``key``."""
    target = Path(app.outdir) / relative
    stamp = Path(app.doctreedir) / f"sphinx-incidents-{relative.replace('/', '-')}.stamp"
    expected = _stamp_text(key, target) if target.exists() else f"{key}\nabsent\n"
    try:
        if stamp.read_text(encoding="utf-8") == expected:
            return
    except OSError:
        pass
    text = produce()
    try:
        if text is None:
            if target.exists() and stamp.exists():  # ours, from an earlier build
                target.unlink()
            recorded = f"{key}\nabsent\n"
        else:
            replace_if_changed(target, text.encode("utf-8"), MAX_OUTPUT)
            recorded = _stamp_text(key, target)
    except OSError as exc:
        logger.warning(
            "cannot write %s: %s",
            target,
            exc.strerror or exc,
            type="incidents",
            subtype="output",
        )
        return
    with contextlib.suppress(OSError):  # an unwritable doctree folder: write every time
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(recorded, encoding="utf-8")


class site_file_link(nodes.General, nodes.Inline, nodes.Element):
    """A link to a file at the root of the HTML output (``incidents.atom``), relative to
    the page (see :func:`resolve_site_file_links`).  Attribute ``filename``; children:
    the link text."""


_SITE_FILES: dict[str, Callable[[Sphinx], bool]] = {}


def register_site_file(filename: str, written: Callable[[Sphinx], bool]) -> None:
    """``written(app)`` tells whether this build writes ``filename`` (a link to it is
    dropped otherwise)."""
    _SITE_FILES[filename] = written


def resolve_site_file_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: each :class:`site_file_link` becomes a link relative to the
    page when the build writes its file, and disappears otherwise (decided when pages are
    written, so a setting with an "html" rebuild scope is followed).  A paragraph of class
    ``incident-follow`` left without a link disappears with them."""
    builder = app.builder
    root = builder.get_relative_uri(docname, "index").removesuffix("index.html")
    for node in list(doctree.findall(site_file_link)):
        written = _SITE_FILES.get(node["filename"])
        if not writes_site(builder) or written is None or not written(app):
            node.parent.remove(node)
            continue
        # root: "../index.html" (html) or "../../" (dirhtml, whose root page is "")
        children = [child.deepcopy() for child in node.children]
        uri = root + node["filename"]
        node.replace_self(nodes.reference("", "", *children, refuri=uri, internal=False))
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if "incident-follow" not in paragraph["classes"]:
            continue
        links = [child for child in paragraph.children if isinstance(child, nodes.reference)]
        if not links:
            paragraph.parent.remove(paragraph)
            continue
        paragraph.children = []
        paragraph += nodes.Text("Follow: ")
        for index, link in enumerate(links):
            if index:
                paragraph += nodes.Text(" · ")
            paragraph += link


def setup_outputs(app: Sphinx) -> None:
    app.add_node(site_file_link)
    app.connect("doctree-resolved", resolve_site_file_links)
