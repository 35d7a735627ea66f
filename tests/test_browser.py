"""The built site in a real browser: Chromium driven by Playwright, fully offline.

The documentation site (``docs/``) is built once per session and served from 127.0.0.1 on a
random port.  Every request to any other host is aborted and recorded, so a page that needs
a CDN (Mermaid, fonts, ...) fails here.  Each page is visited once (``site_visit``); the
tests then assert on what the visit recorded:

- no console errors and no uncaught exceptions on any page;
- no request needed for rendering left 127.0.0.1;
- every ``pre.mermaid`` diagram became an SVG, without a Mermaid syntax error, also when
  the site is opened from disk (``file://``), and for a site with its own diagrams of
  every type (``tests/roots/test-mermaid``), whose ELK diagrams are drawn by ELK;
- every same-origin link resolves (no 404), and its ``#fragment`` exists on the target;
- a sortable incident table re-orders when a header is clicked.

A second, tiny site is built from a hostile record whose title and notes carry HTML and
Mermaid syntax; its markup must show as text and no dialog may ever open.

Screenshots of the home page and of an incident page are written to the build output's
``_screenshots/`` folder; the incident page is also copied to
``docs/_static/screenshots/incident-page.png`` when that file does not exist yet.

Needs ``/usr/bin/chromium`` and the ``playwright`` package (never ``playwright install``);
without either, the module is skipped.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
REPO = HERE.parent
DOCS = REPO / "docs"
SCREENSHOT = DOCS / "_static" / "screenshots" / "incident-page.png"
SCREENSHOT_PAGE = "incidents/2026-11-20-api-search-5xx-after-es-upgrade.html"
# Resource types a page needs to render; an aborted request of another type (a ping, say)
# would not change what the reader sees.
RENDERING = {"document", "stylesheet", "script", "image", "font", "fetch", "xhr", "media"}
MERMAID_TIMEOUT_MS = 20_000
# Diagrams drawn: a diagram's SVG may hold more SVGs (icons), so count the diagrams.
DRAWN = (
    "Array.from(document.querySelectorAll('pre.mermaid'))"
    ".filter(p => p.querySelector('svg')).length"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


# --- building and serving -------------------------------------------------------------------


def sphinx_build(source: Path, out: Path, *options: str) -> None:
    """Build ``source`` to HTML in ``out``, from scratch, failing the test on an error."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-q", "-b", "html", *options, str(source), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (random port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def html_pages(out: Path) -> list[str]:
    """Every HTML page of a built site, as URL paths relative to its root."""
    return sorted(
        path.relative_to(out).as_posix()
        for path in out.rglob("*.html")
        if not path.relative_to(out).as_posix().startswith(("_static/", "_sources/"))
    )


# --- the browser ----------------------------------------------------------------------------


# ``browser``: the session's Chromium, from conftest.py (shared with test_browser_readers.py).


@dataclass
class Visit:
    """What happened while one page loaded and rendered."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    aborted: list[tuple[str, str]] = field(default_factory=list)  # (resource type, url)
    bad_responses: list[tuple[int, str]] = field(default_factory=list)
    mermaid: int = 0
    mermaid_svg: int = 0
    mermaid_errors: int = 0
    links: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


class OfflinePage:
    """A Playwright page that only reaches ``base`` and records everything suspicious."""

    def __init__(self, browser: Any, base: str, init_script: str | None = None) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.visit = Visit(base)
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.visit.page_errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.on("response", self._response)

    def _route(self, route: Any) -> None:
        request = route.request
        parts = urlsplit(request.url)
        # the server on 127.0.0.1, or the built site's own files when opened from disk
        if parts.hostname == "127.0.0.1" or (
            parts.scheme == "file" and request.url.startswith(self.base)
        ):
            route.continue_()
        else:
            self.visit.aborted.append((request.resource_type, request.url))
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.visit.console_errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.visit.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _response(self, response: Any) -> None:
        if response.url.startswith(self.base) and response.status >= 400:
            self.visit.bad_responses.append((response.status, response.url))

    def open(self, path: str) -> Visit:
        """Load ``path``, wait for every Mermaid diagram, and return what happened."""
        self.visit = Visit(self.base + path)
        self.page.goto(self.visit.url, wait_until="load")
        total = self.page.locator("pre.mermaid").count()
        self.visit.mermaid = total
        if total:
            # A timeout is reported through mermaid_svg below.
            with suppress(sync_api.TimeoutError):
                self.page.wait_for_function(
                    f"n => {DRAWN} >= n", arg=total, timeout=MERMAID_TIMEOUT_MS
                )
        self.visit.mermaid_svg = self.page.evaluate(f"() => {DRAWN}")
        self.visit.mermaid_errors = self.page.evaluate(
            "() => Array.from(document.querySelectorAll('pre.mermaid svg'))"
            ".filter(svg => /Syntax error|Parse error/i.test(svg.textContent)).length"
        )
        self.visit.links = self.page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.href)"
        )
        return self.visit

    def close(self) -> None:
        self.context.close()


# --- the documentation site -----------------------------------------------------------------


@pytest.fixture(scope="session")
def docs_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's docs/, built once; the extension's stubs land in docs/incidents/."""
    out = tmp_path_factory.mktemp("docs-html")
    # furo comes with the "docs" extra; a test environment without it still checks the
    # site, with Sphinx's built-in theme.
    theme = [] if importlib.util.find_spec("furo") else ["-D", "html_theme=alabaster"]
    sphinx_build(DOCS, out, *theme)
    return out


@pytest.fixture(scope="session")
def docs_url(docs_out: Path) -> Iterator[str]:
    with serve(docs_out) as base:
        yield base


@pytest.fixture(scope="session")
def site_visit(browser: Any, docs_out: Path, docs_url: str) -> dict[str, Visit]:
    """Every page of the site, visited once, plus the two screenshots."""
    pages = html_pages(docs_out)
    assert "index.html" in pages and SCREENSHOT_PAGE in pages, pages
    offline = OfflinePage(browser, docs_url)
    visits: dict[str, Visit] = {}
    shots = docs_out / "_screenshots"
    shots.mkdir(exist_ok=True)
    # The incident page first: when the docs lack their screenshot (a fresh checkout that
    # never had one), it is created now and put where the built home page expects it.
    ordered = [SCREENSHOT_PAGE] + [path for path in pages if path != SCREENSHOT_PAGE]
    try:
        for path in ordered:
            visits[path] = offline.open(path)
            if path == SCREENSHOT_PAGE:
                offline.page.screenshot(path=str(shots / "incident-page.png"))
                if not SCREENSHOT.exists():
                    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shots / "incident-page.png", SCREENSHOT)
                    # Sphinx links a missing image at its source path, a found one in _images/.
                    for where in (SCREENSHOT.relative_to(DOCS), Path("_images", SCREENSHOT.name)):
                        (docs_out / where).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(SCREENSHOT, docs_out / where)
            elif path == "index.html":
                offline.page.screenshot(path=str(shots / "home.png"))
    finally:
        offline.close()
    return visits


def test_every_page_loads_without_console_errors(site_visit: dict[str, Visit]) -> None:
    problems = {
        path: [*visit.console_errors, *visit.page_errors]
        + [f"{status} {url}" for status, url in visit.bad_responses]
        for path, visit in site_visit.items()
    }
    assert {path: found for path, found in problems.items() if found} == {}
    assert len(site_visit) > 20  # the demo records alone make 17 incident pages


def test_no_request_needed_for_rendering_leaves_localhost(site_visit: dict[str, Visit]) -> None:
    needed = {
        path: [url for kind, url in visit.aborted if kind in RENDERING]
        for path, visit in site_visit.items()
    }
    assert sum(len(urls) for urls in needed.values()) == 0, {
        path: urls for path, urls in needed.items() if urls
    }


def test_every_mermaid_diagram_renders_offline(site_visit: dict[str, Visit]) -> None:
    broken = {
        path: f"{visit.mermaid_svg}/{visit.mermaid} rendered, {visit.mermaid_errors} errors"
        for path, visit in site_visit.items()
        if visit.mermaid_svg != visit.mermaid or visit.mermaid_errors
    }
    assert broken == {}
    # The policy page and every incident page draw the status graph.
    assert site_visit["policy.html"].mermaid >= 1
    assert site_visit[SCREENSHOT_PAGE].mermaid >= 1


# --- opened from disk ------------------------------------------------------------------------
#
# From file:// the page's origin is "null" and Chromium blocks every ES module import of a
# file; the README tells readers to open the built site that way.


def visit_from_disk(browser: Any, out: Path, init_script: str | None = None) -> dict[str, Visit]:
    """Every page of the site built in ``out``, opened as file:// URLs."""
    offline = OfflinePage(browser, out.as_uri() + "/", init_script)
    try:
        return {path: offline.open(path) for path in html_pages(out)}
    finally:
        offline.close()


def _not_drawn(visits: dict[str, Visit]) -> dict[str, str]:
    return {
        path: f"{visit.mermaid_svg}/{visit.mermaid} rendered, {visit.mermaid_errors} errors"
        for path, visit in visits.items()
        if visit.mermaid_svg != visit.mermaid or visit.mermaid_errors
    }


def _errors(visits: dict[str, Visit]) -> dict[str, list[str]]:
    found = {path: [*v.console_errors, *v.page_errors] for path, v in visits.items()}
    return {path: errors for path, errors in found.items() if errors}


def test_every_diagram_renders_when_the_site_is_opened_from_disk(
    browser: Any, docs_out: Path
) -> None:
    visits = visit_from_disk(browser, docs_out)
    assert _not_drawn(visits) == {}
    assert _errors(visits) == {}
    assert sum(len(v.aborted) for v in visits.values()) == 0
    assert visits[SCREENSHOT_PAGE].mermaid >= 1
    assert sum(v.mermaid for v in visits.values()) >= 20


# Counts the calls of every layout loader registered through the global Mermaid: the ELK
# bundle registers its layouts that way, and Mermaid calls the loader to draw with one.
COUNT_LAYOUT_LOADS = """
(() => {
  let current;
  Object.defineProperty(globalThis, "mermaid", {
    configurable: true,
    get() { return current; },
    set(value) {
      current = value;
      const register = value.registerLayoutLoaders.bind(value);
      value.registerLayoutLoaders = (loaders) => register(loaders.map((entry) => ({
        ...entry,
        loader: async () => {
          globalThis.__layoutLoads = (globalThis.__layoutLoads || 0) + 1;
          return entry.loader();
        },
      })));
    },
  });
})();
"""


@pytest.fixture(scope="session")
def own_mermaid_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/roots/test-mermaid: a site with its own Mermaid fences, configuring nothing."""
    source = tmp_path_factory.mktemp("own-mermaid-src")
    shutil.copytree(HERE / "roots" / "test-mermaid", source, dirs_exist_ok=True)
    out = tmp_path_factory.mktemp("own-mermaid-html")
    sphinx_build(source, out, "-W")
    return out


def test_the_sites_own_diagrams_render_from_disk_with_the_bundle(
    browser: Any, own_mermaid_out: Path
) -> None:
    visits = visit_from_disk(browser, own_mermaid_out, COUNT_LAYOUT_LOADS)
    assert _not_drawn(visits) == {}
    assert _errors(visits) == {}
    assert visits["diagrams.html"].mermaid == 18  # one of each diagram type on the page
    assert visits["elk.html"].mermaid == 3
    offline = OfflinePage(browser, own_mermaid_out.as_uri() + "/", COUNT_LAYOUT_LOADS)
    try:
        # ELK draws the diagrams that ask for it (no silent fallback to the default layout)
        offline.open("elk.html")
        assert offline.page.evaluate("() => globalThis.__layoutLoads || 0") >= 1
        offline.open("diagrams.html")
        assert offline.page.evaluate("() => globalThis.__layoutLoads || 0") == 0
        # :zoom: works: d3 (vendored too) wraps the diagram in a zoomable group
        offline.page.wait_for_function(
            "() => document.querySelector('pre.mermaid svg g.wrapper') !== null",
            timeout=MERMAID_TIMEOUT_MS,
        )
    finally:
        offline.close()


def test_the_sites_own_diagrams_render_over_http(browser: Any, own_mermaid_out: Path) -> None:
    with serve(own_mermaid_out) as base:
        offline = OfflinePage(browser, base)
        try:
            visits = {path: offline.open(path) for path in html_pages(own_mermaid_out)}
        finally:
            offline.close()
    assert _not_drawn(visits) == {}
    assert _errors(visits) == {}
    assert sum(len(v.aborted) for v in visits.values()) == 0


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


def test_every_internal_link_resolves(site_visit: dict[str, Visit], docs_url: str) -> None:
    targets: dict[str, set[str]] = {}  # url without fragment -> fragments wanted
    for visit in site_visit.values():
        for href in visit.links:
            absolute = urljoin(visit.url, href)
            if not absolute.startswith(docs_url):
                continue
            url, fragment = urldefrag(absolute)
            targets.setdefault(url, set())
            if fragment:
                targets[url].add(fragment)
    assert len(targets) > 20
    missing: list[str] = []
    for url, fragments in sorted(targets.items()):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            missing.append(f"{error.code} {url}")
            continue
        if fragments and url.endswith((".html", "/")):
            parser = _Ids()
            parser.feed(body.decode("utf-8", "replace"))
            missing += [f"#{f} not in {url}" for f in sorted(fragments - parser.ids)]
    assert missing == []


def test_incident_table_sorts_on_header_click(browser: Any, docs_url: str) -> None:
    offline = OfflinePage(browser, docs_url)
    try:
        offline.open("index.html")
        page = offline.page
        table = page.locator("table.incident-sortable").first
        assert table.count() == 1, "no sortable incident table on the home page"
        headers = table.locator("thead th")
        texts = [t.strip().lower() for t in headers.all_inner_texts()]
        column = texts.index("id") if "id" in texts else 0
        cells = table.locator(f"tbody tr td:nth-child({column + 1})")
        assert cells.count() >= 2, "the table needs two rows to show sorting"

        headers.nth(column).click()
        ascending = [text.strip() for text in cells.all_inner_texts()]
        assert ascending == sorted(ascending)
        assert headers.nth(column).get_attribute("aria-sort") == "ascending"

        headers.nth(column).click()
        descending = [text.strip() for text in cells.all_inner_texts()]
        assert descending == sorted(ascending, reverse=True)
        assert headers.nth(column).get_attribute("aria-sort") == "descending"
        assert offline.visit.console_errors == [] and offline.visit.page_errors == []
    finally:
        offline.close()


def test_screenshots_are_saved(site_visit: dict[str, Visit], docs_out: Path) -> None:
    for name in ("home.png", "incident-page.png"):
        shot = docs_out / "_screenshots" / name
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size < 300_000


# --- a hostile record -----------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
MERMAID = "A-->B[evil]"
EVIL_ID = "2026-11-19-escaping"
EVIL_RECORD = textwrap.dedent(
    """\
    title: '<script>alert(1)</script> "><img src=x onerror=alert(1)> A-->B[evil]'
    severity: 2
    services: [api]
    detected: 2026-11-19T10:00:00Z
    detected_via: user-report
    recorded_by: mallory
    lead: mallory
    summary: |
      <script>alert(1)</script> then "><img src=x onerror=alert(1)> and `A-->B[evil]`

      <iframe src="javascript:alert(1)"></iframe> [click](javascript:alert(1))
    impact: '<b onmouseover=alert(1)>bold</b> A-->B[evil]'
    timeline:
      - at: 2026-11-19T10:00:00Z
        status: stabilization-pending
        by: mallory
        note: '<script>alert(1)</script> "><img src=x onerror=alert(1)> A-->B[evil]'
      - at: 2026-11-19T11:00:00Z
        status: stabilized
        by: mallory
        note: "end\\"]\\n  click B call alert(1)\\n  A-->B[evil]"
    follow_ups:
      - title: '<script>alert(1)</script>'
        url: https://github.com/WordPress/openverse/issues/1
        purpose: stabilization
        priority: critical
    links:
      - title: '"><img src=x onerror=alert(1)>'
        url: https://example.org/thread
    """
)
EVIL_INDEX = textwrap.dedent(
    f"""\
    Escaping
    ========

    Role: :incident:`{EVIL_ID}`

    .. incident-table::
       :columns: id, title, severity, status, lead, services

    .. incident-timeline:: {EVIL_ID}

    .. incident-graph::
       :incident: {EVIL_ID}
       :counts:

    .. incident-leads::

    .. incident-metrics::

    .. toctree::

       incidents/index
    """
)


@pytest.fixture(scope="session")
def evil_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("evil-src")
    (source / "records").mkdir()
    (source / "records" / f"{EVIL_ID}.yaml").write_text(EVIL_RECORD, encoding="utf-8")
    (source / "conf.py").write_text(
        'project = "escaping"\n'
        'extensions = ["sphinx_incidents"]\n'
        'incidents_dir = "records"\n'
        'incidents_now = "2026-11-27T12:00:00Z"\n'
        'html_baseurl = "https://escaping.example.org/"\n'
        # Smart quotes would turn '"' into a curly quote and '--' into a dash in the text
        # shown, which is typography, not escaping; compare the text exactly.
        "smartquotes = False\n",
        encoding="utf-8",
    )
    (source / "index.rst").write_text(EVIL_INDEX, encoding="utf-8")
    out = tmp_path_factory.mktemp("evil-html")
    sphinx_build(source, out)
    return out


def test_record_text_is_shown_as_text_and_never_runs(browser: Any, evil_out: Path) -> None:
    pages = html_pages(evil_out)
    incident_page = f"incidents/{EVIL_ID}.html"
    assert incident_page in pages
    with serve(evil_out) as base:
        offline = OfflinePage(browser, base)
        try:
            for path in pages:
                visit = offline.open(path)
                page = offline.page
                assert visit.dialogs == [], path
                assert visit.page_errors == [], path
                assert visit.mermaid_svg == visit.mermaid, path
                injected = page.evaluate(
                    """() => ({
                        img: document.querySelectorAll('img[src="x"]').length,
                        iframe: document.querySelectorAll('iframe').length,
                        handlers: Array.from(document.querySelectorAll('*')).filter(
                            el => Array.from(el.attributes).some(a => /^on/i.test(a.name))
                        ).length,
                        scripts: Array.from(document.scripts).filter(
                            s => s.textContent.includes('alert(1)')).length,
                        jsLinks: Array.from(document.querySelectorAll('a[href]')).filter(
                            a => a.href.startsWith('javascript:')).length,
                    })"""
                )
                assert injected == {
                    "img": 0,
                    "iframe": 0,
                    "handlers": 0,
                    "scripts": 0,
                    "jsLinks": 0,
                }, path
                # Hover everything a handler could hide behind, then wait for late dialogs.
                for element in page.locator("b, img, a").all()[:50]:
                    if element.is_visible():
                        element.hover()
                page.wait_for_timeout(200)
                assert visit.dialogs == [], path

            offline.open(incident_page)
            text = offline.page.inner_text("body")
            for payload in (SCRIPT, ATTRIBUTE, MERMAID):
                assert payload in text, payload
            offline.open("index.html")
            text = offline.page.inner_text("body")
            assert SCRIPT in text and ATTRIBUTE in text
            assert offline.visit.dialogs == []
        finally:
            offline.close()
