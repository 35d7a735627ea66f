"""``sphinx-incidents check`` and ``sphinx-build -W`` agree, by construction.

Both find the records folder, its ``_policy.yaml`` and ``_roster.yaml`` the same way
(:mod:`sphinx_incidents.core.project`), validate with the same core, and fail on the same
diagnostics: errors fail both; rule warnings (the time-dependent ones among them) fail
neither, unless asked (``check --strict``, ``incidents_strict = True``).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main
from sphinx.testing.util import SphinxTestApp

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.project import ENV_DIR

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "records"
OPENVERSE = (HERE.parent / "sphinx_incidents" / "policies" / "openverse.yaml").read_text()
EPOCH = "1717200000"  # 2024-06-01T00:00:00Z, read by check and the build alike
BUILD_LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): WARNING: (?P<code>INC\d{3}|POLICY) ")
CONF = """\
extensions = ["myst_parser", "sphinx_incidents"]
exclude_patterns = ["_build"]
{extra}
html_baseurl = "https://parity.example.org/"
"""


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv(ENV_DIR, raising=False)


def make_project(root: Path, records: Path | None = None, conf_extra: str = "") -> Path:
    """``root/.git``, ``root/docs/conf.py`` + ``index.md``, ``root/incident_records``."""
    (root / ".git").mkdir(parents=True)
    docs = root / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text(CONF.format(extra=conf_extra))
    (docs / "index.md").write_text("# Site\n\n```{toctree}\nincidents/index\n```\n")
    folder = root / "incident_records"
    if records is not None:
        shutil.copytree(records, folder, symlinks=True)
    else:
        folder.mkdir()
    return folder


def _place(path: Path, root: Path, line: int, code: str) -> tuple[str, int, str]:
    return (path.resolve().relative_to(root.resolve()).as_posix(), line, code)


def run_check(cwd: Path, *args: str) -> tuple[int, str]:
    """Exit code and output of ``sphinx-incidents check ARGS`` run in ``cwd``."""
    out = io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        redirect_stdout(out),
        redirect_stderr(io.StringIO()),
    ):
        patch.chdir(cwd)
        code = main(["check", *args])
    return code, out.getvalue()


def check_errors(root: Path, cwd: Path) -> tuple[int, set[tuple[str, int, str]]]:
    """``check`` (no flags) run in ``cwd``: its exit code and where its errors are."""
    code, out = run_check(cwd, "--format", "json")
    errors = {
        _place(cwd / item["path"], root, item["line"], item["code"])
        for item in json.loads(out)
        if item["level"] == "error"
    }
    return code, errors


def build_errors(root: Path, *options: str) -> tuple[int, set[tuple[str, int, str]], str]:
    """Exit code of ``sphinx-build -W --keep-going`` and the places of its incident warnings."""
    warnings = root / "warnings.txt"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(out):
        patch.chdir(root)
        code = build_main(
            [
                "-W",
                "--keep-going",
                "-E",
                "-b",
                "html",
                "-w",
                str(warnings),
                *options,
                "docs",
                "docs/_build/html",
            ]
        )
    text = warnings.read_text() if warnings.exists() else ""
    found = set()
    for line in text.splitlines():
        match = BUILD_LINE.match(line)
        if match:
            found.add(_place(root / match["path"], root, int(match["line"]), match["code"]))
    return code, found, out.getvalue() + text


def assert_parity(root: Path) -> tuple[int, set[tuple[str, int, str]]]:
    """check from the root and from docs/ and -W agree on the errors and the verdict."""
    code_root, expected = check_errors(root, root)
    code_docs, from_docs = check_errors(root, root / "docs")
    assert from_docs == expected
    build_code, found, log = build_errors(root)
    assert found == expected, log
    assert code_root == code_docs == (1 if expected else 0)
    assert (build_code != 0) == bool(expected), log
    return build_code, expected


def test_every_rule_fixture(tmp_path: Path) -> None:
    folder = make_project(tmp_path, FIXTURES / "invalid")
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    _, errors = assert_parity(tmp_path)
    codes = {code for _, _, code in errors}
    assert len(codes) >= 15, codes  # every error rule, not just a few


def test_valid_records_with_warnings_only(tmp_path: Path) -> None:
    folder = make_project(tmp_path, FIXTURES / "valid")
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    # a stale open incident: a warning (INC044) in check, so it must not fail -W
    stale = FIXTURES / "invalid" / "2024-05-20-inc044-stale.yaml"
    shutil.copy(stale, folder / "2024-05-20-stale.yaml")
    code, errors = assert_parity(tmp_path)
    assert code == 0 and not errors


def test_a_policy_in_the_folder(tmp_path: Path) -> None:
    folder = make_project(tmp_path, FIXTURES / "valid")
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    record = folder / "2024-05-08-lead-handover.yaml"
    record.write_text(record.read_text().replace("- api", "- payments", 1))
    # with the shipped policy: an error, in both
    _, errors = assert_parity(tmp_path)
    assert {code for _, _, code in errors} == {"INC021"}
    # with the folder's own policy: clean, in both
    (folder / "_policy.yaml").write_text(
        OPENVERSE.replace("services:\n", "services:\n  - key: payments\n", 1)
    )
    code, errors = assert_parity(tmp_path)
    assert code == 0 and not errors


# --- how the build reports ------------------------------------------------------------------


def sphinx_app(root: Path) -> SphinxTestApp:
    return SphinxTestApp("html", srcdir=root / "docs", status=io.StringIO(), warning=io.StringIO())


def test_rule_warnings_are_reported_but_do_not_fail_the_build(tmp_path: Path) -> None:
    folder = make_project(tmp_path, FIXTURES / "valid")
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    shutil.copy(FIXTURES / "invalid" / "2024-05-20-inc044-stale.yaml", folder)
    app = sphinx_app(tmp_path)
    try:
        app.build()
        assert "INC044" not in app.warning.getvalue()
        status = app.status.getvalue()
        assert re.search(r"2024-05-20-inc044-stale\.yaml:\d+: INC044 \[warning\] open", status)
    finally:
        app.cleanup()
    # incidents_strict = True: a real warning, as check --strict fails on it
    (tmp_path / "docs" / "conf.py").write_text(CONF.format(extra="incidents_strict = True"))
    code, found, _ = build_errors(tmp_path)
    assert code != 0
    assert {c for _, _, c in found} == {"INC044"}
    assert run_check(tmp_path, "--strict")[0] == 1


def test_a_policy_named_in_conf_py_and_in_the_folder_warns(tmp_path: Path) -> None:
    folder = make_project(
        tmp_path, FIXTURES / "valid", conf_extra='\n\nincidents_policy = "openverse"\n'
    )
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    (folder / "_policy.yaml").write_text(OPENVERSE)
    app = sphinx_app(tmp_path)
    try:
        app.build()
        warnings = app.warning.getvalue()
    finally:
        app.cleanup()
    assert re.search(r"conf\.py:5: WARNING: incidents_policy = 'openverse' overrides", warnings)
    assert "[incidents.policy_override]" in warnings
    assert "_policy.yaml" in warnings


def test_a_build_warns_when_the_command_line_would_find_other_records(tmp_path: Path) -> None:
    folder = make_project(tmp_path, conf_extra='incidents_dir = "../records"')
    shutil.copytree(FIXTURES / "valid", tmp_path / "records")
    shutil.copy(FIXTURES / "_roster.yaml", tmp_path / "records" / "_roster.yaml")
    assert folder.is_dir()  # incident_records/ exists too: the CLI would take it
    app = sphinx_app(tmp_path)
    try:
        app.build()
        warnings = app.warning.getvalue()
    finally:
        app.cleanup()
    assert "[incidents.discovery]" in warnings and "pyproject.toml" in warnings
    # the fix it suggests silences it
    (tmp_path / "pyproject.toml").write_text('[tool.sphinx-incidents]\ndir = "records"\n')
    app = sphinx_app(tmp_path)
    try:
        app.build()
        assert "discovery" not in app.warning.getvalue()
    finally:
        app.cleanup()


# --- the policy language: extends, rules turned off, broken policies -------------------------

STABILIZED_THEN_RESOLVED = """\
title: "Search returns 500s"
severity: 2
services: [api]
detected: 2024-05-27T09:00:00Z
detected_via: automated-alert
recorded_by: alex
summary: "Searches failed for twenty minutes."
timeline:
  - at: 2024-05-27T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-27T09:20:00Z
    status: stabilized
    note: "Rolled the deploy back."
  - at: 2024-05-27T15:00:00Z
    status: resolved
    note: "Nothing more can or should be done: the bad deploy is reverted."
"""
REVIEWED = """\
title: "Thumbnails missing"
severity: 3
services: [frontend]
detected: 2024-05-21T09:00:00Z
detected_via: user-report
recorded_by: devi
summary: "Some thumbnails did not load."
timeline:
  - at: 2024-05-21T09:00:00Z
    status: stabilized
  - at: 2024-05-22T12:00:00Z
    status: under-investigation
  - at: 2024-05-24T12:00:00Z
    status: resolved
  - at: 2024-05-29T12:00:00Z
    status: reviewed
follow_ups:
  - title: "Alert on thumbnail errors"
    url: https://github.com/example/openverse/issues/30
    purpose: prevention
retrospective:
  date: 2024-05-29
  host: devi
"""


def five_step_project(root: Path, policy: str = "extends: openverse-five-steps\n") -> Path:
    folder = make_project(root)
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    (folder / "_policy.yaml").write_text(policy)
    (folder / "2024-05-27-search-returns-500s.yaml").write_text(STABILIZED_THEN_RESOLVED)
    (folder / "2024-05-21-thumbnails-missing.yaml").write_text(REVIEWED)
    return folder


def test_done_when_a_team_extends_openverse_five_steps(tmp_path: Path) -> None:
    """The issue's "done when": one line of _policy.yaml, no suppress_warnings anywhere;
    stabilized -> resolved without a prevention follow-up, reviewed with a retrospective."""
    five_step_project(tmp_path)
    assert "suppress_warnings" not in (tmp_path / "docs" / "conf.py").read_text()
    code, errors = assert_parity(tmp_path)
    assert code == 0 and not errors
    page = (
        tmp_path / "docs" / "_build" / "html" / "incidents" / "2024-05-21-thumbnails-missing.html"
    )
    assert "Reviewed" in page.read_text()


def test_a_hand_written_late_recurrence_fails_check_and_the_build(tmp_path: Path) -> None:
    folder = five_step_project(tmp_path)
    record = folder / "2024-05-27-search-returns-500s.yaml"
    record.write_text(
        STABILIZED_THEN_RESOLVED
        + "  - at: 2024-05-29T16:00:00Z\n    status: stabilization-pending\n"
        + '    note: "Errors again, 49 hours later."\n'
    )
    _, errors = assert_parity(tmp_path)
    assert errors == {("incident_records/2024-05-27-search-returns-500s.yaml", 18, "INC026")}
    # 47 hours later it is the same incident, for both
    record.write_text(
        STABILIZED_THEN_RESOLVED
        + "  - at: 2024-05-29T14:00:00Z\n    status: stabilization-pending\n"
        + "  - at: 2024-05-29T15:00:00Z\n    status: stabilized\n"
    )
    code, errors = assert_parity(tmp_path)
    assert code == 0 and not errors


def test_a_policy_that_turns_rules_off_or_into_warnings(tmp_path: Path) -> None:
    folder = make_project(tmp_path, FIXTURES / "invalid")
    shutil.copy(FIXTURES / "_roster.yaml", folder / "_roster.yaml")
    _, before = assert_parity(tmp_path)
    assert {"INC023", "INC030", "INC031", "INC041"} <= {code for _, _, code in before}
    (folder / "_policy.yaml").write_text(
        "extends: openverse\nrules:\n  INC041: off\n  INC023: off\n  INC030: warning\n"
        "  INC031: warning\n"
    )
    _, after = assert_parity(tmp_path)
    assert after == {e for e in before if e[2] not in ("INC023", "INC030", "INC031", "INC041")}


def test_a_policy_extending_a_file_of_the_repository(tmp_path: Path) -> None:
    folder = five_step_project(tmp_path, "extends: ../policies/team.yaml\n")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "team.yaml").write_text(
        "extends: openverse-five-steps\nrules:\n  INC044: off\n"
    )
    shutil.copy(FIXTURES / "invalid" / "2024-05-20-inc044-stale.yaml", folder)
    code, errors = assert_parity(tmp_path)
    assert code == 0 and not errors
    assert "INC044" not in run_check(tmp_path, "--strict")[1]  # off: not even a warning


def test_a_broken_policy_is_located_alike(tmp_path: Path) -> None:
    five_step_project(tmp_path, "extends: openverse-five-steps\nrules:\n  INC041: of\n")
    _, errors = assert_parity(tmp_path)
    assert errors == {("incident_records/_policy.yaml", 3, "POLICY")}
    # a base that cannot be found: located at `extends:`
    five = tmp_path / "incident_records" / "_policy.yaml"
    five.write_text("# ours\nextends: openverse-five-step\n")
    _, errors = assert_parity(tmp_path)
    assert errors == {("incident_records/_policy.yaml", 2, "POLICY")}


def test_a_typo_in_incidents_policy_names_the_shipped_policies(tmp_path: Path) -> None:
    make_project(tmp_path, conf_extra='incidents_policy = "openvers"')
    app = sphinx_app(tmp_path)
    try:
        app.build()
        warnings = app.warning.getvalue()
    finally:
        app.cleanup()
    assert re.search(
        r"conf\.py:3: WARNING: POLICY 'openvers' is not a shipped policy \(openverse[,)]", warnings
    ), warnings
    assert "(did you mean 'openverse'?) [incidents.policy]" in warnings
    # the command line refuses it too (exit 2, the same message on stderr)
    assert run_check(tmp_path, "--policy", "openvers")[0] == 2


def test_a_build_warns_when_the_command_line_would_find_no_records(tmp_path: Path) -> None:
    make_project(tmp_path, conf_extra='incidents_dir = "../meta/records"')
    (tmp_path / "incident_records").rmdir()
    shutil.copytree(FIXTURES / "valid", tmp_path / "meta" / "records")
    shutil.copy(FIXTURES / "_roster.yaml", tmp_path / "meta" / "records" / "_roster.yaml")
    app = sphinx_app(tmp_path)
    try:
        app.build()
        warnings = app.warning.getvalue()
    finally:
        app.cleanup()
    assert "[incidents.discovery]" in warnings and "finds no records folder" in warnings
    assert run_check(tmp_path, "--now", "2024-06-01T00:00:00Z")[0] == 2  # what it warns of
    (tmp_path / "pyproject.toml").write_text('[tool.sphinx-incidents]\ndir = "meta/records"\n')
    app = sphinx_app(tmp_path)
    try:
        app.build()
        assert "discovery" not in app.warning.getvalue()
    finally:
        app.cleanup()
    assert run_check(tmp_path)[0] == 0
