"""Who provides Mermaid: the site's own sphinxcontrib-mermaid configuration, or our bundle.

The ``mermaid`` test root is a site with its own ```` ```mermaid ```` fences (every common
diagram type, and two that ask for the ELK layout) besides the incident pages. These tests
read the HTML; tests/test_browser.py shows that the pages render, over HTTP and from disk.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from sphinx_incidents.sphinxext.mermaid_assets import SHIM_URL

INCIDENT_PAGE = "incidents/2024-03-05-db-slow.html"
_IMPORT = re.compile(r"""import (\w+) from ("[^"]*"|'[^']*')""")


@pytest.fixture
def project(rootdir: Path, tmp_path: Path) -> Path:
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-mermaid", srcdir)
    return srcdir


def _scripts(out: Path, page: str) -> list[dict[str, str]]:
    html = BeautifulSoup((out / page).read_text(encoding="utf-8"), "html.parser")
    return [
        {"src": str(s.get("src") or ""), "type": str(s.get("type") or ""), "body": s.get_text()}
        for s in html.find_all("script")
    ]


def _html_pages(out: Path) -> list[Path]:
    return [p for p in out.rglob("*.html") if "_static" not in p.parts]


def test_the_bundle_serves_every_diagram_when_the_site_configures_nothing(
    project: Path, make_app
) -> None:
    app: SphinxTestApp = make_app("html", srcdir=project)
    app.build()
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    out = Path(app.outdir)
    assert (out / "_static/mermaid/mermaid.min.js").is_file()
    for page in (INCIDENT_PAGE, "diagrams.html", "elk.html"):
        scripts = _scripts(out, page)
        classic = [i for i, s in enumerate(scripts) if "mermaid/mermaid.min.js" in s["src"]]
        modules = [i for i, s in enumerate(scripts) if s["type"] == "module"]
        assert len(classic) == 1 and modules, page
        # the classic build runs first: deferred scripts and modules run in document order
        assert classic[0] < min(modules), page
        assert scripts[classic[0]]["src"].startswith(("_static/", "../_static/"))
        imports = [m.groups() for s in scripts for m in _IMPORT.finditer(s["body"])]
        assert ("mermaid", f'"{SHIM_URL}"') in imports or (
            "mermaid",
            f'"{SHIM_URL}#://"',
        ) in imports, imports
        assert all(target.strip("\"'").startswith(SHIM_URL) for _, target in imports), imports
    # nothing anywhere reaches for a CDN
    for page in _html_pages(out):
        assert "cdn.jsdelivr" not in page.read_text(encoding="utf-8"), page
    # the ELK layout only where a diagram asks for it, and only then in the output
    with_elk = sorted(
        p.relative_to(out).as_posix()
        for p in _html_pages(out)
        if "mermaid-layout-elk.min.js" in p.read_text(encoding="utf-8")
    )
    assert with_elk == ["elk.html"]
    elk = out / "_static/mermaid/elk/mermaid-layout-elk.min.js"
    assert elk.is_file()
    assert elk.stat().st_mode & 0o044 == 0o044  # readable by a web server, like the rest
    assert not [p.name for p in elk.parent.iterdir() if p.name.startswith(".")]
    assert (out / "_static/mermaid/elk/LICENSE-elkjs").is_file()


def test_no_elk_in_the_output_of_a_site_that_never_asks_for_it(project: Path, make_app) -> None:
    (project / "elk.md").unlink()
    index = project / "index.md"
    index.write_text(index.read_text("utf-8").replace("elk\n", ""), encoding="utf-8")
    app = make_app("html", srcdir=project)
    app.build()
    assert not (Path(app.outdir) / "_static/mermaid/elk").exists()


@pytest.mark.parametrize(
    "setting",
    [
        {"mermaid_version": "11.4.1"},
        # any setting hands Mermaid back to the site, even one left at its default value
        {"mermaid_output_format": "raw"},
        {"d3_version": "7.9.0"},
    ],
)
def test_a_site_that_configures_mermaid_keeps_its_configuration(
    setting: dict[str, str], project: Path, make_app
) -> None:
    conf = project / "conf.py"
    name, value = next(iter(setting.items()))
    conf.write_text(conf.read_text("utf-8") + f"{name} = {value!r}\n", encoding="utf-8")
    app = make_app("html", srcdir=project)
    app.build()
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    assert f"configures sphinxcontrib-mermaid ({name})" in app.status.getvalue()
    out = Path(app.outdir)
    assert not (out / "_static/mermaid").exists()
    version = setting.get("mermaid_version", "")
    for page in (INCIDENT_PAGE, "diagrams.html"):
        scripts = _scripts(out, page)
        assert not any("mermaid.min.js" in s["src"] for s in scripts)
        text = (out / page).read_text(encoding="utf-8")
        assert f"cdn.jsdelivr.net/npm/mermaid@{version}" in text


def test_a_setting_given_with_dash_d_counts_too(project: Path, make_app) -> None:
    app = make_app("html", srcdir=project, confoverrides={"mermaid_version": "11.4.1"})
    app.build()
    assert not (Path(app.outdir) / "_static/mermaid").exists()
    text = (Path(app.outdir) / INCIDENT_PAGE).read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/mermaid@11.4.1/" in text


def test_incidents_mermaid_local_false_leaves_mermaid_alone(project: Path, make_app) -> None:
    app = make_app("html", srcdir=project, confoverrides={"incidents_mermaid_local": False})
    app.build()
    assert not (Path(app.outdir) / "_static/mermaid").exists()
    assert "cdn.jsdelivr" in (Path(app.outdir) / INCIDENT_PAGE).read_text(encoding="utf-8")


def test_a_rebuild_does_not_report_changed_configuration(project: Path, make_app) -> None:
    """The bundle's settings are given to sphinxcontrib-mermaid after Sphinx has saved the
    configuration with the environment, so the next build finds nothing changed."""
    # (SphinxTestApp swaps alabaster for basic after reading conf.py; name it up front)
    theme = {"html_theme": "basic"}
    app: SphinxTestApp = make_app("html", srcdir=project, confoverrides=theme)
    app.build()
    again: SphinxTestApp = make_app("html", srcdir=project, confoverrides=theme)
    again.build()
    status = again.status.getvalue()
    assert "The configuration has changed" not in status, status
    assert "mermaid/mermaid.min.js" in (Path(again.outdir) / INCIDENT_PAGE).read_text()
