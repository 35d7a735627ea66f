"""The view directives: incident-table, -graph, -timeline, -leads, -metrics, -policy.

The ``views`` test root (tests/roots/test-views) has seven records (a recurrence, a lead
handover, a reclassification, two open incidents, non-UTC offsets, a title full of
characters to escape) and uses every directive and option twice: in MyST (``md/``) and in
reStructuredText (``rst/``).  HTML and text are built once per module; the text output of
each page is compared with a snapshot in tests/snapshots/views/ (``UPDATE_SNAPSHOTS=1``
rewrites them).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from sphinx.testing.util import SphinxTestApp

SNAPSHOTS = Path(__file__).parent / "snapshots" / "views"
PAGES = ["table", "graph", "timeline", "leads", "metrics", "policy"]
FLAVOURS = ["md", "rst"]
ESCAPING = "2024-03-28-escaping"


@dataclass
class Built:
    """What a finished build left behind (the app itself is cleaned up at once, so that
    other tests can create their own Sphinx applications)."""

    outdir: Path
    warnings: str


def _build(rootdir: Path, tmp: Path, buildername: str) -> Built:
    srcdir = tmp / "src"
    shutil.copytree(rootdir / "test-views", srcdir)
    app = SphinxTestApp(buildername, srcdir=srcdir, freshenv=True)
    try:
        app.build()
        return Built(Path(app.outdir), app.warning.getvalue())
    finally:
        app.cleanup()


@pytest.fixture(scope="module")
def html_app(rootdir: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(rootdir, tmp_path_factory.mktemp("views-html"), "html")


@pytest.fixture(scope="module")
def text_app(rootdir: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(rootdir, tmp_path_factory.mktemp("views-text"), "text")


def page(app: Built | SphinxTestApp, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / name).read_text(encoding="utf-8"), "html.parser")


def rows(table: Tag) -> list[list[Tag]]:
    return [tr.find_all("td") for tr in table.select("tbody > tr")]


def column(table: Tag, index: int) -> list[str]:
    return [cells[index].get_text(" ", strip=True) for cells in rows(table)]


def sort_values(table: Tag, index: int) -> list[str]:
    return [
        cells[index].select_one("[data-sort-value]")["data-sort-value"] for cells in rows(table)
    ]


def headers(table: Tag) -> list[str]:
    return [th.get_text(strip=True) for th in table.select("thead th")]


# --- HTML ---------------------------------------------------------------------------------


def test_html_build_is_clean_and_ships_the_sort_script(html_app: Built) -> None:
    assert "WARNING" not in html_app.warnings, html_app.warnings
    out = Path(html_app.outdir)
    script = (out / "_static" / "sphinx-incidents.js").read_text(encoding="utf-8")
    assert "aria-sort" in script and "data-sort-value" in script
    for flavour in FLAVOURS:
        soup = page(html_app, f"{flavour}/table.html")
        assert soup.find("script", src=re.compile(r"_static/sphinx-incidents\.js"))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_table_default_filters_sort_limit(html_app: Built, flavour: str) -> None:
    tables = page(html_app, f"{flavour}/table.html").select("table.incident-sortable")
    assert len(tables) == 5
    default, severe_open, api, alex, by_severity = tables

    # the title links to the page; the long id is shown only when asked for (issue 16)
    assert headers(default) == ["Title", "Severity", "Status", "Lead", "Detected (UTC)"]
    assert len(rows(default)) == 7
    detected = [int(v) for v in sort_values(default, 4)]
    assert detected == sorted(detected, reverse=True)
    assert "incident-sorted-4-desc" in default["class"]
    first = rows(default)[0]
    link = first[0].find("a")
    assert link is not None and "incidents/2024-05-29-reclassification.html#" in link["href"]
    assert link.get_text(strip=True) == "Frontend shows a blank page on Safari"
    assert "2024-05-29-reclassification" not in default.get_text()
    assert first[1].select_one(".incident-badge.incident-sev-2")  # reclassified 3 -> 1 -> 2
    assert first[2].select_one(".incident-badge.incident-status-under-investigation")
    assert column(default, 4)[-1] == "2024-03-29 01:30 UTC"  # written at -02:00

    caption = severe_open.find("caption").find("span", class_="caption-text")
    assert caption.get_text() == "Severe open incidents"
    assert column(severe_open, 0) == [
        "Frontend shows a blank page on Safari",
        "Harmful images reported in search results",
    ]

    assert headers(api) == [
        "ID",
        "Title",
        "Services",
        "Category",
        "Time to stabilize",
        "Time to resolve",
        "Recurrences",
    ]
    assert column(api, 0) == [ESCAPING, "2024-05-14-rotation-lead", "2024-05-08-lead-handover"]
    # with a title column, the id is code, and the title the link
    assert rows(api)[0][0].find("a") is None and rows(api)[0][0].find("code")
    assert rows(api)[0][1].find("a") is not None
    assert column(api, 5) == ["4 d 7 h", "6 d 8 h", "7 d 3 h"]
    assert sort_values(api, 5) == sorted(sort_values(api, 5), key=int)

    # lead matches anyone who led (alex handed over to blair), limited to the two newest
    assert column(alex, 0) == ["2024-05-08-lead-handover", "2024-05-02-recurrence"]
    assert rows(alex)[0][0].find("a") is not None  # no title column: the id is the link
    assert column(alex, 1) == ["Blair Example (@blair)", "Alex Example (@alex)"]  # as on pages

    levels = [int(v) for v in sort_values(by_severity, 1)]
    assert levels == sorted(levels) and levels[0] == 1 and len(levels) == 7


def test_table_escapes_record_text(html_app: Built) -> None:
    soup = page(html_app, "md/table.html")
    assert soup.find("img") is None and soup.find("b") is None
    text = soup.get_text()
    assert 'Search "quotes" <b>bold</b> & A"] --> X[<img src=x onerror=alert(1)>' in text


BLAIR = 'https://github.com/blair-example?tab="x"&y=<z>'


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_people_link_to_their_roster_profile(html_app: Built, flavour: str) -> None:
    """Blair has a profile url in the roster: every place that names Blair links to it."""
    table = page(html_app, f"{flavour}/table.html").select("table.incident-sortable")[3]
    links = [a for cells in rows(table) for a in cells[1].find_all("a")]
    assert [(a.get_text(), a["href"]) for a in links] == [("Blair Example (@blair)", BLAIR)]
    timeline = page(html_app, f"{flavour}/timeline.html").select("table.incident-timeline")[1]
    handover = [cells[4] for cells in rows(timeline) if cells[4].get_text(strip=True) != "—"]
    assert [a["href"] for a in handover[0].find_all("a")] == [BLAIR]
    leads = page(html_app, f"{flavour}/leads.html").select_one("table.incident-leads")
    assert [a["href"] for a in leads.select("a.incident-person")] == [BLAIR]


def test_incident_page_links_people(html_app: Built) -> None:
    soup = page(html_app, "incidents/2024-05-08-lead-handover.html")
    facts = soup.select_one("dl.incident-facts")
    lead = next(
        dd
        for dt, dd in zip(facts.find_all("dt"), facts.find_all("dd"), strict=True)
        if dt.get_text(strip=True).startswith("Lead")
    )
    assert lead.get_text(" ", strip=True).startswith("Blair Example (@blair) , after a handover")
    assert [a["href"] for a in lead.find_all("a")] == [BLAIR]
    index = page(html_app, "incidents/index.html").select_one("table.incident-index")
    leads = {cells[0].get_text(strip=True): cells[3] for cells in rows(index)}
    handover = next(cell for title, cell in leads.items() if "audio waveform" in title)
    assert handover.get_text(strip=True) == "Blair Example (@blair)"
    assert [a["href"] for a in handover.find_all("a")] == [BLAIR]
    raw = (Path(html_app.outdir) / "incidents/2024-05-08-lead-handover.html").read_text()
    assert 'href="https://github.com/blair-example?tab=&quot;x&quot;&amp;y=&lt;z&gt;"' in raw


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_graph(html_app: Built, flavour: str) -> None:
    soup = page(html_app, f"{flavour}/graph.html")
    graphs = [pre.get_text() for pre in soup.select("pre.mermaid")]
    assert len(graphs) == 4
    plain, path, counts, both = graphs
    assert all("flowchart LR" in g for g in graphs)
    assert "linkStyle" not in plain and 'x"|' not in plain
    # the recurrence incident's path: numbered steps, the moves back are highlighted
    assert '-->|"#35;1, #35;3, #35;7"|' in path
    assert '-->|"#35;6"|' in path  # resolved -> stabilization-pending: a recurrence
    assert "2 recurrences" in soup.get_text()
    assert '-->|"8x"|' in counts and '-->|"0x"|' in counts
    assert '-->|"#35;1 8x"|' in both
    caption = soup.select_one("p.incident-caption")
    assert caption is not None and caption.get_text() == "Transitions taken"
    for graph in graphs:
        assert "<" not in graph and "[<" not in graph
    assert soup.find("img") is None


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_timeline(html_app: Built, flavour: str) -> None:
    soup = page(html_app, f"{flavour}/timeline.html")
    events = soup.select("table.incident-timeline")
    assert len(events) == 5
    recurrence, handover, reclassified, offsets, escaping = events
    assert len(rows(recurrence)) == 11
    assert column(recurrence, 2).count("Stabilization pending (recurrence)") == 2
    assert column(recurrence, 1)[0] == "at detection"
    assert "Alex Example (@alex) → Blair Example (@blair)" in column(handover, 4)
    assert "3 → 1 · Critical" in column(reclassified, 3)
    assert column(offsets, 0) == [
        "2024-05-21 09:12 UTC",
        "2024-05-21 10:42 UTC",
        "2024-05-21 11:00 UTC",
        "2024-05-22 09:30 UTC",
    ]
    note = rows(escaping)[0][5]
    assert note.find("strong").get_text() == "bold"
    assert note.find("script") is None and "<script>alert(1)</script>" in note.get_text()
    assert note.find("a")["href"] == "https://example.org/x"

    gantts = [pre.get_text() for pre in soup.select("pre.mermaid")]
    assert len(gantts) == 5 and all("gantt" in g for g in gantts)
    first = gantts[0]
    assert first.count("section ") == 4
    # the section titles get room of their own (Mermaid's 75 px put them under the bars)
    padding = re.search(r'"leftPadding": (\d+)', first.strip().splitlines()[0])
    titles = [line.split("section ", 1)[1] for line in first.splitlines() if "section " in line]
    assert padding and int(padding.group(1)) >= 6 * max(len(title) for title in titles) > 75
    assert first.count(":crit, ") == 2  # the two recurrences: repeated, marked bars
    assert "visit 3 (2 h) :crit, v0n3, 2024-05-12T09:00:00+00:00, 2024-05-12T11:00:00+00:00" in (
        first
    )
    assert ":active, " in gantts[2]  # open: the current status runs until now
    assert "2024-05-21T09:12:00+00:00" in gantts[3]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_leads(html_app: Built, flavour: str) -> None:
    soup = page(html_app, f"{flavour}/leads.html")
    all_time, since = soup.select("table.incident-leads")
    assert headers(all_time)[:3] == ["Person", "Led", "Sev 1 (Critical)"]
    people = column(all_time, 0)
    assert people[0] == "Alex Example (@alex)" and people[-1] == "Emery Example (@emery)"
    assert column(all_time, 1) == ["2", "1", "2", "2", "1"]  # the handover counts for both
    assert column(all_time, 5)[0] == "2024-05-08"
    assert column(since, 5)[:3] == ["never", "never", "never"]
    next_leads = soup.select("p.incident-next-lead")
    assert len(next_leads) == 2
    assert "Alex Example (@alex)" in next_leads[0].get_text()
    assert "emery led the latest incident" in next_leads[0].get_text()
    assert "a handover counts for both" in soup.get_text()
    assert "Fairness:" in soup.select_one("p.incident-fairness").get_text()
    charts = [pre.get_text() for pre in soup.select("pre.mermaid")]
    assert len(charts) == 2 and "xychart-beta" in charts[0]
    assert "bar [2, 1, 2, 2, 1]" in charts[0]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_metrics(html_app: Built, flavour: str) -> None:
    soup = page(html_app, f"{flavour}/metrics.html")
    table = soup.select_one("table.incident-metrics")
    assert column(table, 0) == ["1 · Critical", "2 · Major", "3 · Minor", "All"]
    assert column(table, 1) == ["1", "4", "2", "7"]
    assert column(table, 2) == ["0", "2", "0", "2"]
    assert column(table, 3) == ["0", "2", "0", "2"]
    (chart,) = [pre.get_text() for pre in soup.select("pre.mermaid")]
    assert "xychart-beta" in chart and '"2024-04"' in chart  # months are zero-filled
    assert "bar [1, 0, 6]" in chart and "bar [1, 0, 0]" in chart
    assert soup.select_one("p.incident-legend")
    assert soup.select_one("table.incident-months") is None  # HTML shows the chart
    open_links = soup.select("ul.incident-open-list a")
    assert [a["href"].rsplit("/", 1)[-1].split("#")[0] for a in open_links] == [
        "2024-05-27-community-report.html",
        "2024-05-29-reclassification.html",
    ]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_policy(html_app: Built, flavour: str) -> None:
    soup = page(html_app, f"{flavour}/policy.html")
    assert len(soup.select("table.incident-severities")) == 2
    assert len(soup.select("table.incident-statuses")) == 2
    assert len(soup.select("table.incident-steps")) == 2
    assert len(soup.select("pre.mermaid")) == 2
    steps = soup.select_one("table.incident-steps")
    assert column(steps, 0)[0] == "1. Record"
    assert column(steps, 2)[0] == "Stabilization pending or Stabilized"
    statuses = soup.select_one("table.incident-statuses")
    assert "moving back here is a recurrence" in column(statuses, 3)[0]


# --- other builders -------------------------------------------------------------------------


@pytest.mark.sphinx("latex", testroot="views", copy_test_root=True, freshenv=True)
def test_latex_build_has_no_warnings(app: SphinxTestApp) -> None:
    app.build()
    assert app.warning.getvalue() == "", app.warning.getvalue()
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert "Stabilization pending" in tex and "mermaid" not in tex.lower()


def test_text_build_has_no_warnings(text_app: Built) -> None:
    assert text_app.warnings == "", text_app.warnings


def normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", PAGES)
def test_text_snapshot(text_app: Built, flavour: str, name: str) -> None:
    actual = normalised((Path(text_app.outdir) / flavour / f"{name}.txt").read_text("utf-8"))
    snapshot = SNAPSHOTS / f"{flavour}-{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
    if not snapshot.exists():
        pytest.fail(f"no snapshot {snapshot}; run with UPDATE_SNAPSHOTS=1 to write it")
    assert actual == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_myst_and_rst_render_alike(text_app: Built, name: str) -> None:
    out = Path(text_app.outdir)
    md = (out / "md" / f"{name}.txt").read_text("utf-8").replace("(MyST)", "(reST)")
    assert md == (out / "rst" / f"{name}.txt").read_text("utf-8")


# --- bad option values ----------------------------------------------------------------------

BAD_MD = """\
---
orphan: true
---
# Bad

```{incident-table}
:severity: 1, 7
:columns: id, bogus
:sort: sideways
:limit: -1
:since: 2024-13-01
```

```{incident-graph}
:incident: no-such-incident
```

```{incident-timeline} no-such-incident
```

```{incident-leads}
:since: yesterday
```

```{incident-policy}
:part: everything
```
"""

BAD_RST = """\
:orphan:

Bad
===

.. incident-table::
   :category: weather
   :service: moon
   :status: nope
   :lead: zed
"""


@pytest.mark.sphinx("html", testroot="views", srcdir="views-bad", freshenv=True)
def test_bad_option_values_warn_at_the_directive(app: SphinxTestApp) -> None:
    srcdir = Path(app.srcdir)
    (srcdir / "bad.md").write_text(BAD_MD, encoding="utf-8")
    (srcdir / "bad-rst.rst").write_text(BAD_RST, encoding="utf-8")
    app.build()
    warnings = app.warning.getvalue()
    expected = [
        ("bad.md:6", "unknown level '7'; allowed: 1, 2, 3"),
        ("bad-rst.rst:6", "unknown value 'nope'; allowed: stabilization-pending, stabilized"),
        ("bad.md:6", "unknown column 'bogus'; allowed: id, title, severity"),
        ("bad.md:6", "unknown sort column 'sideways'"),
        ("bad.md:6", ":limit: '-1' is not a positive whole number"),
        ("bad.md:6", ":since: '2024-13-01' is not a date"),
        ("bad.md:14", "unknown incident id 'no-such-incident'"),
        ("bad.md:18", "unknown incident id 'no-such-incident'"),
        ("bad.md:21", ":since: 'yesterday' is not a date"),
        ("bad.md:25", ":part: unknown value 'everything'; allowed: severities, statuses"),
        ("bad-rst.rst:6", "unknown value 'weather'; allowed: technical, community"),
        ("bad-rst.rst:6", "unknown value 'moon'; allowed: frontend, api, catalog"),
        ("bad-rst.rst:6", "unknown value 'zed'; allowed: alex, blair, casey, devi, emery"),
    ]
    lines = warnings.splitlines()
    for location, message in expected:
        assert any(
            location in line and message in line and "[incidents.directive]" in line
            for line in lines
        ), (location, message, warnings)
    # still rendered: the valid part of the query (severity 1) with the default columns
    soup = page(app, "bad.html")
    table = soup.select_one("table.incident-sortable")
    assert table is not None and headers(table)[0] == "ID"
    assert soup.select("table.incident-severities")  # a bad :part: renders everything
    assert column(table, 0) == [ESCAPING]
    empty = page(app, "bad-rst.html").select_one("p.incident-table-empty")
    assert empty is not None and empty.get_text() == "No incidents match."


def test_leads_sentences_count_right() -> None:
    """ "1 incidents" and "an even split among 1 people" were the directive's grammar."""
    from datetime import UTC, datetime

    from sphinx_incidents.core.analytics import LeadReport, LeadRow
    from sphinx_incidents.sphinxext.directives.leads import fairness

    def report(incidents: int, people: int) -> str:
        rows = [LeadRow(f"p{n}", f"p{n}", led_total=incidents) for n in range(people)]
        result = LeadReport(
            rows,
            datetime(2024, 1, 1, tzinfo=UTC),
            None,
            incidents,
            (1,),
            None,
            "",
            1.0,
            ("p0",),
            None,
            None,
        )
        return fairness(result).astext()

    assert report(1, 1) == (
        "Fairness: the busiest lead (@p0) led 100% of the one incident; one person leading "
        "everything is the only split (100% = one person led everything)."
    )
    assert "led 100% of the 3 incidents; an even split among 2 people would be 50% each" in (
        report(3, 2)
    )


def test_gantt_axis_labels_are_unique_per_tick() -> None:
    """Mermaid ticks several times a day on a chart of a few days: the day alone repeated
    ("02-26 02-26 02-27"), so such charts show the hour too."""
    from datetime import timedelta

    from sphinx_incidents.sphinxext.directives.timeline import axis_format

    assert axis_format(timedelta(hours=30)) == "%H:%M"
    assert axis_format(timedelta(days=3)) == "%m-%d %H:%M"
    assert axis_format(timedelta(days=7, hours=23)) == "%m-%d %H:%M"
    assert axis_format(timedelta(days=20)) == "%m-%d"
