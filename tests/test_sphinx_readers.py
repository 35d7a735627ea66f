"""What a build gives people who follow incidents without the site: the Atom feed, the
banner's data and the rotation calendar, each parsed back by an independent reader
(``feedparser``, ``icalendar``) and written only when it changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import feedparser
import icalendar
import pytest
from bs4 import BeautifulSoup

from sphinx_incidents.core.ical import rotation_horizon, rotation_ics, rotation_weeks
from sphinx_incidents.core.model import Person, Roster, RotationCycle, RotationWeek

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent / "roots" / "test-backbone"
BASE = "https://backbone.example.org/docs/"
RECORD = "2024-03-01-api-search-timeouts"


def build(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["NO_COLOR"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", *args, str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def src(tmp_path: Path) -> Path:
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy)
    return copy


def stamp(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# --- the feed ----------------------------------------------------------------------------------


def test_the_feed_is_valid_atom_with_one_entry_per_incident(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(src, out, "-W")
    data = json.loads((out / "incidents.json").read_text())
    feed = feedparser.parse((out / "incidents.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == BASE + "incidents.atom"
    assert feed.feed.title == "backbone incidents"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": BASE + "incidents.atom", "alternate": BASE + "incidents/index.html"}
    assert feed.feed.author == "backbone"
    assert len(feed.entries) == len(data["incidents"]) == 7
    for entry in feed.entries:
        assert entry.id == entry.link and entry.link.startswith(BASE + "incidents/")
        assert entry.title and entry.summary and entry.updated and entry.published
        assert {tag.term for tag in entry.tags} & {"severity-1", "severity-2", "severity-3"}
    # newest update first; the feed's own updated is the newest entry's, never the clock
    updated = [entry.updated_parsed for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.feed.updated == feed.entries[0].updated
    entry = next(e for e in feed.entries if e.id.endswith(f"/{RECORD}.html"))
    assert entry.title == "API search times out"
    assert entry.updated == "2024-03-01T16:00:00Z"  # its latest event
    assert entry.published == "2024-03-01T09:12:00Z"
    assert "Severity 2 (Major), Resolved (closed)" in entry.summary
    assert "2024-03-01 16:00 UTC: Resolved" in entry.summary
    # record text is text: the hostile record's markup is in the title as written
    hostile = next(e for e in feed.entries if "escaping" in e.id)
    assert hostile.title_detail.type == "text/plain"
    assert hostile.title.startswith("<script>alert(1)</script>")
    # every page links the feed
    for page in ("index.html", "about.html", f"incidents/{RECORD}.html", "search.html"):
        head = BeautifulSoup((out / page).read_text(), "html.parser").head
        link = head.find("link", rel="alternate", type="application/atom+xml")
        assert link is not None and link["href"] == BASE + "incidents.atom", page


def test_the_feed_changes_only_with_its_content_and_keeps_its_ids(
    src: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build(src, out)
    feed = out / "incidents.atom"
    first = stamp(feed)
    ids = [entry.id for entry in feedparser.parse(feed.read_bytes()).entries]
    build(src, out)  # nothing changed
    assert stamp(feed) == first
    build(src, out, "-E")  # a new environment: same bytes, file left alone
    assert stamp(feed) == first
    path = src / "records" / f"{RECORD}.yaml"
    resolved = "  - at: 2024-03-01T16:00:00Z\n    status: resolved"
    path.write_text(path.read_text().replace(resolved, resolved + '\n    note: "Fixed for good."'))
    build(src, out)
    assert feed.read_bytes() != first[0]
    again = feedparser.parse(feed.read_bytes())
    assert sorted(entry.id for entry in again.entries) == sorted(ids)
    assert "Fixed for good." in next(e for e in again.entries if RECORD in e.id).summary
    # a clean build elsewhere gives the same bytes (no clock, no build path)
    other = tmp_path / "other"
    shutil.copytree(src, tmp_path / "src2", ignore=shutil.ignore_patterns("incidents"))
    build(tmp_path / "src2", other)
    assert (other / "incidents.atom").read_bytes() == feed.read_bytes()


def test_without_html_baseurl_there_is_a_located_warning_and_no_feed(
    src: Path, tmp_path: Path
) -> None:
    conf = src / "conf.py"
    lines = [line for line in conf.read_text().splitlines() if "html_baseurl" not in line]
    conf.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = build(src, out)
    warning = re.search(r"^(\S+): WARNING: incidents_feed: html_baseurl is not set.*$",
                        result.stderr, re.M)  # fmt: skip
    assert warning is not None, result.stderr
    assert warning.group(1) == f"{conf}:2"  # the line that turns the extension on
    assert warning.group(0).endswith("[incidents.feed]")
    assert result.stderr.count("incidents_feed:") == 1
    assert not (out / "incidents.atom").exists()
    head = BeautifulSoup((out / "index.html").read_text(), "html.parser").head
    assert head.find("link", rel="alternate") is None
    index = BeautifulSoup((out / "incidents" / "index.html").read_text(), "html.parser")
    follow = index.select_one("p.incident-follow")
    assert follow is not None and [a["href"] for a in follow.select("a")] == ["../rotation.ics"]
    # and turning the feed off is quiet
    conf.write_text(conf.read_text() + "incidents_feed = False\n")
    quiet = build(src, tmp_path / "quiet", "-W")
    assert "incidents_feed" not in quiet.stderr


# --- the banner's data ------------------------------------------------------------------------


def banner_data(out: Path) -> object:
    text = (out / "_static" / "incidents-banner.js").read_text()
    match = re.search(r"\}\)\((.*)\);\n$", text, re.S)
    assert match is not None, text
    return json.loads(match.group(1))


def test_the_banner_script_is_the_same_url_on_every_page_and_only_its_data_changes(
    src: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build(src, out)
    assert banner_data(out) is None  # the open incidents are severity 3; the default is 2
    for page in ("index.html", "about.html", "incidents/index.html", f"incidents/{RECORD}.html"):
        soup = BeautifulSoup((out / page).read_text(), "html.parser")
        sources = [s["src"] for s in soup.find_all("script", src=True)]
        prefix = "../" if "/" in page else ""
        assert f"{prefix}_static/incidents-banner.js" in sources, sources  # no ?v= query
        assert any(s.startswith(f"{prefix}_static/sphinx-incidents-banner.js") for s in sources)
    about = out / "about.html"
    before = stamp(about)
    # the open incident is reclassified to severity 1: the data changes, no page is written
    path = src / "records" / "2024-05-20-search-slow.yaml"
    path.write_text(path.read_text() + "  - at: 2024-05-20T15:00:00Z\n    severity: 1\n")
    build(src, out)
    assert stamp(about) == before
    data = banner_data(out)
    assert isinstance(data, dict) and data["count"] == 1 and data["project"] == "backbone"
    first = data["incidents"][0]
    assert first["url"] == "incidents/2024-05-20-search-slow.html" and first["severity"] == 1
    assert first["since"] == "2024-05-20 10:00 UTC" and first["status"] == "Stabilized"
    # severity 3 counts as severe in this build: the hostile record's title is data too
    conf = src / "conf.py"
    conf.write_text(conf.read_text() + "incidents_banner_severity = 3\n")
    build(src, out)
    data = banner_data(out)
    assert isinstance(data, dict) and data["count"] == 2
    text = (out / "_static" / "incidents-banner.js").read_text()
    assert "<" not in text.split("(function", 1)[1]  # record text cannot close a tag
    assert "\\u003cscript\\u003e" in text
    # closing it: the banner's data changes; the pages say what they said (the index's new
    # order rewrites the pages for their navigation, see pages.updated_docs)
    before = stamp(about)
    path.write_text(
        path.read_text()
        + "  - at: 2024-05-21T14:00:00Z\n    status: under-investigation\n"
        + "  - at: 2024-05-22T14:00:00Z\n    status: resolved\n"
    )
    build(src, out)
    assert about.read_bytes() == before[0]
    data = banner_data(out)
    assert isinstance(data, dict) and data["count"] == 1
    assert data["incidents"][0]["url"] == "incidents/2024-05-02-escaping-test.html"
    # and none at all: no scripts
    conf.write_text(conf.read_text() + "incidents_banner_severity = None\n")
    build(src, out)
    assert "incidents-banner" not in about.read_text()


# --- the rotation calendar --------------------------------------------------------------------


def test_rotation_ics_is_a_calendar_of_the_roster_s_weeks(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(src, out)
    data = (out / "rotation.ics").read_bytes()
    assert data.endswith(b"END:VCALENDAR\r\n") and b"\r\n" in data
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == "backbone support rotation"
    events = list(calendar.walk("VEVENT"))
    assert [(e["DTSTART"].dt, str(e["SUMMARY"])) for e in events] == [
        (date(2024, 2, 26), "Support rotation: Sam Sample (@sam)"),
        (date(2024, 3, 4), "Support rotation: Kim Kimura (@kim)"),
        (date(2024, 4, 1), "Support rotation: Alex Example (@alex)"),
    ]
    for event in events:
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is date and end - start == timedelta(days=7)  # all-day, a week
        assert (
            str(event["UID"]) == f"{start.isoformat()}-backbone-support-rotation@sphinx-incidents"
        )
        stamped = event["DTSTAMP"].dt  # the week's Monday at midnight UTC: from the data
        assert stamped.replace(tzinfo=None) == datetime(start.year, start.month, start.day)
        assert str(event["URL"]) == BASE
    # the command line prints the same calendar
    cli = subprocess.run(
        [sys.executable, "-m", "sphinx_incidents.cli.main", "leads", "--ics", "--dir",
         str(src / "records"), "--policy", str(src / "policy.yaml"),
         "--calendar-name", "backbone support rotation"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == data.replace(b"URL:" + BASE.encode() + b"\r\n", b"")
    # unchanged roster and records: the file is left alone
    before = stamp(out / "rotation.ics")
    build(src, out)
    assert stamp(out / "rotation.ics") == before
    # no rotation: no calendar, and no link to one
    roster = src / "records" / "_roster.yaml"
    roster.write_text(roster.read_text().split("rotation:")[0])
    build(src, out)
    assert not (out / "rotation.ics").exists()
    index = (out / "incidents" / "index.html").read_text()
    assert "rotation.ics" not in index


def test_the_horizon_runs_52_weeks_past_the_last_listed_week_or_the_latest_incident() -> None:
    roster = Roster(
        "r",
        rotation=[RotationWeek(date(2024, 1, 1), "ana"), RotationWeek(date(2024, 1, 15), "bo")],
    )
    assert rotation_horizon(roster) == (date(2024, 1, 1), date(2024, 1, 15) + timedelta(weeks=52))
    assert rotation_horizon(Roster("r")) is None
    weeks = rotation_weeks(roster)
    assert weeks == [(date(2024, 1, 1), "ana"), (date(2024, 1, 15), "bo")]  # only weeks with one


def test_calendar_text_is_escaped_and_folded() -> None:
    name = "Ana; the \\ support, lead " + "é" * 60  # a roster name is untrusted text
    roster = Roster("r", people=[Person("ana", name)])
    text = rotation_ics([(date(2024, 1, 1), "ana")], roster, "Rotation")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))
    assert str(event["SUMMARY"]) == f"Support rotation: {name} (@ana)"


def test_a_repeating_cycle_runs_52_weeks_past_its_last_override() -> None:
    """The roster's cycle (``start`` + ``order``) and overrides: the calendar asks
    :meth:`Roster.runner_for` week by week, whatever the roster says."""
    roster = Roster(
        "r",
        cycle=RotationCycle(date(2025, 1, 6), ["ana", "bo", "cy"]),
        overrides=[RotationWeek(date(2025, 3, 3), "dee")],
    )
    weeks = rotation_weeks(roster)
    assert weeks[0] == (date(2025, 1, 6), "ana") and weeks[1] == (date(2025, 1, 13), "bo")
    assert (date(2025, 3, 3), "dee") in weeks
    assert weeks[-1][0] == date(2025, 3, 3) + timedelta(weeks=52)
    assert len(weeks) == 8 + 1 + 52  # every week from the start has a runner
    text = rotation_ics(weeks, roster, "Cycle")
    events = list(icalendar.Calendar.from_ical(text).walk("VEVENT"))
    assert len(events) == len(weeks) == len({str(e["UID"]) for e in events})


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml", "json", "epub", "text"])
def test_other_builders(src: Path, tmp_path: Path, builder: str) -> None:
    """A website (dirhtml) gets the feed and the calendar with its own addresses; one
    single page gets the banner only; json, epub and text get none of them."""
    out = tmp_path / builder
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", builder, str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[incidents" not in result.stderr, result.stderr  # (epub warns of its own settings)
    written = {name: (out / name).exists() for name in ("incidents.atom", "rotation.ics")}
    banner = (out / "_static" / "incidents-banner.js").exists()
    if builder == "dirhtml":
        assert written == {"incidents.atom": True, "rotation.ics": True} and banner
        feed = feedparser.parse((out / "incidents.atom").read_bytes())
        assert not feed.bozo
        assert {e.link for e in feed.entries} >= {f"{BASE}incidents/{RECORD}/"}
        index = BeautifulSoup((out / "incidents" / "index.html").read_text(), "html.parser")
        links = [a["href"] for a in index.select("p.incident-follow a")]
        assert links == ["../incidents.atom", "../rotation.ics"]  # incidents/index is incidents/
    elif builder == "singlehtml":
        assert written == {"incidents.atom": False, "rotation.ics": False} and banner
    else:
        assert written == {"incidents.atom": False, "rotation.ics": False} and not banner
