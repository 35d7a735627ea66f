"""The Sphinx layer's machinery: setup, warnings, pages, domain, role, escaping, builders.

Incremental and parallel correctness live in test_sphinx_incremental.py.
"""

from __future__ import annotations

import gc
import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

INCIDENTS = [
    "2024-03-01-api-search-timeouts",
    "2024-03-05-frontend-blank-pages",
    "2024-03-20-catalog-duplicates",
    "2024-04-02-wp-plugin-broken",
    "2024-04-15-thumbnails-down",
    "2024-05-02-escaping-test",
    "2024-05-20-search-slow",
]


@pytest.fixture
def project(rootdir: Path, tmp_path: Path) -> Path:
    """A private copy of the backbone test root, free to modify before building."""
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-backbone", srcdir)
    return srcdir


def soup(app: SphinxTestApp, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / name).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.sphinx("html", testroot="backbone", copy_test_root=True)
def test_setup_metadata_and_mermaid(app: SphinxTestApp) -> None:
    extension = app.extensions["sphinx_incidents"]
    assert extension.parallel_read_safe is True
    assert extension.parallel_write_safe is True
    assert "sphinxcontrib.mermaid" in app.extensions
    assert app.config.incidents_pages == "incidents"


@pytest.mark.sphinx("html", testroot="backbone", copy_test_root=True)
def test_html_pages_index_role_and_json(app: SphinxTestApp) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert "WARNING" not in warnings, warnings
    out = Path(app.outdir)
    for incident_id in INCIDENTS:
        assert (out / "incidents" / f"{incident_id}.html").is_file()
    page = soup(app, "incidents/2024-03-01-api-search-timeouts.html")
    assert page.find("h1").get_text().startswith("API search times out")
    facts = page.select_one("dl.incident-facts").get_text(" ")
    assert "Resolved" in facts and "Alex Example" in facts
    # rotation-inferred lead is shown as such
    rotation = soup(app, "incidents/2024-03-05-frontend-blank-pages.html")
    assert "from the rotation" in rotation.select_one("dl.incident-facts").get_text(" ")
    # index: open incidents first, then newest first
    index = soup(app, "incidents/index.html")
    linked = [a["href"].split("#")[0] for a in index.select("table.incident-index a.reference")]
    assert linked[:2] == ["2024-05-20-search-slow.html", "2024-05-02-escaping-test.html"]
    assert linked[2] == "2024-04-15-thumbnails-down.html"
    assert len(linked) == len(INCIDENTS)
    # the role links with the incident title as text; explicit titles are kept
    refs = soup(app, "refs.html")
    links = {a.get_text(): a["href"] for a in refs.select("a.reference.internal")}
    assert links["API search times out"].startswith("incidents/2024-03-01-api-search-timeouts.html")
    assert links["the escaping test"].startswith("incidents/2024-05-02-escaping-test.html")
    # incident pages are real documents: in the search index and, at most
    # incidents_navigation_limit of them, the toctree, grouped by year
    searchindex = (out / "searchindex.js").read_text(encoding="utf-8")
    assert "incidents/2024-03-01-api-search-timeouts" in searchindex
    assert app.env.toctree_includes["incidents/index"] == ["incidents/2024/index"]
    assert (
        "incidents/2024-03-01-api-search-timeouts"
        in app.env.toctree_includes["incidents/2024/index"]
    )
    data = json.loads((out / "incidents.json").read_text(encoding="utf-8"))
    by_id = {entry["id"]: entry for entry in data["incidents"]}
    assert set(by_id) == set(INCIDENTS)
    assert by_id["2024-03-01-api-search-timeouts"]["time_to_resolve_seconds"] == 6.8 * 3600
    assert by_id["2024-05-20-search-slow"]["open"] is True
    # generated stubs are ignored by git
    assert (Path(app.srcdir) / "incidents" / ".gitignore").read_text().splitlines()[-1] == "*"


@pytest.mark.sphinx("html", testroot="backbone", copy_test_root=True)
def test_untrusted_text_is_escaped(app: SphinxTestApp) -> None:
    app.build()
    html = (Path(app.outdir) / "incidents" / "2024-05-02-escaping-test.html").read_text("utf-8")
    page = BeautifulSoup(html, "html.parser")
    main = page.select_one("section.incident-page") or page.select_one("[id^=incident-]")
    assert main is not None
    # no element the record could have injected
    assert not main.find_all("script")
    assert not main.find_all("img")
    assert not main.find_all("b")
    assert all(not a.get("href", "").startswith("javascript:") for a in page.find_all("a"))
    assert not any(tag.has_attr("onerror") for tag in page.find_all(True))
    text = main.get_text()
    assert "<script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(1)> A-->B[evil]' in text  # exactly as written
    assert "<b>not bold</b>" in text
    assert "<script>alert('summary')</script>" in text
    for graph in page.select("pre.mermaid"):
        source = graph.get_text()
        assert "<script" not in source and "evil" not in source and "pwned" not in source


def test_unknown_incident_role_warns_with_location(project: Path, make_app) -> None:
    (project / "refs.rst").write_text(
        "References\n==========\n\nSee :incident:`2099-01-01-nope`.\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=project)
    app.build()
    assert re.search(
        r"refs\.rst:4: WARNING: unknown incident id '2099-01-01-nope' \[ref\.incident\]",
        app.warning.getvalue(),
    )


def test_an_old_incident_id_suggests_the_new_one(project: Path, make_app) -> None:
    """After a record is renamed, a page still naming the old id is told the new one."""
    (project / "refs.rst").write_text(
        "References\n==========\n\nSee :incident:`2024-03-01-api-search-timeout`.\n",
        encoding="utf-8",
    )
    app = make_app("html", srcdir=project)
    app.build()
    assert re.search(
        r"refs\.rst:4: WARNING: unknown incident id '2024-03-01-api-search-timeout' "
        r"\(did you mean '2024-03-01-api-search-timeouts'\?\) \[ref\.incident\]",
        app.warning.getvalue(),
    )


def _break_record(srcdir: Path) -> None:
    record = srcdir / "records" / "2024-03-01-api-search-timeouts.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(
        text.replace("    status: stabilized\n", "    status: resolved\n", 1), encoding="utf-8"
    )


def test_record_problems_warn_on_every_build(project: Path, make_app) -> None:
    _break_record(project)
    app = make_app("html", srcdir=project)
    app.build()
    pattern = re.compile(
        r"records/2024-03-01-api-search-timeouts\.yaml:13: WARNING: INC023 transition "
        r"stabilization-pending -> resolved is not in the policy graph.*\[incidents\.inc023\]"
    )
    assert pattern.search(app.warning.getvalue()), app.warning.getvalue()
    # an incremental build with nothing changed still reports it (so -W keeps failing)
    again = make_app("html", srcdir=project)
    again.build()
    assert pattern.search(again.warning.getvalue())
    assert "0 added, 0 changed, 0 removed" in again.status.getvalue()
    # suppress_warnings works per code
    quiet = make_app(
        "html",
        srcdir=project,
        confoverrides={"suppress_warnings": ["incidents.inc023", "incidents.inc044"]},
    )
    quiet.build()
    assert "INC023" not in quiet.warning.getvalue()


@pytest.mark.parametrize(
    "builder", ["html", "dirhtml", "singlehtml", "json", "pickle", "latex", "text", "epub"]
)
def test_every_builder_writes_incident_pages(builder: str, make_app, project: Path) -> None:
    # default settings; EPUB3 only asks for a version and a copyright
    metadata = {"version": "1.0", "copyright": "the authors"}
    app = make_app(builder, srcdir=project, confoverrides=metadata)
    app.build()
    warnings = app.warning.getvalue()
    assert "WARNING" not in warnings and "ERROR" not in warnings, warnings
    out = Path(app.outdir)
    if builder == "html":
        assert (out / "incidents/2024-03-01-api-search-timeouts.html").is_file()
    elif builder == "dirhtml":
        assert (out / "incidents/2024-03-01-api-search-timeouts/index.html").is_file()
    elif builder == "singlehtml":
        assert "API search times out" in (out / "index.html").read_text("utf-8")
    elif builder == "latex":
        tex = next(out.glob("*.tex")).read_text("utf-8")
        assert "API search times out" in tex and "Status path" in tex
    elif builder in ("json", "pickle"):
        suffix = ".fjson" if builder == "json" else ".fpickle"
        page = out / "incidents" / f"2024-03-01-api-search-timeouts{suffix}"
        assert page.is_file()
        if builder == "json":
            body = json.loads(page.read_text("utf-8"))["body"]
            assert "API search times out" in body and 'class="mermaid' in body
    elif builder == "epub":
        xhtml = (out / "incidents/2024-03-01-api-search-timeouts.xhtml").read_text("utf-8")
        # e-book readers rarely run scripts: the status path is its table, not Mermaid source
        assert "API search times out" in xhtml and "Status path" in xhtml
        assert 'class="mermaid' not in xhtml
        assert not (out / "_static" / "mermaid").exists()
    else:
        text = (out / "incidents" / "2024-03-01-api-search-timeouts.txt").read_text("utf-8")
        assert "API search times out" in text and "Timeline" in text


def _build_watching_the_freeze(srcdir: Path, **overrides: object) -> tuple[list[int], int]:
    """Build in this process; the freeze counts seen while documents are read and written,
    and the one left after the build."""
    seen: list[int] = []
    app = SphinxTestApp("html", srcdir=srcdir, confoverrides=overrides)
    try:
        app.connect("doctree-read", lambda app, doctree: seen.append(gc.get_freeze_count()))
        app.connect("html-page-context", lambda *args: seen.append(gc.get_freeze_count()))
        app.build()
    finally:
        app.cleanup()
    return seen, gc.get_freeze_count()


def test_the_heap_is_frozen_during_the_build_and_thawed_after(project: Path) -> None:
    during, after = _build_watching_the_freeze(project)
    assert during and all(count > 0 for count in during)
    assert after == 0


def test_incidents_freeze_gc_false_leaves_the_collector_alone(project: Path) -> None:
    during, after = _build_watching_the_freeze(project, incidents_freeze_gc=False)
    assert during and all(count == 0 for count in during)
    assert after == 0


def test_a_freeze_made_by_someone_else_is_left_in_place(project: Path) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        _, after = _build_watching_the_freeze(project)
        # still frozen (reference counting may have freed a few of those objects)
        assert after > frozen * 0.9
    finally:
        gc.unfreeze()
