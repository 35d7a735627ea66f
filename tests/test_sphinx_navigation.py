"""Navigation that scales: year pages, and incident pages out of the toctree above
``incidents_navigation_limit``, with previous/next links within the year.

Incremental builds of both layouts (and across the limit) are compared with clean builds in
test_sphinx_incremental.py; the build's speed is measured in bench/build_bench.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from sphinx_incidents.sphinxext.layout import year_name

# the index's (and each year's) order: open ones first, then the newest
ORDER = [
    "2024-05-20-search-slow",
    "2024-05-02-escaping-test",
    "2024-04-15-thumbnails-down",
    "2024-04-02-wp-plugin-broken",
    "2024-03-20-catalog-duplicates",
    "2024-03-05-frontend-blank-pages",
    "2024-03-01-api-search-timeouts",
]
OLDER = "2023-12-30-an-older-one"


@pytest.fixture
def project(rootdir: Path, tmp_path: Path) -> Path:
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-backbone", srcdir)
    return srcdir


def add_older(srcdir: Path) -> None:
    """A record of 2023, so that there are two years."""
    text = (srcdir / "records" / f"{ORDER[-1]}.yaml").read_text(encoding="utf-8")
    text = text.replace("API search times out", "An older incident")
    (srcdir / "records" / f"{OLDER}.yaml").write_text(
        text.replace("2024-03-01", "2023-12-30"), encoding="utf-8"
    )


def soup(app: SphinxTestApp, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / name).read_text(encoding="utf-8"), "html.parser")


def build(make_app: Any, srcdir: Path, builder: str = "html", **conf: object) -> SphinxTestApp:
    app: SphinxTestApp = make_app(builder, srcdir=srcdir, confoverrides=conf)
    app.build()
    warnings = app.warning.getvalue()
    assert "WARNING" not in warnings and "ERROR" not in warnings, warnings
    return app


def furo_links(page: BeautifulSoup) -> dict[str, tuple[str, str]]:
    """furo's previous/next links: kind -> (href, title)."""
    links = {}
    for kind in ("prev", "next"):
        link = page.select_one(f"a.{kind}-page")
        if link is not None:
            links[kind] = (link["href"], link.select_one(".title").get_text(" ", strip=True))
    return links


def sidebar(page: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".sidebar-tree a")]


def test_year_names_cannot_be_an_incident_id() -> None:
    assert year_name(2024) == "2024/index"  # ids hold no "/"
    with pytest.raises(ValueError):
        year_name(999)


def test_above_the_limit_navigation_shows_the_years_only(project: Path, make_app: Any) -> None:
    pytest.importorskip("furo")
    add_older(project)
    app = build(make_app, project, html_theme="furo", incidents_navigation_limit=3)
    # the stubs: orphans, a page per year, the index's toctree lists the years
    stub = (project / "incidents" / f"{ORDER[0]}.rst").read_text(encoding="utf-8")
    assert "\n:orphan:\n" in stub
    assert app.env.toctree_includes["incidents/index"] == [
        "incidents/2024/index",
        "incidents/2023/index",
    ]
    assert "incidents/2024/index" not in app.env.toctree_includes
    # furo's sidebar, the same on every page: the years, no incident title
    page = soup(app, f"incidents/{ORDER[2]}.html")
    assert sidebar(page) == ["Incidents", "2024", "2023", "About", "References", "Tables"]
    assert sidebar(soup(app, "about.html")) == sidebar(page)
    # previous/next: the neighbours in the year's order
    assert furo_links(page) == {
        "prev": (
            f"{ORDER[1]}.html",
            '<script>alert(1)</script> "><img src=x onerror=alert(1)> A-->B[evil]',
        ),
        "next": (f"{ORDER[3]}.html", "WordPress plugin broken"),
    }
    assert "<script>alert(1)</script>" not in str(page.select_one("a.prev-page"))  # escaped
    # the first one of a year follows its year page; the last one has no next
    first = furo_links(soup(app, f"incidents/{ORDER[0]}.html"))
    assert first["prev"] == ("2024/index.html", "Incidents in 2024")
    assert "next" not in furo_links(soup(app, f"incidents/{ORDER[-1]}.html"))
    older = furo_links(soup(app, f"incidents/{OLDER}.html"))
    assert older == {"prev": ("2023/index.html", "Incidents in 2023")}
    # the year page: that year's incidents, in the index's order
    year = soup(app, "incidents/2024/index.html")
    assert year.find("h1").get_text(strip=True).startswith("Incidents in 2024")
    rows = [a["href"] for a in year.select("table.incident-index a.reference")]
    assert rows == [f"../{i}.html#incident-{i}" for i in ORDER]
    assert "7 incidents detected in 2024 (UTC), 2 open" in year.get_text(" ")
    assert not year.select(".incident-years")
    # the index: every incident, and the years with their counts
    index = soup(app, "incidents/index.html")
    assert len(index.select("table.incident-index a.reference")) == 8
    years = index.select_one("p.incident-years")
    assert years.get_text(" ", strip=True) == "By year: 2024 (7) · 2023 (1)"
    assert [a["href"] for a in years.select("a")] == ["2024/index.html", "2023/index.html"]


def test_at_most_the_limit_navigation_lists_every_incident(project: Path, make_app: Any) -> None:
    pytest.importorskip("furo")
    app = build(make_app, project, html_theme="furo")  # 7 incidents, the limit is 100
    stub = (project / "incidents" / f"{ORDER[0]}.rst").read_text(encoding="utf-8")
    assert ":orphan:" not in stub
    assert app.env.toctree_includes["incidents/2024/index"] == [f"incidents/{i}" for i in ORDER]
    page = soup(app, f"incidents/{ORDER[2]}.html")
    shown = sidebar(page)
    assert shown[:3] == ["Incidents", "2024", "Search is slow"] and len(shown) == 2 + 7 + 3
    # previous/next are Sphinx's own: the same neighbours
    assert furo_links(page)["next"] == (f"{ORDER[3]}.html", "WordPress plugin broken")


def test_no_limit_keeps_every_incident_in_the_toctree(project: Path, make_app: Any) -> None:
    app = build(make_app, project, incidents_navigation_limit=None)
    assert len(app.env.toctree_includes["incidents/2024/index"]) == 7


def test_alabaster_relations_and_breadcrumbs_of_an_orphan(project: Path, make_app: Any) -> None:
    """alabaster's default sidebars show the parents and previous/next, as Sphinx does for
    a page in a toctree."""
    app = build(make_app, project, html_theme="alabaster", incidents_navigation_limit=0)
    relations = soup(app, f"incidents/{ORDER[3]}.html").select_one("div.relations")
    text = relations.get_text(" ", strip=True)
    assert re.search(r"Documentation overview\s+Incidents\s+Incidents in 2024", text), text
    assert [a["href"] for a in relations.select("a")][-2:] == [
        f"{ORDER[2]}.html",
        f"{ORDER[4]}.html",
    ]


def test_classic_relation_bar_of_an_orphan(project: Path, make_app: Any) -> None:
    classic = build(make_app, project, html_theme="classic", incidents_navigation_limit=0)
    bar = soup(classic, f"incidents/{ORDER[3]}.html").select_one("div.related")
    hrefs = [a["href"] for a in bar.select("a")]
    assert f"{ORDER[4]}.html" in hrefs and f"{ORDER[2]}.html" in hrefs
    assert "2024/index.html" in hrefs  # the parent


def test_one_document_builders_keep_every_incident(project: Path, make_app: Any) -> None:
    """singlehtml (and LaTeX, EPUB) follow the toctree: orphans would be missing."""
    app = build(make_app, project, "singlehtml", incidents_navigation_limit=0)
    page = soup(app, "index.html")
    for incident_id in ORDER:
        assert page.find(id=f"incident-{incident_id}") is not None, incident_id
    stub = (project / "incidents" / f"{ORDER[0]}.rst").read_text(encoding="utf-8")
    assert ":orphan:" not in stub


def test_a_year_option_is_four_digits(project: Path, make_app: Any) -> None:
    (project / "tables.rst").write_text(
        "Tables\n======\n\n.. incident-index::\n   :year: 24\n\n"
        ".. incident-index::\n   :year: 2024\n",
        encoding="utf-8",
    )
    app = make_app("html", srcdir=project)
    app.build()
    assert re.search(r"tables\.rst:4: ERROR: .*four digits", app.warning.getvalue(), re.DOTALL)
    assert len(soup(app, "tables.html").select("table.incident-index tbody tr")) == 7


def test_written_pages_still_get_smart_quotes(project: Path, make_app: Any) -> None:
    """Generated incident pages skip the smart-quotes pass (their text is shown as written);
    the setting is put back for the pages read after them."""
    (project / "zz.rst").write_text(
        ':orphan:\n\nQuotes\n======\n\nShe said "hello" -- twice.\n', encoding="utf-8"
    )
    app = build(make_app, project)
    page = soup(app, "zz.html").get_text()
    assert "“hello”" in page and "\u2013" in page
    title = soup(app, "incidents/2024-05-02-escaping-test.html").find("h1").get_text()
    assert '"><img' in title  # record text exactly as written


def test_nothing_to_smarten() -> None:
    from docutils import nodes
    from docutils.utils import new_document

    from sphinx_incidents.sphinxext.smartquotes import nothing_to_smarten

    document = new_document("stub")
    document += nodes.comment("", "generated")
    page = nodes.section(support_smartquotes=False)
    page += nodes.paragraph("", '"as written"')
    document += page
    assert nothing_to_smarten(document)
    document += nodes.paragraph("", '"smarten me"')
    assert not nothing_to_smarten(document)
    assert not nothing_to_smarten(new_document("empty"))


def test_generated_index_pages_need_no_smart_quotes() -> None:
    from docutils import nodes
    from docutils.utils import new_document

    from sphinx_incidents.sphinxext.smartquotes import nothing_to_smarten

    def page(title: str) -> nodes.document:
        document = new_document("index")
        section = nodes.section()
        section += nodes.title(title, title)
        section += nodes.paragraph("", "7 incidents", support_smartquotes=False)
        document += section
        return document

    assert nothing_to_smarten(page("Incidents in 2024"))
    assert not nothing_to_smarten(page("Don't"))
    assert not nothing_to_smarten(page("A -- B"))
