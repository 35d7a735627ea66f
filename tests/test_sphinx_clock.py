"""Builds do not depend on the clock unless the project fixes "now" itself.

Without ``incidents_now`` a page never shows the build's "now": durations up to now, "days
since", the ongoing bar of an open incident and "(future)" markers are written as
timestamps that ``sphinx-incidents.js`` completes in the reader's browser (the browser
side is tested in test_browser_clock.py).  So the same sources built a year apart give
byte-identical output, and a rebuild a year later re-reads nothing.

The clock is moved by replacing :func:`sphinx_incidents.core.clock.system_now`, the only
place the extension reads it, or by changing ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from sphinx_incidents.core import clock

FIRST = datetime(2024, 6, 1, tzinfo=UTC)
A_YEAR_LATER = FIRST + timedelta(days=366)
OPEN = "2024-05-29-reclassification"  # open; its last event is 2024-05-30 (stale by June)


@pytest.fixture
def project(rootdir: Path, tmp_path: Path) -> Path:
    """The views test root (every directive, two open incidents) with the default clock."""
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-views", srcdir)
    conf = srcdir / "conf.py"
    lines = conf.read_text(encoding="utf-8").splitlines()
    conf.write_text(
        "\n".join(line for line in lines if not line.startswith("incidents_now")) + "\n",
        encoding="utf-8",
    )
    return srcdir


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(clock, "system_now", lambda: moment)


def build(srcdir: Path, builddir: Path, **kwargs: object) -> tuple[list[str], str, str]:
    """Build HTML in this process, as ``sphinx-build -W`` would (a warning fails the build);
    the documents Sphinx read, its messages and its warnings."""
    read: list[str] = []
    app = SphinxTestApp(
        "html",
        srcdir=srcdir,
        builddir=builddir,
        warningiserror=True,
        **kwargs,  # type: ignore[arg-type]
    )
    try:
        app.connect("env-before-read-docs", lambda app, env, docnames: read.extend(docnames))
        app.build()
        assert app.statuscode == 0
        return sorted(read), app.status.getvalue(), app.warning.getvalue()
    finally:
        app.cleanup()


def output(builddir: Path) -> dict[str, bytes]:
    """Every file of the HTML output (the doctree cache aside), by relative path."""
    out = builddir / "html"
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and ".doctrees" not in path.relative_to(out).parts
    }


MOVES: dict[str, Callable[[pytest.MonkeyPatch, datetime], None]] = {
    "clock": set_clock,
    "SOURCE_DATE_EPOCH": lambda mp, moment: mp.setenv(
        "SOURCE_DATE_EPOCH", str(int(moment.timestamp()))
    ),
}


@pytest.mark.parametrize("move", list(MOVES))
def test_a_year_later_nothing_is_reread_and_the_output_is_identical(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, move: str
) -> None:
    set_clock(monkeypatch, FIRST)
    MOVES[move](monkeypatch, FIRST)
    first_read, _, _ = build(project, tmp_path / "incremental")
    assert len(first_read) > 10
    first = output(tmp_path / "incremental")
    stubs = {p: p.read_bytes() for p in (project / "incidents").rglob("*") if p.is_file()}

    set_clock(monkeypatch, A_YEAR_LATER)
    MOVES[move](monkeypatch, A_YEAR_LATER)
    again_read, messages, warnings = build(project, tmp_path / "incremental")
    assert again_read == []
    # the clock did move: the open incidents are stale, which -W does not fail on
    assert f"{OPEN}.yaml:20: INC044 [warning] open, and the last event is 367.6" in messages
    assert warnings == ""
    assert output(tmp_path / "incremental") == first
    assert {p: p.read_bytes() for p in (project / "incidents").rglob("*") if p.is_file()} == stubs

    # a clean build a year later writes exactly the same files
    build(project, tmp_path / "clean", freshenv=True)
    clean = output(tmp_path / "clean")
    assert sorted(clean) == sorted(first)
    assert [name for name in first if clean[name] != first[name]] == []


def test_pages_show_timestamps_for_the_browser_not_the_build_time(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_clock(monkeypatch, FIRST)
    build(project, tmp_path / "b")
    out = tmp_path / "b" / "html"

    def soup(name: str) -> BeautifulSoup:
        return BeautifulSoup((out / name).read_text(encoding="utf-8"), "html.parser")

    # no "as of <build time>", nowhere
    for name in ("md/leads.html", "md/metrics.html", f"incidents/{OPEN}.html"):
        assert "as of" not in soup(name).get_text(), name
        assert "2024-06-01" not in soup(name).get_text(), name
    # metrics: "open for" is computed in the browser; without it, the detection time shows
    metrics = soup("md/metrics.html")
    opened = metrics.select("ul.incident-open-list time.incident-elapsed")
    assert [t["datetime"] for t in opened] == ["2024-05-27T16:00:00Z", "2024-05-29T14:00:00Z"]
    assert {t["data-incident-elapsed"] for t in opened} == {", open for {}"}
    assert "detected 2024-05-29 14:00 UTC, still open" in metrics.get_text()
    # leads: days since, from the last time someone led; the next lead by the reader's week
    leads = soup("md/leads.html")
    days = leads.select("table.incident-leads time.incident-elapsed")
    assert days[0]["datetime"] == "2024-05-08T09:00:00Z"
    assert days[0]["data-incident-unit"] == "days" and days[0].get_text() == "since 2024-05-08"
    block = leads.select_one("div.incident-by-week")
    assert block is not None
    assert json.loads(block["data-incident-weeks"])["2024-05-27"] == "emery"
    default = block.select_one("div.incident-week-default")
    assert default is not None and "support rotation runner" in default.get_text()
    variants = {
        v["data-incident-runner"]: v.get_text(" ", strip=True)
        for v in block.select("div.incident-week-variant[hidden]")
    }
    assert set(variants) == {"", "alex", "blair", "casey", "devi", "emery"}
    assert "Next lead: Blair Example (@blair)" in variants["blair"]
    assert "emery led the latest incident" in variants["emery"]
    # the open incident's page: the ongoing bar is marked for the browser to extend
    page = soup(f"incidents/{OPEN}.html")
    chart = next(p.get_text() for p in page.select("pre.mermaid") if "gantt" in p.get_text())
    lines = [line.strip() for line in chart.splitlines()]
    ongoing = lines[lines.index("%% incidents-ongoing") + 1]
    assert ongoing.startswith("visit 1 (ongoing) :active,")
    assert "%% incidents-axis 2024-05-29T14:00:00Z" in lines
    moments = page.select("table.incident-timeline time.incident-moment")
    assert moments and all(m["data-incident-future"] == " (future)" for m in moments)
    assert "(future)" not in page.get_text()
    # incidents.json: no build time either
    data = json.loads((out / "incidents.json").read_text(encoding="utf-8"))
    assert data["now"] is None


def test_the_text_builder_shows_the_absolute_times(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_clock(monkeypatch, FIRST)
    app = SphinxTestApp("text", srcdir=project, builddir=tmp_path / "t")
    try:
        app.build()
    finally:
        app.cleanup()
    out = tmp_path / "t" / "text"
    timeline = (out / "incidents" / f"{OPEN}.txt").read_text(encoding="utf-8")
    assert "since 2024-05-30 10:00 UTC (ongoing)" in timeline
    leads = (out / "md" / "leads.txt").read_text(encoding="utf-8")
    assert "support rotation runner of the current week" in leads
    assert "Blair Example (@blair), because" not in leads  # the variants are HTML-only


def test_a_fixed_incidents_now_is_used_as_written(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project asked for that instant: pages compute from it, in the build."""
    set_clock(monkeypatch, A_YEAR_LATER)
    build(project, tmp_path / "b", confoverrides={"incidents_now": "2024-06-01T00:00:00Z"})
    out = tmp_path / "b" / "html"
    metrics = BeautifulSoup((out / "md" / "metrics.html").read_text("utf-8"), "html.parser")
    assert "as of 2024-06-01 00:00 UTC" in metrics.get_text()
    assert not metrics.select("time.incident-elapsed")
    assert "open for 2 d 10 h" in metrics.get_text()  # 2024-05-29 14:00 -> 06-01 00:00
    data = json.loads((out / "incidents.json").read_text(encoding="utf-8"))
    assert data["now"] == "2024-06-01T00:00:00Z"
