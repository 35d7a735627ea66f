"""Private records leave no trace in a public build, and show, marked, in an internal one.

Every field of the private records holds a marker (``zqx7<field>9``, a token no stemmer or
escaping changes), the file names included.  The public build is searched byte for byte,
every file of the output (HTML, JavaScript, JSON, ``_sources``, the search index, the feed,
``objects.inv`` decompressed), and ``.doctrees/`` as well: Sphinx's cache is not meant to
be published, but ``sphinx-build -b html SRC OUT`` keeps it inside ``OUT``, and a site that
uploads its whole output folder publishes it.  Then the internal build
(``incidents_include_private``) shows every marker, and marks the incidents as private.
The project has no roster: one would have to list the markers as people, whom the lead
distribution lists whatever the records say (the calendar shows only the roster anyway).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow

PREFIX = b"zqx7"
"""Every marker starts with this: any hit of it in a public build is a leak."""
COMMUNITY = "2024-05-05-zqx7slugone9"  # private through its category (the policy)
EXPLICIT = "2024-05-06-zqx7slugtwo9"  # technical, visibility: private
PUBLIC = "2024-03-01-api-search-timeouts"
OTHER = "2024-04-15-thumbnails-down"

CONF = """\
project = "Privacy"
extensions = ["sphinx_incidents"]
incidents_dir = "records"
incidents_now = "2024-06-01T00:00:00Z"
exclude_patterns = ["_build", "records"]
html_baseurl = "https://privacy.example.org/"
"""
INDEX = """\
Privacy
=======

.. toctree::

   incidents/index
   views

"""
VIEWS = """\
Views
=====

.. incident-table::
   :columns: id, title, severity, status, lead, services, category, time-to-resolve

.. incident-graph::
   :counts:

.. incident-leads::

.. incident-metrics::
"""
PUBLIC_RECORD = f"""\
title: "API search times out"
severity: 2
services: [api]
detected: 2024-03-01T09:12:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Search requests timed out."
related: [{COMMUNITY}, {OTHER}]
timeline:
  - at: 2024-03-01T09:12:00Z
    status: stabilization-pending
  - at: 2024-03-01T14:00:00Z
    status: stabilized
    by: alex
  - at: 2024-03-01T15:00:00Z
    status: under-investigation
  - at: 2024-03-01T16:00:00Z
    status: resolved
follow_ups:
  - title: "Add a timeout"
    url: https://github.com/acme/search/issues/1
    purpose: prevention
    priority: high
"""
OTHER_RECORD = f"""\
title: "Thumbnails are down"
severity: 3
services: [frontend]
detected: 2024-04-15T10:00:00Z
detected_via: user-report
recorded_by: sam
lead: sam
summary: "No thumbnails."
related: [{EXPLICIT}]
timeline:
  - at: 2024-04-15T10:00:00Z
    status: stabilization-pending
  - at: 2024-04-15T12:00:00Z
    status: stabilized
  - at: 2024-04-15T16:00:00Z
    status: under-investigation
  - at: 2024-04-15T18:00:00Z
    status: resolved
follow_ups:
  - title: "Monitor thumbnails"
    url: https://github.com/acme/search/issues/2
    purpose: prevention
"""


def private_record(field: str, **extra: str) -> str:
    """A record whose every field holds a marker ``zqx7<name><field>9``."""

    def m(name: str) -> str:
        return f"zqx7{name}{field}9"

    lines = [
        f'title: "{m("title")}"',
        f"severity: {extra.get('severity', '2')}",
        f"category: {extra.get('category', 'community')}",
        *([f"visibility: {extra['visibility']}"] if "visibility" in extra else []),
        *([f"services: [{extra['services']}]"] if "services" in extra else []),
        "detected: 2024-05-05T08:00:00Z",
        "detected_via: user-report",
        f"recorded_by: {m('recorder')}",
        f"lead: {m('lead')}",
        f'summary: "{m("summary")} **{m("bold")}**"',
        f'impact: "{m("impact")}"',
        f"related: [{PUBLIC}]",
        "timeline:",
        "  - at: 2024-05-05T08:00:00Z",
        "    status: stabilization-pending",
        f"    by: {m('by')}",
        f'    note: "{m("note")}"',
        "  - at: 2024-05-05T09:00:00Z",
        f"    lead: {m('handover')}",
        f'    note: "{m("later")}"',
    ]
    if extra.get("open") != "yes":
        lines += [
            "  - at: 2024-05-05T10:00:00Z",
            "    status: stabilized",
            "  - at: 2024-05-06T10:00:00Z",
            "    status: under-investigation",
            "  - at: 2024-05-07T10:00:00Z",
            "    status: resolved",
            f'    note: "{m("resolved")}"',
            "retrospective:",
            "  date: 2024-05-08",
            f"  host: {m('handover')}",
            f'  root_cause: "{m("cause")}"',
            f'  five_whys: ["{m("why")}"]',
            f'  improvements: ["{m("improve")}"]',
            f"  notes_url: https://{m('notes')}.example.org/retro",
        ]
    lines += [
        "follow_ups:",
        f'  - title: "{m("ticket")}"',
        f"    url: https://tickets.{m('url')}.dev/issues/1",
        "    purpose: prevention",
        "    priority: critical",
        "links:",
        f'  - title: "{m("link")}"',
        f"    url: https://{m('linkurl')}.example.org/",
    ]
    return "\n".join(lines) + "\n"


def make_project(root: Path) -> Path:
    src = root / "src"
    records = src / "records"
    records.mkdir(parents=True)
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(INDEX)
    (src / "views.rst").write_text(VIEWS)
    (records / f"{PUBLIC}.yaml").write_text(PUBLIC_RECORD)
    (records / f"{OTHER}.yaml").write_text(OTHER_RECORD)
    (records / f"{COMMUNITY}.yaml").write_text(private_record("one"))
    (records / f"{EXPLICIT}.yaml").write_text(
        private_record(
            "two",
            category="technical",
            visibility="private",
            services="api",
            severity="1",
            open="yes",
        )
    )
    return src


def build(src: Path, out: Path, *options: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["NO_COLOR"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", *options, str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def published(out: Path) -> dict[str, bytes]:
    """Every file of the output folder, inventories decompressed, Sphinx's cache included
    (``sphinx-build -b html SRC OUT`` keeps it in ``OUT/.doctrees``)."""
    files = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.name == "objects.inv":
            head, _, body = data.partition(b"zlib.\n")
            data = head + zlib.decompress(body)
        files[relative] = data
    return files


def leaks(out: Path) -> dict[str, list[str]]:
    """Files holding any marker, with the markers found (case-insensitively)."""
    found = {}
    for relative, data in published(out).items():
        lower = data.lower()
        if PREFIX in lower:
            words = {
                lower[i : i + 40].split(b"9")[0].decode("ascii", "replace") + "9"
                for i in range(len(lower))
                if lower.startswith(PREFIX, i)
            }
            found[relative] = sorted(words)
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("privacy"))


@pytest.fixture(scope="module")
def public_out(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public")
    build(project, out)
    return out


def test_check_validates_private_records_like_any_other(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx_incidents.cli.main", "check", "--dir",
         str(project / "records"), "--now", "2024-06-01T00:00:00Z"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    broken = project.parent / "broken"
    shutil.copytree(project / "records", broken)
    record = broken / f"{COMMUNITY}.yaml"
    record.write_text(record.read_text().replace("severity: 2", "severity: 7"))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx_incidents.cli.main", "check", "--dir", str(broken)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"{COMMUNITY}.yaml:2:11: INC020" in result.stdout


def test_a_public_build_holds_no_trace_of_private_records(public_out: Path) -> None:
    files = published(public_out)
    # the outputs that could hold one are all there
    for name in (
        "index.html",
        "views.html",
        f"incidents/{PUBLIC}.html",
        "incidents/index.html",
        "incidents.json",
        "incidents.atom",
        "_static/incidents-banner.js",
        "searchindex.js",
        "objects.inv",
        "genindex.html",
        "_sources/views.rst.txt",
        f"_sources/incidents/{PUBLIC}.yaml.txt",  # its record, which names a private one
    ):
        assert name in files, name
    assert leaks(public_out) == {}
    assert not (public_out / "incidents" / f"{COMMUNITY}.html").exists()
    data = json.loads(files["incidents.json"])
    assert [i["id"] for i in data["incidents"]] == [OTHER, PUBLIC]
    # the related link to a private incident shows nothing of it, in neither direction
    page = BeautifulSoup(files[f"incidents/{PUBLIC}.html"], "html.parser")
    related = page.select_one("ul.incident-related")
    assert related is not None and "no such incident" not in related.get_text()
    assert len(related.select("li")) == 1  # the other public incident only
    assert data["incidents"][1]["related"] == [OTHER]
    # "View source" shows the record, without the private incident's id
    source = files[f"_sources/incidents/{PUBLIC}.yaml.txt"].decode()
    assert f"related: [private-incident, {OTHER}]" in source
    # the severity-1 incident open now is private: no banner
    assert "null" in files["_static/incidents-banner.js"].decode()
    # counts leave them out by default
    views = BeautifulSoup(files["views.html"], "html.parser").get_text(" ")
    assert "2 incidents, 0 open" in views


def test_counting_private_records_counts_them_anonymously(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out, "-D", "incidents_count_private=1")
    assert leaks(out) == {}
    views = BeautifulSoup((out / "views.html").read_text(), "html.parser")
    text = views.get_text(" ")
    assert "4 incidents, 1 open" in text
    assert "And 1 open private incident, not listed." in text or (
        "1 open private incident, not listed." in text
    )
    # nothing else changed: no page, row or feed entry
    assert not (out / "incidents" / f"{COMMUNITY}.html").exists()
    assert len(views.select("table.incident-list tbody tr")) == 2


def test_an_internal_build_shows_everything_marked_private(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "internal"
    build(project, out, "-D", "incidents_include_private=1")
    everything = b"\n".join(published(out).values()).lower()
    markers = {
        f"zqx7{name}{field}9"
        for field in ("one", "two")
        for name in ("title", "recorder", "lead", "summary", "bold", "impact", "by", "note",
                     "handover", "later", "ticket", "url", "link", "linkurl")
    }  # fmt: skip
    markers |= {f"zqx7{name}one9" for name in ("resolved", "cause", "why", "improve", "notes")}
    missing = sorted(m for m in markers if m.encode() not in everything)
    assert missing == []
    for incident_id in (COMMUNITY, EXPLICIT):
        page = BeautifulSoup((out / "incidents" / f"{incident_id}.html").read_text(), "html.parser")
        assert page.select_one("p.incident-private-note") is not None
        assert "Visibility" in page.select_one("dl.incident-facts").get_text()
    index = BeautifulSoup((out / "incidents" / "index.html").read_text(), "html.parser")
    rows = index.select("table.incident-index tbody tr")
    marked = [row for row in rows if row.select_one(".incident-private")]
    assert len(rows) == 4 and len(marked) == 2
    views = BeautifulSoup((out / "views.html").read_text(), "html.parser")
    table_rows = views.select("table.incident-list tbody tr")
    assert sum(1 for row in table_rows if row.select(".incident-private")) == 2
    assert all(len(row.select(".incident-private")) <= 1 for row in table_rows)
    data = json.loads((out / "incidents.json").read_text())
    assert {i["id"]: i["visibility"] for i in data["incidents"]}[COMMUNITY] == "private"
    feed = (out / "incidents.atom").read_text()
    assert "[Private] zqx7titleone9" in feed
    banner = (out / "_static" / "incidents-banner.js").read_text()
    assert "zqx7titletwo9" in banner and '"private":true' in banner


def test_pages_naming_a_private_incident_show_nothing_of_it(project: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(project, src)
    (src / "mentions.rst").write_text(
        textwrap.dedent(
            f"""\
            Mentions
            ========

            Role: :incident:`{EXPLICIT}`; explicit: :incident:`the other one <{COMMUNITY}>`.

            .. incident:: {EXPLICIT}

            .. incident-timeline:: {EXPLICIT}

            .. incident-graph::
               :incident: {COMMUNITY}
            """
        )
    )
    (src / "index.rst").write_text(INDEX + "   mentions\n")
    out = tmp_path / "out"
    build(src, out)  # -W: no warning for the private ids
    page = BeautifulSoup((out / "mentions.html").read_text(), "html.parser")
    body = page.select_one("[role=main]") or page
    text = " ".join(body.get_text().split())
    assert "zqx7" not in text.lower()
    assert "Role: a private incident; explicit: the other one." in text
    assert not body.select("a[href*=zqx7]")
    assert len(body.select("pre.mermaid")) == 1  # the graph, without any incident's path


@pytest.mark.parametrize("rebuild", [[], ["-E"]], ids=["incremental", "fresh-environment"])
def test_flipping_a_record_to_private_removes_every_trace(
    project: Path, tmp_path: Path, rebuild: list[str]
) -> None:
    """A record made private leaves nothing in an output folder that once published it,
    whether the rebuild is incremental or starts a new environment (``-E``): Sphinx keeps
    the words of pages it no longer writes in the search index unless told otherwise."""
    src = tmp_path / "src"
    shutil.copytree(project, src)
    record = src / "records" / f"{COMMUNITY}.yaml"
    record.write_text(
        record.read_text().replace("category: community", "category: community\nvisibility: public")
    )
    out = tmp_path / "out"
    build(src, out)
    assert (out / "incidents" / f"{COMMUNITY}.html").is_file()
    assert any(b"zqx7titleone9" in data for data in published(out).values())
    record.write_text(record.read_text().replace("visibility: public", "visibility: private"))
    build(src, out, *rebuild)
    assert leaks(out) == {}
    assert not (out / "incidents" / f"{COMMUNITY}.html").exists()
    assert not (out / "_sources" / "incidents" / f"{COMMUNITY}.rst.txt").exists()


def test_a_public_build_over_an_internal_one_leaves_nothing_of_it(
    project: Path, tmp_path: Path
) -> None:
    """Building the internal site and then the public one into the same folder (a mistake,
    but an easy one) publishes nothing of the private records."""
    out = tmp_path / "out"
    build(project, out, "-D", "incidents_include_private=1")
    assert (out / "incidents" / f"{COMMUNITY}.html").is_file()
    build(project, out)
    assert leaks(out) == {}
