"""Links in record text (summary, impact, notes, root cause): documents, incidents, URLs.

The ``links`` test root has a record whose text links every way the reference allows; the
tests check where each link lands, in HTML and in the other builders, and that a link that
cannot be followed is a warning at the record's ``file:line``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st
from sphinx.testing.util import SphinxTestApp

from sphinx_incidents.sphinxext.markdown import RecordText, TextSource
from sphinx_incidents.sphinxext.record_links import (
    DocTarget,
    External,
    IncidentTarget,
    Refused,
    classify,
)

RECORD = "records/2024-03-01-api-outage.yaml"
PAGE = "incidents/2024-03-01-api-outage.html"
SUFFIXES = {".rst": "restructuredtext", ".md": "markdown"}


@pytest.fixture
def project(rootdir: Path, tmp_path: Path) -> Path:
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-links", srcdir)
    return srcdir


def _links(app: SphinxTestApp, section: str) -> list[tuple[str, str]]:
    html = (Path(app.outdir) / PAGE).read_text(encoding="utf-8")
    found = BeautifulSoup(html, "html.parser").find(id=f"incident-2024-03-01-api-outage-{section}")
    assert found is not None, section
    return [
        (a.get_text(), a["href"])
        for a in found.find_all("a")
        if "headerlink" not in (a.get("class") or [])
    ]


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("https://example.org/x?y#z", "incidents", External("https://example.org/x?y#z")),
        ("incident:2024-01-01-a", "incidents", IncidentTarget("2024-01-01-a")),
        ("/meta/runbook", "incidents", DocTarget("meta/runbook", None)),
        ("/meta/runbook.md", "incidents", DocTarget("meta/runbook", None)),
        ("/meta/runbook.rst#step-2", "x", DocTarget("meta/runbook", "step-2")),
        ("../runbook.md", "meta/incidents", DocTarget("meta/runbook", None)),
        ("runbook", "meta/incidents", DocTarget("meta/incidents/runbook", None)),
        ("runbook", "", DocTarget("runbook", None)),
        ("/meta/", "incidents", DocTarget("meta/index", None)),
    ],
)
def test_where_a_link_points(href: str, base: str, expected: object) -> None:
    assert classify(href, base, SUFFIXES) == expected


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:image/png;base64,AAAA",
        "mailto:someone@example.org",
        "file:///etc/passwd",
        "//evil.example.org/x",
        "incident:",
        "#only-a-fragment",
        "../../outside",
        "/doc?query=1",
    ],
)
def test_links_that_are_refused(href: str) -> None:
    assert isinstance(classify(href, "incidents", SUFFIXES), Refused)


MARKDOWNISH = st.text(
    alphabet=st.sampled_from(list("[]()<>{}`*_#!:/.-\\ \naz09")) | st.characters()
)


@given(MARKDOWNISH)
def test_no_href_crashes_classify(href: str) -> None:
    classify(href, "incidents", SUFFIXES)


@given(MARKDOWNISH)
def test_no_text_crashes_the_renderer(text: str) -> None:
    config = SimpleNamespace(source_suffix=SUFFIXES, myst_enable_extensions=["linkify"])
    env: Any = SimpleNamespace(config=config, docname="")
    RecordText(env, "incidents").render(text, TextSource("r.yaml", 3))


@pytest.mark.sphinx("html", testroot="links", copy_test_root=True)
def test_record_text_links_to_documents_incidents_and_urls(app: SphinxTestApp) -> None:
    app.build()
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    incident = "2024-03-05-db-slow.html#incident-2024-03-05-db-slow"
    assert _links(app, "summary") == [
        # absolute, with and without the suffix, relative to the incident pages' folder
        ("the runbook", "../runbooks/response.html"),
        ("its source", "../runbooks/response.html"),
        ("a relative link", "../runbooks/response.html"),
        # a MyST heading slug
        ("escalation section", "../runbooks/response.html#escalation-policy"),
        # the role and the link, with the incident's title when the text is empty
        ("Database slow", incident),
        ("the slow database", incident),
        ("Database slow", incident),
        # {doc} (the title of the document), {ref}, {doc} with an explicit title
        ("Guide", "../guide.html"),
        ("Deploys", "../guide.html#deploys"),
        ("the guide", "../guide.html"),
        # linkify is on in conf.py
        ("https://status.example.org/incidents/1", "https://status.example.org/incidents/1"),
    ]
    assert _links(app, "impact") == [
        ("the dashboard", "https://grafana.example.org/d/api"),
        ("https://example.org/auto", "https://example.org/auto"),
    ]
    # a note in the timeline: an explicit target by name, and the role with a title
    assert _links(app, "timeline")[:2] == [
        ("paging", "../runbooks/response.html#paging"),
        ("the last one", incident),
    ]
    assert _links(app, "retrospective") == [("deploys", "../guide.html#deploys")]
    # the same incident: link works on the site's own MyST pages
    index = BeautifulSoup((Path(app.outdir) / "index.html").read_text("utf-8"), "html.parser")
    outage = index.find("a", string="the outage")
    assert outage is not None
    assert outage["href"] == "incidents/2024-03-01-api-outage.html#incident-2024-03-01-api-outage"


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml", "latex", "text", "json"])
def test_record_text_links_resolve_in_every_builder(builder: str, project: Path, make_app) -> None:
    app = make_app(builder, srcdir=project)
    app.build()
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    out = Path(app.outdir)
    if builder == "dirhtml":
        page = (out / "incidents/2024-03-01-api-outage/index.html").read_text("utf-8")
        assert 'href="../../runbooks/response/#escalation-policy"' in page
    elif builder == "singlehtml":
        page = (out / "index.html").read_text("utf-8")
        # as Sphinx writes any cross-document :ref: in singlehtml (9.0: "#document-x#y")
        assert re.search(r'href="#(document-runbooks/response)?#?escalation-policy"', page)
    elif builder == "latex":
        tex = next(out.glob("*.tex")).read_text("utf-8")
        assert r"\sphinxhref{https://grafana.example.org/d/api}{the dashboard}" in tex
        assert "runbooks/response:escalation-policy" in tex
    elif builder == "text":
        text = (out / "incidents/2024-03-01-api-outage.txt").read_text("utf-8")
        assert "the slow database" in text and "escalation section" in text
    else:
        body = (out / "incidents/2024-03-01-api-outage.fjson").read_text("utf-8")
        assert "../runbooks/response/#escalation-policy" in body


BAD_SUMMARY = """\
summary: |
  [gone](/runbooks/nope), [no incident](incident:2099-01-01-nope),
  [no heading](/runbooks/response#nowhere), [mail](mailto:a@example.org),
  [data](data:image/png;base64,AAAA), {foo}`bar`, {doc}`https://example.org`,
  and {ref}`no-such-label`. <b>bold</b>
"""


def test_unresolved_links_warn_at_the_record_line(project: Path, make_app) -> None:
    record = project / RECORD
    text = record.read_text(encoding="utf-8")
    start = text.index("summary: |")
    end = text.index("impact:")
    record.write_text(text[:start] + BAD_SUMMARY + text[end:], encoding="utf-8")
    line = text[:start].count("\n") + 1
    app = make_app("html", srcdir=project)
    app.build()
    warnings = app.warning.getvalue()
    where = re.escape(f"{RECORD}:{line}: WARNING: ")
    for message in (
        r"unknown document: '/runbooks/nope'",
        r"unknown incident id '2099-01-01-nope'",
        r"no heading or target 'nowhere' in document 'runbooks/response'",
        r"link 'mailto:a@example.org' is not allowed.*shown as text",
        r"link 'data:image/png;base64,AAAA' is not allowed",
        r"role \{foo\} is not available in record text",
        r"\{doc\}: 'https://example.org' is not a document",
        r"undefined label: 'no-such-label'",
    ):
        assert re.search(where + message, warnings), (message, warnings)
    page = BeautifulSoup((Path(app.outdir) / PAGE).read_text("utf-8"), "html.parser")
    summary = page.find(id="incident-2024-03-01-api-outage-summary")
    assert summary is not None
    shown = summary.get_text()
    # text that could not become a link is still there, and markup stays text
    for text_shown in ("gone", "mail", "data", "{foo}`bar`", "<b>bold</b>"):
        assert text_shown in shown
    assert not summary.find("b")
    hrefs = [a["href"] for a in summary.find_all("a") if a.get("href")]
    assert not [h for h in hrefs if h.startswith(("mailto:", "data:", "javascript:"))]


def test_bare_urls_stay_text_without_linkify(project: Path, make_app) -> None:
    app = make_app("html", srcdir=project, confoverrides={"myst_enable_extensions": []})
    app.build()
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    hrefs = [href for _, href in _links(app, "summary")]
    assert "https://status.example.org/incidents/1" not in hrefs
    # a CommonMark autolink <...> is a link either way
    assert ("https://example.org/auto", "https://example.org/auto") in _links(app, "impact")
