"""``incidents.atom`` in the HTML output, linked from every page's ``<head>``.

A feed needs absolute links, so it is written only when ``html_baseurl`` is set; without
it the build says so once, located at ``conf.py`` (``incidents.feed``), and writes no
feed.  ``incidents_feed = False`` turns it off.

Every page carries the same ``<link rel="alternate" type="application/atom+xml">`` (an
absolute URL, so Sphinx adds no checksum query): a new event rewrites the feed, never the
pages.  The entries are the incidents the build shows (see
:mod:`~sphinx_incidents.sphinxext.privacy`).
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from sphinx_incidents.core.feed import ATOM_TYPE, atom_feed
from sphinx_incidents.core.model import Incident
from sphinx_incidents.sphinxext.domain import incident_domain
from sphinx_incidents.sphinxext.outputs import (
    inputs_key,
    register_site_file,
    write_output,
    writes_site,
)
from sphinx_incidents.sphinxext.state import WARNING_TYPE, _conf_line, get_state

logger = logging.getLogger(__name__)
FEED = "incidents.atom"


def base_url(app: Sphinx) -> str | None:
    """``html_baseurl`` with a trailing slash, or ``None`` when it is not set."""
    base = str(getattr(app.config, "html_baseurl", "") or "").strip()
    if not base:
        return None
    return base if base.endswith("/") else base + "/"


def feed_url(app: Sphinx) -> str | None:
    """The feed's absolute address, when the build writes one."""
    base = base_url(app)
    if not app.config.incidents_feed or base is None or not writes_site(app.builder):
        return None
    return base + FEED


def feed_title(app: Sphinx) -> str:
    return f"{app.config.project} incidents"


def _location(confdir: Path) -> str:
    """``conf.py:LINE`` of ``html_baseurl``, else ``incidents_feed``, else ``extensions``
    (where the extension is turned on); line 1 when none is found."""
    for name in ("html_baseurl", "incidents_feed", "extensions"):
        location = _conf_line(confdir, name)
        if location.rpartition(":")[2].isdigit():
            return location
    return f"{confdir / 'conf.py'}:1"


def _builder_inited(app: Sphinx) -> None:
    if not app.config.incidents_feed or not writes_site(app.builder):
        return
    url = feed_url(app)
    if url is None:
        logger.warning(
            "incidents_feed: html_baseurl is not set, so the Atom feed (%s), whose links "
            "must be absolute, is not written; set html_baseurl to the site's address "
            '(html_baseurl = "https://docs.example.org/"), or incidents_feed = False',
            FEED,
            type=WARNING_TYPE,
            subtype="feed",
            location=_location(Path(app.confdir)),
        )
        return
    # An absolute URL: Sphinx leaves it as it is (no "_static/", no ?v= checksum).
    app.add_css_file(url, rel="alternate", type=ATOM_TYPE, title=feed_title(app))


def _write_feed(app: Sphinx, exception: Exception | None) -> None:
    url = feed_url(app)
    if exception is not None or url is None:
        return
    state = get_state(app)
    base = base_url(app) or ""
    pages = state.config.pages
    builder = app.builder

    rendered = incident_domain(app.env).incidents

    def page_url(incident: Incident) -> str:
        if pages:
            return base + builder.get_target_uri(f"{pages}/{incident.id}")
        docname, anchor, _ = rendered[incident.id]
        return f"{base}{builder.get_target_uri(docname)}#{anchor}"

    def produce() -> str:
        # without generated pages, the incidents some page renders (an entry needs a page)
        shown = [i for i in state.incidents if pages or i.id in rendered]
        site = base + builder.get_target_uri(f"{pages}/index") if pages else base
        title, author = feed_title(app), str(app.config.project)
        return atom_feed(shown, state.policy, title, url, site, page_url, author)

    where = "" if pages else repr(sorted(rendered.items()))
    target = builder.get_target_uri(f"{pages}/x")
    key = inputs_key(app, url, repr(pages), target, feed_title(app), where)
    write_output(app, FEED, key, produce)


def setup_feed(app: Sphinx) -> None:
    register_site_file(FEED, lambda app: feed_url(app) is not None)
    app.connect("builder-inited", _builder_inited, priority=450)
    app.connect("build-finished", _write_feed)
