"""Generated incident pages behave like written ones.

- "Edit this page" / "View source" lead to the record's YAML file in the repository with
  furo, sphinx-rtd-theme and pydata-sphinx-theme (configured as their docs say), and the
  generated index, which has no file of its own, shows no edit link;
- without a repository, "View source" (``_sources/``) shows the record;
- no output file holds a path of the build machine, and the stubs are the same wherever
  and from wherever the project is built;
- the extension never overwrites or deletes a file it did not create, and a source tree it
  cannot write to gets one clear error, not a traceback.

The projects here are laid out as a repository: ``repo/docs/`` (the backbone test root)
next to ``repo/incident_records/``.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

RECORD = "2024-03-01-api-search-timeouts"
REPO = "https://github.com/example/site"


@pytest.fixture
def repo(rootdir: Path, tmp_path: Path) -> Path:
    """``repo/docs`` (conf.py) and ``repo/incident_records``, as most projects have them."""
    root = tmp_path / "repo"
    shutil.copytree(rootdir / "test-backbone", root / "docs")
    (root / "docs" / "records").rename(root / "incident_records")
    conf = root / "docs" / "conf.py"
    conf.write_text(
        conf.read_text("utf-8").replace(
            'incidents_dir = "records"', 'incidents_dir = "../incident_records"'
        ),
        encoding="utf-8",
    )
    return root


def add_conf(repo: Path, text: str) -> None:
    conf = repo / "docs" / "conf.py"
    conf.write_text(conf.read_text("utf-8") + text, encoding="utf-8")


def sphinx(
    srcdir: Path, outdir: Path, *options: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", *options, str(srcdir), str(outdir)],
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1"},
        cwd=cwd,
        check=False,
    )


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --- edit and view links ----------------------------------------------------------------------

THEMES: dict[str, tuple[str, str, str, str]] = {
    # theme: (conf.py lines, edit link selector, expected edit link, expected for about.md)
    "furo": (
        'html_theme = "furo"\n'
        f'html_theme_options = {{"source_repository": "{REPO}/", "source_branch": "main", '
        '"source_directory": "docs/"}\n',
        "div.edit-this-page a",
        f"{REPO}/edit/main/incident_records/{RECORD}.yaml",
        f"{REPO}/edit/main/docs/about.md",
    ),
    "sphinx_rtd_theme": (
        'html_theme = "sphinx_rtd_theme"\n'
        'html_context = {"display_github": True, "github_user": "example", '
        '"github_repo": "site", "github_version": "main", "conf_py_path": "/docs/"}\n',
        "div.wy-breadcrumbs-aside a, li.wy-breadcrumbs-aside a",
        f"{REPO}/blob/main/incident_records/{RECORD}.yaml",
        f"{REPO}/blob/main/docs/about.md",
    ),
    "pydata_sphinx_theme": (
        'html_theme = "pydata_sphinx_theme"\n'
        'html_theme_options = {"use_edit_page_button": True}\n'
        'html_context = {"github_user": "example", "github_repo": "site", '
        '"github_version": "main", "doc_path": "docs"}\n',
        "div.editthispage a",
        f"{REPO}/edit/main/incident_records/{RECORD}.yaml",
        f"{REPO}/edit/main/docs/about.md",
    ),
}


@pytest.mark.parametrize("theme", list(THEMES))
def test_edit_links_lead_to_the_record(theme: str, repo: Path, tmp_path: Path) -> None:
    pytest.importorskip(theme)
    conf, selector, edit, about = THEMES[theme]
    add_conf(repo, conf)
    out = tmp_path / "out"
    result = sphinx(repo / "docs", out)
    assert result.returncode == 0, result.stderr
    page = soup(out / "incidents" / f"{RECORD}.html")
    links = [a["href"] for a in page.select(selector)]
    assert edit in links, links
    assert not any("/incidents/" in link for link in links), links  # never the stub
    # written pages keep the theme's own link
    assert about in [a["href"] for a in soup(out / "about.html").select(selector)]
    # the generated index and year pages have no file in the repository: no edit link
    for generated in ("index.html", "2024/index.html"):
        index = soup(out / "incidents" / generated)
        assert not [a for a in index.select("a[href]") if a["href"].startswith(REPO)]


def test_furo_view_link_and_an_edit_link_template(repo: Path, tmp_path: Path) -> None:
    pytest.importorskip("furo")
    add_conf(
        repo,
        'html_theme = "furo"\n'
        'html_theme_options = {"source_edit_link": '
        f'"{REPO}/edit/main/docs/{{filename}}", "source_repository": "{REPO}", '
        '"source_branch": "main", "source_directory": "docs"}\n',
    )
    out = tmp_path / "out"
    assert sphinx(repo / "docs", out).returncode == 0
    page = soup(out / "incidents" / f"{RECORD}.html")
    assert page.select_one("div.edit-this-page a")["href"] == (
        f"{REPO}/edit/main/incident_records/{RECORD}.yaml"
    )
    assert page.select_one("div.view-this-page a")["href"] == (
        f"{REPO}/blob/main/incident_records/{RECORD}.yaml?plain=true"
    )


def test_records_outside_the_repository_hide_the_edit_link(repo: Path, tmp_path: Path) -> None:
    pytest.importorskip("furo")
    add_conf(
        repo,
        'html_theme = "furo"\n'
        f'html_theme_options = {{"source_repository": "{REPO}", "source_branch": "main", '
        '"source_directory": ""}\n',  # docs/ is the repository: the records are outside it
    )
    out = tmp_path / "out"
    assert sphinx(repo / "docs", out).returncode == 0
    page = soup(out / "incidents" / f"{RECORD}.html")
    assert page.select_one("div.edit-this-page a") is None
    # "view" falls back to the copy of the record in _sources/
    view = page.select_one("div.view-this-page a")
    assert view is not None and view["href"].endswith(f"_sources/incidents/{RECORD}.yaml.txt")


def test_view_source_shows_the_record(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sphinx(repo / "docs", out).returncode == 0
    page = soup(out / "incidents" / f"{RECORD}.html")
    link = page.select_one('a[href*="_sources/"]')
    assert link is not None and link["href"] == f"../_sources/incidents/{RECORD}.yaml.txt"
    copy = out / "_sources" / "incidents" / f"{RECORD}.yaml.txt"
    record = repo / "incident_records" / f"{RECORD}.yaml"
    assert copy.read_bytes() == record.read_bytes()
    # an edit is copied again; a deleted record's copy goes with its page
    record.write_text(record.read_text("utf-8").replace("times out", "timed out"), "utf-8")
    assert sphinx(repo / "docs", out).returncode == 0
    assert copy.read_bytes() == record.read_bytes()
    record.unlink()
    assert sphinx(repo / "docs", out).returncode == 0
    assert not copy.exists() and not (out / "incidents" / f"{RECORD}.html").exists()


# --- no paths of the build machine --------------------------------------------------------------


def test_no_output_file_holds_a_build_machine_path(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    out = tmp_path / "out"
    assert sphinx(repo / "docs", out, cwd=elsewhere).returncode == 0
    needles = {str(tmp_path), str(tmp_path.resolve()), str(Path.cwd()), str(Path.home())}
    needles.discard("/")
    found = {}
    for path in out.rglob("*"):
        if path.is_file() and ".doctrees" not in path.relative_to(out).parts:
            data = path.read_bytes()
            hits = [n for n in needles if n.encode() in data]
            if hits:
                found[path.relative_to(out).as_posix()] = hits
    assert found == {}
    for stub in (repo / "docs" / "incidents").glob("*.rst"):
        text = stub.read_text("utf-8")
        assert not any(needle in text for needle in needles), stub


def test_stubs_do_not_change_with_the_location_or_working_directory(
    repo: Path, tmp_path: Path
) -> None:
    def stubs(folder: Path) -> dict[str, tuple[bytes, int]]:
        return {
            p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in folder.rglob("*")
            if p.is_file()
        }

    assert sphinx(repo / "docs", tmp_path / "out1", cwd=repo).returncode == 0
    first = stubs(repo / "docs" / "incidents")
    assert "2024/index.rst" in first
    # the same checkout, built from another folder: nothing rewritten
    assert sphinx(repo / "docs", tmp_path / "out2", cwd=tmp_path).returncode == 0
    assert stubs(repo / "docs" / "incidents") == first
    # a checkout elsewhere: the same stubs, byte for byte
    moved = tmp_path / "another" / "checkout"
    shutil.copytree(repo, moved, ignore=shutil.ignore_patterns("incidents"))
    assert sphinx(moved / "docs", tmp_path / "out3", cwd=moved).returncode == 0
    assert {name: data for name, (data, _) in stubs(moved / "docs" / "incidents").items()} == {
        name: data for name, (data, _) in first.items()
    }


# --- files that are not ours ----------------------------------------------------------------


def test_files_the_extension_did_not_create_are_left_alone(repo: Path, tmp_path: Path) -> None:
    pages = repo / "docs" / "incidents"
    pages.mkdir()
    ignore = "# tracked by the project\n*.rst\n"
    (pages / ".gitignore").write_text(ignore, encoding="utf-8")
    (pages / "notes.rst").write_text(":orphan:\n\nNotes\n=====\n", encoding="utf-8")
    out = tmp_path / "out"
    assert sphinx(repo / "docs", out).returncode == 0
    assert (pages / ".gitignore").read_text("utf-8") == ignore
    assert (pages / "notes.rst").exists() and (out / "incidents" / "notes.html").exists()
    assert (pages / f"{RECORD}.rst").exists()
    # a page of the project's own that goes away keeps what Sphinx left; ours are removed
    (pages / "notes.rst").unlink()
    (repo / "incident_records" / f"{RECORD}.yaml").unlink()
    assert sphinx(repo / "docs", out).returncode == 0
    assert (out / "incidents" / "notes.html").exists()
    assert not (out / "incidents" / f"{RECORD}.html").exists()
    assert not (pages / f"{RECORD}.rst").exists()


def test_our_gitignore_is_written_when_there_is_none(repo: Path, tmp_path: Path) -> None:
    assert sphinx(repo / "docs", tmp_path / "out").returncode == 0
    ignore = repo / "docs" / "incidents" / ".gitignore"
    assert ignore.read_text("utf-8").splitlines() == ["# generated by sphinx-incidents", "*"]


def test_generated_files_are_readable_by_others(repo: Path, tmp_path: Path) -> None:
    """Stubs, their .gitignore and output files get the mode open() would give (0644 under
    umask 022), not mkstemp's 0600: another user (a web server, a container) reads them."""
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert sphinx(repo / "docs", out).returncode == 0
    finally:
        os.umask(old)
    pages = repo / "docs" / "incidents"
    generated = [pages / ".gitignore", pages / "index.rst", *pages.glob("*.rst")]
    generated += [out / "incidents.json", out / "_static" / "incidents-banner.js"]
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in generated}
    assert set(modes.values()) == {0o644}, modes


# --- a source tree we cannot write to -------------------------------------------------------

MESSAGE = "cannot write the generated incident pages into"


def test_an_unwritable_pages_folder_is_one_clear_error(repo: Path, tmp_path: Path) -> None:
    (repo / "docs" / "incidents").write_text("in the way\n", encoding="utf-8")  # not a folder
    result = sphinx(repo / "docs", tmp_path / "out")
    assert result.returncode == 0  # the rest of the site builds
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and MESSAGE in errors[0] and "incidents_pages" in errors[0]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert sphinx(repo / "docs", tmp_path / "out-w", "-W").returncode == 1


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere"
)
def test_a_read_only_source_tree_is_one_clear_error(repo: Path, tmp_path: Path) -> None:
    docs = repo / "docs"
    docs.chmod(0o555)
    try:
        result = sphinx(docs, tmp_path / "out")
    finally:
        docs.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert MESSAGE in result.stderr and "Traceback" not in result.stderr


def test_a_read_only_file_system_is_one_clear_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root nothing is read-only: the file system's refusal is simulated."""
    import tempfile

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    (repo / "docs" / "incidents").mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    app = SphinxTestApp("html", srcdir=repo / "docs", builddir=tmp_path / "b")
    try:
        app.build()
        warnings = app.warning.getvalue()
    finally:
        app.cleanup()
    assert MESSAGE in warnings and "Read-only file system" in warnings


def test_an_incidents_json_of_the_project_s_own_is_kept(repo: Path, tmp_path: Path) -> None:
    extra = repo / "docs" / "extra"
    extra.mkdir()
    (extra / "incidents.json").write_text('{"mine": true}\n', encoding="utf-8")
    add_conf(repo, 'html_extra_path = ["extra"]\n')
    out = tmp_path / "out"
    result = sphinx(repo / "docs", out)
    assert result.returncode == 0
    assert (out / "incidents.json").read_text("utf-8") == '{"mine": true}\n'
    assert "was not written by sphinx-incidents" in result.stderr
    assert "[incidents.json]" in result.stderr
