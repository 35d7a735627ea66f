"""Incremental and parallel builds give exactly what a clean build gives.

Each case builds the test root, applies one change, rebuilds incrementally, and compares
every HTML page (and incidents.json) with a clean build of the changed tree.  Builds run
``python -m sphinx`` in a subprocess, as users and CI do (and as ``-j`` needs).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).parent / "roots" / "test-backbone"
RECORD = "2024-03-01-api-search-timeouts"
pytestmark = pytest.mark.slow


def build(
    srcdir: Path, outdir: Path, *args: str, theme: str = "alabaster"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["NO_COLOR"] = "1"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-D",
            f"html_theme={theme}",
            *args,
            str(srcdir),
            str(outdir),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def snapshot(outdir: Path) -> dict[str, str]:
    """Every HTML page and incidents.json, keyed by path."""
    pages = {}
    for path in sorted(outdir.rglob("*")):
        relative = path.relative_to(outdir).as_posix()
        if relative.startswith(("_static/", ".doctrees/", "_sources/")):
            continue
        if path.suffix == ".html" or path.name == "incidents.json":
            pages[relative] = path.read_text(encoding="utf-8")
    return pages


def reread(output: str) -> set[str]:
    """Docnames Sphinx says it read (serial builds print one line per document)."""
    return set(re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", output))


def _record(src: Path, name: str = RECORD) -> Path:
    return src / "records" / f"{name}.yaml"


def edit_record(src: Path) -> None:
    path = _record(src)
    path.write_text(path.read_text().replace("API search times out", "API search timed out"))


def edit_body(src: Path) -> None:
    path = _record(src)
    path.write_text(path.read_text().replace("we fixed it", "we fixed it for good"))


def edit_resolved_time(src: Path) -> None:
    path = _record(src, "2024-04-15-thumbnails-down")
    text = path.read_text()
    assert "2024-04-15T16:00:00Z\n    status: resolved" in text
    path.write_text(text.replace("2024-04-15T16:00:00Z", "2024-04-15T17:30:00Z"))


def add_record(src: Path) -> None:
    text = _record(src).read_text().replace("API search times out", "A brand new incident")
    (src / "records" / "2024-05-21-brand-new.yaml").write_text(
        text.replace("2024-03-01", "2024-05-21")
    )


OTHER_YEAR = "2023-12-30-an-older-one"


def add_other_year(src: Path) -> None:
    """A record detected in another year: a new year page."""
    text = _record(src).read_text().replace("API search times out", "An older incident")
    (src / "records" / f"{OTHER_YEAR}.yaml").write_text(text.replace("2024-03-01", "2023-12-30"))


def move_year(src: Path) -> None:
    """An edited ``detected`` moves an incident into another year (times stay in order)."""
    path = _record(src, "2024-03-20-catalog-duplicates")
    text = path.read_text()
    assert "detected: 2024-03-20T08:00:00-05:00" in text
    path.write_text(text.replace("detected: 2024-03-20T08", "detected: 2023-03-20T08"))


def delete_record(src: Path) -> None:
    _record(src, "2024-03-20-catalog-duplicates").unlink()


def rename_record(src: Path) -> None:
    old = _record(src, "2024-03-20-catalog-duplicates")
    old.rename(old.with_name("2024-03-20-catalog-duplicate-images.yaml"))


def change_roster(src: Path) -> None:
    path = src / "records" / "_roster.yaml"
    path.write_text(path.read_text().replace("Alex Example", "Alexandra Example"))


def change_policy(src: Path) -> None:
    path = src / "policy.yaml"
    path.write_text(path.read_text().replace("label: Resolved", "label: Closed"))


def change_config(src: Path) -> None:
    path = src / "conf.py"
    path.write_text(path.read_text().replace("2024-06-01T00:00:00Z", "2024-07-01T00:00:00Z"))


def reopen_resolved(src: Path) -> None:
    """A resolved incident comes back: open again, it moves up among the open ones."""
    path = _record(src)
    text = path.read_text()
    resolved = "  - at: 2024-03-01T16:00:00Z\n    status: resolved\n"
    assert resolved in text
    reopened = "  - at: 2024-03-02T09:00:00Z\n    status: stabilization-pending\n"
    path.write_text(text.replace(resolved, resolved + reopened))


def edit_detected(src: Path) -> None:
    """An earlier detection time moves an incident down the newest-first order."""
    path = _record(src, "2024-04-02-wp-plugin-broken")
    text = path.read_text()
    assert "detected: 2024-04-02T10:00:00Z" in text
    path.write_text(
        text.replace("detected: 2024-04-02T10:00:00Z", "detected: 2024-03-19T10:00:00Z")
    )


def resolve_open(src: Path) -> None:
    """The open incident is resolved: it leaves the open ones at the top."""
    path = _record(src, "2024-05-20-search-slow")
    path.write_text(
        path.read_text()
        + "  - at: 2024-05-21T09:00:00Z\n    status: under-investigation\n"
        + "  - at: 2024-05-22T09:00:00Z\n    status: resolved\n"
    )


def relate_records(src: Path) -> None:
    """A record starts naming another: the other page lists it (the reverse direction)."""
    path = _record(src)
    text = path.read_text()
    path.write_text(
        text.replace("timeline:", "related: [2024-04-15-thumbnails-down]\ntimeline:", 1)
    )


def unrelate_records(src: Path) -> None:
    path = _record(src, "2024-05-20-search-slow")
    text = path.read_text()
    assert "related: [2024-03-01-api-search-timeouts]" in text
    path.write_text(text.replace("related: [2024-03-01-api-search-timeouts]", "", 1))


def delete_related_target(src: Path) -> None:
    """The record another one names is deleted: its link there becomes plain text."""
    _record(src).unlink()


def make_private(src: Path) -> None:
    """A record becomes private: its page, rows and links go (the named record too)."""
    path = _record(src)
    path.write_text(path.read_text().replace("timeline:", "visibility: private\ntimeline:", 1))


def make_category_private(src: Path) -> None:
    """The policy makes every technical incident private: only the index page is left."""
    path = src / "policy.yaml"
    text = path.read_text()
    old = "  - key: technical\n    description: A failure of our software or infrastructure.\n"
    assert old in text
    path.write_text(text.replace(old, old + "    visibility: private\n"))


CHANGES: dict[str, Callable[[Path], None]] = {
    "edit-title": edit_record,
    "edit-body": edit_body,
    "edit-resolved-time": edit_resolved_time,
    "add": add_record,
    "delete": delete_record,
    "rename": rename_record,
    "roster": change_roster,
    "policy": change_policy,
    "config": change_config,
    "reopen": reopen_resolved,
    "edit-detected": edit_detected,
    "resolve": resolve_open,
    "related-add": relate_records,
    "related-remove": unrelate_records,
    "related-target-deleted": delete_related_target,
    "add-other-year": add_other_year,
    "move-year": move_year,
    "make-private": make_private,
    "category-private": make_category_private,
}
NAVIGATION = ["edit-title", "add", "delete", "rename", "reopen", "edit-detected", "resolve"]
"""Changes to the set, order or titles of the incident pages: what navigation shows."""
YEARS = ["add-other-year", "move-year"]
"""Changes that make a new year page (the site-wide navigation then changes in both modes)."""
CASES = (
    [pytest.param(change, "alabaster", None, id=change) for change in CHANGES]
    + [pytest.param(change, "furo", None, id=f"{change}-furo") for change in NAVIGATION]
    # above incidents_navigation_limit: incident pages out of the toctree, previous/next
    # links within the year made by the extension
    + [
        pytest.param(change, theme, 0, id=f"{change}-{theme}-orphans")
        for change in NAVIGATION + YEARS + ["related-add"]
        for theme in ("alabaster", "furo")
    ]
    # across the limit (7 records): every stub and every page changes
    + [
        pytest.param("add", "furo", 7, id="add-furo-leaving-navigation"),
        pytest.param("delete", "alabaster", 6, id="delete-back-into-navigation"),
    ]
)


def _limit(limit: int | None) -> tuple[str, ...]:
    return () if limit is None else ("-D", f"incidents_navigation_limit={limit}")


@pytest.mark.parametrize(("change", "theme", "limit"), CASES)
def test_incremental_equals_clean(
    change: str, theme: str, limit: int | None, tmp_path: Path
) -> None:
    """Every page, sidebars included: alabaster shows previous/next links and the toctree,
    furo the whole navigation tree on every page."""
    if theme != "alabaster":
        pytest.importorskip(theme)
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    incremental = tmp_path / "incremental"
    build(src, incremental, *_limit(limit), theme=theme)
    CHANGES[change](src)
    build(src, incremental, *_limit(limit), theme=theme)
    clean_src = tmp_path / "clean-src"
    shutil.copytree(src, clean_src, ignore=shutil.ignore_patterns("incidents", "_build"))
    clean = tmp_path / "clean"
    build(clean_src, clean, *_limit(limit), theme=theme)
    got, want = snapshot(incremental), snapshot(clean)
    assert sorted(got) == sorted(want)
    stale = [name for name in want if got[name] != want[name]]
    assert not stale, f"stale after {change}: {stale}"
    if change in ("delete", "rename"):
        assert not (src / "incidents" / "2024-03-20-catalog-duplicates.rst").exists()
    if change in YEARS:
        assert "incidents/2023/index.html" in got
    if change == "make-private":
        assert not (incremental / "incidents" / f"{RECORD}.html").exists()
        assert not (incremental / "_sources" / "incidents" / f"{RECORD}.rst.txt").exists()
        index = (incremental / "searchindex.js").read_text(encoding="utf-8")
        assert RECORD not in index


def test_an_emptied_year_leaves_no_page(tmp_path: Path) -> None:
    """The last incident of a year goes: its year page, stub and output go with it."""
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    out = tmp_path / "out"
    add_other_year(src)
    build(src, out, *_limit(0), theme="furo")
    assert (src / "incidents" / "2023" / "index.rst").is_file()
    assert (out / "incidents" / "2023" / "index.html").is_file()
    _record(src, OTHER_YEAR).unlink()
    build(src, out, *_limit(0), theme="furo")
    assert not (src / "incidents" / "2023").exists()
    assert not (out / "incidents" / "2023" / "index.html").exists()
    clean = tmp_path / "clean"
    clean_src = tmp_path / "clean-src"
    shutil.copytree(src, clean_src, ignore=shutil.ignore_patterns("incidents", "_build"))
    build(clean_src, clean, *_limit(0), theme="furo")
    assert snapshot(out) == snapshot(clean)


def test_editing_one_record_rereads_only_what_shows_it(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    out = tmp_path / "out"
    first = build(src, out)
    assert len(reread(first.stdout)) == 13  # 7 incidents, their year, the index, 4 pages
    nothing = build(src, out)
    assert reread(nothing.stdout) == set()
    # the summary: its page and the page that links to it; the index and the tables do
    # not show summaries, so their content digests are unchanged and they are not re-read
    edit_body(src)
    again = build(src, out)
    assert reread(again.stdout) == {f"incidents/{RECORD}", "refs"}
    other = _record(src, "2024-04-15-thumbnails-down")
    other.write_text(other.read_text().replace("we fixed it", "we fixed it twice"))
    assert reread(build(src, out).stdout) == {"incidents/2024-04-15-thumbnails-down"}
    # the time to resolve: the index and the year page show it; neither table does (the
    # second lists only open incidents)
    edit_resolved_time(src)
    assert reread(build(src, out).stdout) == {
        "incidents/2024-04-15-thumbnails-down",
        "incidents/index",
        "incidents/2024/index",
    }
    # the title: shown everywhere, on the page of the incident naming it as related too
    edit_record(src)
    assert reread(build(src, out).stdout) == {
        f"incidents/{RECORD}",
        "incidents/2024-05-20-search-slow",
        "incidents/index",
        "incidents/2024/index",
        "refs",
        "tables",
    }


def written(output: str) -> set[str]:
    """Docnames Sphinx says it wrote (serial builds print one line per document)."""
    return set(re.findall(r"writing output\.\.\. \[\s*\d+%\] (\S+)", output))


@pytest.mark.parametrize("theme", ["alabaster", "furo"])
def test_adding_a_record_rewrites_only_what_shows_it(theme: str, tmp_path: Path) -> None:
    """Above incidents_navigation_limit, navigation does not list incidents: a new record
    re-reads its page and the views that list it, and re-writes those and its neighbours
    within the year (their previous/next links), not every page."""
    if theme != "alabaster":
        pytest.importorskip(theme)
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    out = tmp_path / "out"
    build(src, out, *_limit(0), theme=theme)
    add_record(src)
    result = build(src, out, *_limit(0), theme=theme)
    new = "incidents/2024-05-21-brand-new"
    shown = {new, "incidents/index", "incidents/2024/index", "tables"}
    assert reread(result.stdout) == shown
    # the year's order: open ones (search-slow, escaping-test), then the newest: the new
    # one comes between escaping-test and thumbnails-down
    neighbours = {"incidents/2024-05-02-escaping-test", "incidents/2024-04-15-thumbnails-down"}
    # and Sphinx itself re-writes the root, whose toctree holds the re-written index
    assert written(result.stdout) == shown | neighbours | {"index"}
    page = (out / "incidents" / "2024-04-15-thumbnails-down.html").read_text("utf-8")
    assert "2024-05-21-brand-new.html" in page  # its previous link
    # the same record edited so that the navigation would change (its title): its
    # neighbours' links show the title, so they are re-written; nothing else
    new_record = src / "records" / "2024-05-21-brand-new.yaml"
    new_record.write_text(new_record.read_text().replace("A brand new incident", "Renamed"))
    result = build(src, out, *_limit(0), theme=theme)
    assert written(result.stdout) == shown | neighbours | {"index"}


def test_git_status_stays_clean_and_stubs_are_stable(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run(["git", "-C", str(src), "add", "-A"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(src),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qm",
            "records",
        ],
        check=True,
    )
    out = tmp_path / "out"
    build(src, out)
    status = subprocess.run(
        ["git", "-C", str(src), "status", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    assert status == ""
    stubs = {p: p.stat().st_mtime_ns for p in (src / "incidents").rglob("*")}
    build(src, out)
    assert {p: p.stat().st_mtime_ns for p in (src / "incidents").rglob("*")} == stubs


def test_parallel_build_equals_serial(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    record = _record(src)  # an invalid record: the warnings must match too
    record.write_text(
        record.read_text().replace("    status: stabilized\n", "    status: resolved\n", 1)
    )
    serial_src = tmp_path / "serial-src"
    shutil.copytree(src, serial_src)
    parallel = build(src, tmp_path / "parallel", "-j", "4")
    serial = build(serial_src, tmp_path / "serial", "-j", "1")
    # Sphinx really read in parallel (chunks are reported as "first .. last")
    assert re.search(r"reading sources\.\.\. \[\s*\d+%\] \S+ \.\. \S+", parallel.stdout)
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")

    def warnings(result: subprocess.CompletedProcess[str], base: Path) -> list[str]:
        return sorted(
            line.replace(str(base), "SRC")
            for line in result.stderr.splitlines()
            if "WARNING" in line
        )

    assert warnings(parallel, src) == warnings(serial, serial_src)
    assert any("INC023" in line for line in warnings(parallel, src))
