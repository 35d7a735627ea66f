"""What readers see, in Chromium: the open-incident banner, the month labels, diagram sizes,
and a screenshot of every kind of page.

- The banner appears on every page while a severe incident is open, under furo, the Read
  the Docs theme and alabaster, served over HTTP and opened from disk (``file://``); an
  incremental rebuild with the incident closed removes it without rewriting the pages.
- The incidents-per-month chart's visible labels never run into each other, with 24 and
  with 120 months.
- Incident diagrams are as high as their content at the page's width (no letterbox).
- Screenshots of every page kind go to ``<basetemp>/screenshots/`` (and to
  ``$SPHINX_INCIDENTS_SCREENSHOTS`` when set), to be looked at.

Uses the session's Chromium (``browser`` in conftest.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from test_browser import DOCS, OfflinePage, html_pages, serve, sphinx_build

pytestmark = pytest.mark.browser

THEMES = ("furo", "sphinx_rtd_theme", "alabaster")
OPEN_ID = "2024-05-20-search-down"
OPEN_TITLE = "Search returns errors for every query"
BANNER = re.compile(
    r"^Banner test is experiencing a Severity 1 incident: "
    + re.escape(OPEN_TITLE)
    + r", Stabilization pending, since 2024-05-20 10:00 UTC\.$"
)
RESOLVED_EVENTS = """\
  - at: 2024-05-20T12:00:00Z
    status: stabilized
  - at: 2024-05-21T09:00:00Z
    status: under-investigation
  - at: 2024-05-22T09:00:00Z
    status: resolved
"""
OPEN_RECORD = f"""\
title: "{OPEN_TITLE}"
severity: 1
services: [api]
detected: 2024-05-20T10:00:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Every search fails."
timeline:
  - at: 2024-05-20T10:00:00Z
    status: stabilization-pending
follow_ups:
  - title: "Roll back"
    url: https://github.com/acme/search/issues/9
    purpose: stabilization
    priority: critical
  - title: "Add a canary"
    url: https://github.com/acme/search/issues/10
    purpose: prevention
"""
MINOR_RECORD = """\
title: "Thumbnails are slow"
severity: 3
services: [frontend]
detected: 2024-05-25T10:00:00Z
detected_via: user-report
recorded_by: sam
lead: sam
summary: "Slow thumbnails."
timeline:
  - at: 2024-05-25T10:00:00Z
    status: stabilization-pending
"""


def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


def save(page: Any, folder: Path, name: str) -> None:
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    extra = os.environ.get("SPHINX_INCIDENTS_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, Path(extra) / target.name)


def build_incrementally(source: Path, out: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def banner_site(root: Path, theme: str) -> Path:
    source = root / "src"
    records = source / "records"
    records.mkdir(parents=True)
    (records / f"{OPEN_ID}.yaml").write_text(OPEN_RECORD)
    (records / "2024-05-25-thumbnails-slow.yaml").write_text(MINOR_RECORD)
    (source / "conf.py").write_text(
        textwrap.dedent(
            f"""\
            project = "Banner test"
            extensions = ["sphinx_incidents"]
            html_theme = "{theme}"
            incidents_dir = "records"
            incidents_now = "2024-06-01T00:00:00Z"
            html_baseurl = "https://banner.example.org/"
            exclude_patterns = ["records"]
            suppress_warnings = ["incidents.inc044"]
            """
        )
    )
    (source / "index.rst").write_text(
        "Banner test\n===========\n\n.. toctree::\n\n   about\n   incidents/index\n"
    )
    (source / "about.rst").write_text("About\n=====\n\nA page that shows no incident.\n")
    return source


def banner_of(page: Any) -> dict[str, Any] | None:
    return page.evaluate(
        """() => {
            const banner = document.querySelector('.incident-banner');
            if (!banner) return null;
            const link = banner.querySelector('a');
            const box = banner.getBoundingClientRect();
            return {text: banner.textContent.trim(), href: link && link.href,
                    visible: box.width > 100 && box.height > 10,
                    inMain: !!banner.closest('[role="main"]')};
        }"""
    )


@pytest.mark.parametrize("theme", THEMES)
def test_the_banner_appears_while_a_severe_incident_is_open_and_goes_when_it_closes(
    browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, theme: str
) -> None:
    pytest.importorskip(theme if theme != "alabaster" else "sphinx")
    source = banner_site(tmp_path, theme)
    out = tmp_path / "out"
    build_incrementally(source, out)
    shots = screenshots(tmp_path_factory)
    pages = ["index.html", "about.html", "incidents/index.html", f"incidents/{OPEN_ID}.html"]
    with serve(out) as base:
        for origin in (base, out.as_uri() + "/"):
            offline = OfflinePage(browser, origin)
            try:
                for path in pages:
                    visit = offline.open(path)
                    assert visit.console_errors == [] and visit.page_errors == [], path
                    found = banner_of(offline.page)
                    assert found is not None, (origin, path)
                    assert BANNER.match(" ".join(found["text"].split())), found["text"]
                    assert found["visible"] and found["inMain"], found
                    assert found["href"] == f"{origin}incidents/{OPEN_ID}.html", found
                kind = "http" if origin == base else "file"
                offline.open("about.html")
                save(offline.page, shots, f"banner-{theme}-{kind}")
                offline.page.click(".incident-banner a")
                offline.page.wait_for_load_state("load")
                assert offline.page.url == f"{origin}incidents/{OPEN_ID}.html"
                assert OPEN_TITLE in offline.page.inner_text("h1")
            finally:
                offline.close()

        # Close it: an incremental build rewrites the banner's data, not the other pages.
        about = out / "about.html"
        before = (about.read_bytes(), about.stat().st_mtime_ns)
        data = out / "_static" / "incidents-banner.js"
        assert OPEN_TITLE in data.read_text()
        record = source / "records" / f"{OPEN_ID}.yaml"
        record.write_text(
            record.read_text().replace("follow_ups:", RESOLVED_EVENTS + "follow_ups:")
        )
        build_incrementally(source, out)
        assert (about.read_bytes(), about.stat().st_mtime_ns) == before
        assert "= (function (data) {" in data.read_text() and OPEN_TITLE not in data.read_text()
        for origin in (base, out.as_uri() + "/"):
            offline = OfflinePage(browser, origin)
            try:
                for path in pages:
                    visit = offline.open(path)
                    assert visit.page_errors == [], path
                    assert banner_of(offline.page) is None, (origin, path)
            finally:
                offline.close()


def test_the_docs_site_shows_the_banner_and_links_the_feed(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The demo has a severity 1 incident open at its fixed "now": every page says so."""
    out = docs_site(tmp_path_factory)
    with serve(out) as base:
        offline = OfflinePage(browser, base)
        try:
            for path in ("index.html", "reference/configuration.html", "search.html"):
                offline.open(path)
                found = banner_of(offline.page)
                assert found is not None and "Severity 1 incident" in found["text"], path
                feed = offline.page.eval_on_selector(
                    'link[rel="alternate"][type="application/atom+xml"]', "link => link.href"
                )
                assert feed == "https://example.invalid/sphinx-incidents/incidents.atom"
        finally:
            offline.close()


# --- the docs site, once per session ------------------------------------------------------


_DOCS_OUT: dict[str, Path] = {}


def docs_site(tmp_path_factory: pytest.TempPathFactory, theme: str = "furo") -> Path:
    """docs/ built with ``theme`` (once per session and theme)."""
    if theme not in _DOCS_OUT:
        out = tmp_path_factory.mktemp(f"docs-{theme}")
        sphinx_build(DOCS, out, "-D", f"html_theme={theme}")
        _DOCS_OUT[theme] = out
    return _DOCS_OUT[theme]


PAGE_KINDS = {
    "home": "index.html",
    "incident-index": "incidents/index.html",
    "incident-open": "incidents/2026-11-20-api-search-5xx-after-es-upgrade.html",
    "incident-closed": "incidents/2025-01-14-api-search-timeouts-es-heap.html",
    "leads": "leads.html",
    "metrics": "metrics.html",
    "policy": "policy.html",
    "policies": "policies.html",
    "directives": "reference/directives.html",
    "configuration": "reference/configuration.html",
    "readers": "readers.html",
}


@pytest.mark.parametrize("theme", ["furo", "sphinx_rtd_theme"])
def test_screenshots_of_every_page_kind(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, theme: str
) -> None:
    pytest.importorskip(theme)
    out = docs_site(tmp_path_factory, theme)
    shots = screenshots(tmp_path_factory)
    with serve(out) as base:
        offline = OfflinePage(browser, base)
        try:
            for kind, path in PAGE_KINDS.items():
                assert path in html_pages(out), path
                visit = offline.open(path)
                assert visit.mermaid_svg == visit.mermaid, (path, visit)
                assert visit.console_errors == [] and visit.page_errors == [], path
                save(offline.page, shots, f"{theme}-{kind}")
        finally:
            offline.close()


# --- diagrams --------------------------------------------------------------------------------

SIZES = """() => Array.from(document.querySelectorAll('.incident-diagram pre.mermaid svg'))
  .map(svg => {
    const box = svg.getBoundingClientRect();
    const view = svg.viewBox.baseVal;
    return {width: box.width, height: box.height, wanted: box.width * view.height / view.width,
            kind: svg.getAttribute('aria-roledescription')};
  })"""


def test_incident_diagrams_are_as_high_as_their_content(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No 500 px letterbox (sphinxcontrib-mermaid 2.x): the height follows the width."""
    out = docs_site(tmp_path_factory)
    with serve(out) as base:
        offline = OfflinePage(browser, base)
        try:
            seen = set()
            for path in ("policy.html", "leads.html", "metrics.html", PAGE_KINDS["incident-open"]):
                offline.open(path)
                for size in offline.page.evaluate(SIZES):
                    seen.add(size["kind"])
                    assert abs(size["height"] - size["wanted"]) < 2, (path, size)
                    assert size["height"] < 600, (path, size)
        finally:
            offline.close()
    assert {"flowchart-v2", "xychart", "gantt"} <= seen


def months_site(root: Path, months: int) -> Path:
    """One incident a month for ``months`` months, and a page with the metrics."""
    source = root / f"months-{months}"
    records = source / "records"
    records.mkdir(parents=True)
    (source / "conf.py").write_text(
        'project = "Months"\nextensions = ["sphinx_incidents"]\nincidents_dir = "records"\n'
        'incidents_now = "2035-01-01T00:00:00Z"\nincidents_pages = None\n'
        'html_baseurl = "https://months.example.org/"\nexclude_patterns = ["records"]\n'
    )
    (source / "index.rst").write_text("Months\n======\n\n.. incident-metrics::\n")
    for index in range(months):
        year, month = 2020 + index // 12, index % 12 + 1
        day = f"{year:04d}-{month:02d}-10"
        (records / f"{day}-incident-{index}.yaml").write_text(
            f'title: "Incident {index}"\nseverity: {1 + index % 3}\nservices: [api]\n'
            f"detected: {day}T10:00:00Z\ndetected_via: user-report\nrecorded_by: alex\n"
            f'lead: alex\nsummary: "x"\ntimeline:\n  - at: {day}T10:00:00Z\n'
            "    status: stabilization-pending\n"
            f"  - at: {day}T11:00:00Z\n    status: stabilized\n"
        )
    return source


LABELS = """() => {
  const svg = document.querySelector('.incident-month-chart pre.mermaid svg');
  const all = Array.from(svg.querySelectorAll('g.bottom-axis g.label text'));
  const shown = all.filter(t => getComputedStyle(t).display !== 'none');
  const boxes = shown.map(t => t.getBoundingClientRect());
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {total: all.length, texts: shown.map(t => t.textContent),
          rotated: shown.every(t => /rotate\\(-45\\)/.test(t.getAttribute('transform') || '')),
          centres: boxes.map(b => b.left + b.width / 2),
          boxes: boxes.map(b => [b.left, b.right]),
          font: parseFloat(shown[0].getAttribute('font-size')) * scale};
}"""


@pytest.mark.parametrize("months", [6, 24, 120])
def test_month_labels_never_run_into_each_other(
    browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, months: int
) -> None:
    source = months_site(tmp_path, months)
    out = tmp_path / "out"
    sphinx_build(source, out)
    with serve(out) as base:
        offline = OfflinePage(browser, base)
        try:
            visit = offline.open("index.html")
            assert visit.mermaid_svg == visit.mermaid == 1
            labels = offline.page.evaluate(LABELS)
            save(offline.page, screenshots(tmp_path_factory), f"months-{months}")
        finally:
            offline.close()
    assert labels["total"] == months
    texts = labels["texts"]
    assert 2 <= len(texts) <= 24 and texts[0] == "2020-01"
    assert texts == sorted(texts) and len(set(texts)) == len(texts)
    if labels["rotated"]:
        # parallel labels turned 45 degrees: apart by the gap between them times sin 45
        gaps = [b - a for a, b in zip(labels["centres"], labels["centres"][1:], strict=False)]
        assert min(gaps) * 0.707 >= labels["font"] * 0.9, labels
    else:
        assert months <= 8
        for (_, right), (left, _) in zip(labels["boxes"], labels["boxes"][1:], strict=False):
            assert right <= left, labels


PRIVATE_DEMO = "2026-09-08-hateful-comments-towards-a-maintainer"
PRIVATE_TEXT = ("Hateful comments towards a maintainer", "Code of conduct report filed")


def test_the_docs_site_shows_its_private_demo_incident_only_when_built_internally(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``nox -s docs`` leaves the private demo record out; ``nox -s docs-internal`` shows it,
    marked, in the index and on its page."""
    public = docs_site(tmp_path_factory)
    found = [
        str(path.relative_to(public))
        for path in public.rglob("*")
        if path.is_file()
        and ".doctrees" not in path.parts
        and any(m.encode() in path.read_bytes() for m in (PRIVATE_DEMO, *PRIVATE_TEXT))
    ]
    assert found == []
    internal = tmp_path_factory.mktemp("docs-internal")
    sphinx_build(DOCS, internal, "-D", "incidents_include_private=1")
    # the next public build (docs_site) must not find the internal build's stub: it is ours,
    # and the public build removes it; here the internal output is what we look at
    with serve(internal) as base:
        offline = OfflinePage(browser, base)
        try:
            offline.open(f"incidents/{PRIVATE_DEMO}.html")
            assert offline.page.locator("p.incident-private-note").count() == 1
            save(offline.page, screenshots(tmp_path_factory), "internal-private-incident")
            offline.open("incidents/index.html")
            row = offline.page.locator("table.incident-index tr", has_text=PRIVATE_TEXT[0])
            assert row.locator(".incident-private").count() == 1
        finally:
            offline.close()


LONG_URL = "https://grafana.example.org/d/abc/" + "search-errors-" * 20 + "?from=1&to=2"
WIDE_RECORD = f"""\
title: "Search is slow"
severity: 2
services: [api]
detected: 2024-05-20T10:00:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Search was slow."
timeline:
  - at: 2024-05-20T10:00:00Z
    status: stabilization-pending
    note: "The dashboard: {LONG_URL}"
  - at: 2024-05-20T10:20:00Z
    status: stabilized
  - at: 2024-05-20T12:00:00Z
    status: under-investigation
  - at: 2024-05-20T18:00:00Z
    status: resolved
"""

FIT = """() => {
  const table = document.querySelector('table.incident-timeline');
  const box = table.parentElement.getBoundingClientRect();
  const svg = document.querySelector('pre.mermaid svg[aria-roledescription="gantt"]');
  const titles = Array.from(svg.querySelectorAll('.sectionTitle'))
    .map(t => t.getBoundingClientRect().right);
  const bars = Array.from(svg.querySelectorAll('rect.task'))
    .map(r => r.getBoundingClientRect().left);
  const walker = document.createTreeWalker(table.querySelector('tbody td'), NodeFilter.SHOW_TEXT);
  const lines = new Set();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const rect of range.getClientRects()) lines.add(Math.round(rect.top));
  }
  return {table: table.getBoundingClientRect().right, container: box.right,
          timeLines: lines.size,
          titles: Math.max(...titles), bars: Math.min(...bars), count: titles.length};
}"""


def test_long_urls_wrap_and_gantt_titles_stay_left_of_the_bars(
    browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A long URL in a note breaks instead of widening the timeline past the page, and the
    time-per-status chart's section titles ("Stabilization pending") end before its bars."""
    source = tmp_path / "src"
    (source / "records").mkdir(parents=True)
    (source / "records" / "2024-05-20-search-slow.yaml").write_text(WIDE_RECORD)
    (source / "conf.py").write_text(
        'project = "Wide"\nextensions = ["myst_parser", "sphinx_incidents"]\n'
        'html_theme = "furo"\nincidents_dir = "records"\n'
        'incidents_now = "2024-06-01T00:00:00Z"\nmyst_enable_extensions = ["linkify"]\n'
        'html_baseurl = "https://wide.example.org/"\nexclude_patterns = ["records"]\n'
    )
    (source / "index.rst").write_text("Wide\n====\n\n.. toctree::\n\n   incidents/index\n")
    out = tmp_path / "out"
    sphinx_build(source, out)
    with serve(out) as base:
        offline = OfflinePage(browser, base)
        try:
            visit = offline.open("incidents/2024-05-20-search-slow.html")
            assert visit.mermaid_svg == visit.mermaid >= 2
            fit = offline.page.evaluate(FIT)
            save(offline.page, screenshots(tmp_path_factory), "wide-timeline")
        finally:
            offline.close()
    assert fit["table"] <= fit["container"] + 1, fit
    assert fit["timeLines"] == 1, fit  # "2024-05-20 10:00 UTC" on one line
    assert fit["count"] == 3 and fit["titles"] <= fit["bars"], fit
