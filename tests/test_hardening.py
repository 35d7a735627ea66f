"""Regression tests for issue 13: hostile records, names and files.

One section per item of the issue; each test failed before its fix.  The hostile corpus
(``tests/hostile/``) runs the same attacks end to end, in subprocesses, with time and memory
bounds; the fuzz session (``nox -s fuzz``) throws random ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.policy import Policy, PolicyError, load_policy, parse_policy

HERE = Path(__file__).parent
RECORDS = HERE / "fixtures" / "records"
NOW = resolve_now("2024-06-01T00:00:00Z")
POLICY_FILE = Path(__file__).parent.parent / "sphinx_incidents" / "policies" / "openverse.yaml"

BASE = """\
title: "Search is slow"
severity: 3
services: [api]
detected: 2024-05-28T09:00:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Search took several seconds for some users."
timeline:
  - at: 2024-05-28T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-28T10:00:00Z
    status: stabilized
    note: "Restarted the search pods."
"""
ID = "2024-05-28-search-is-slow"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def check(folder: Path, policy: Policy | None = None) -> CheckResult:
    return check_paths([folder], policy or load_policy(), NOW, base=folder, find_roster=False)


def codes(result: CheckResult) -> list[tuple[str, str, int, int]]:
    return [(d.path, d.code, d.line, d.column) for d in result.diagnostics]


def record(folder: Path, text: str, name: str = ID + ".yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. integers are bounded before conversion ------------------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("old", "new", "line", "column"),
    [
        ("severity: 3", f"severity: {HUGE}", 2, 11),
        ("    status: stabilized\n", f"    status: stabilized\n    severity: {HUGE}\n", 14, 15),
        ("severity: 3", f"severity: -{HUGE}", 2, 11),
    ],
)
def test_a_huge_integer_is_inc004_not_a_traceback(
    tmp_path: Path, policy: Policy, old: str, new: str, line: int, column: int
) -> None:
    record(tmp_path, BASE.replace(old, new, 1))
    record(tmp_path, BASE, "2024-05-29-another.yaml")  # the others are still checked
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC004", line, column)]
    [diagnostic] = result.diagnostics
    assert "too large" in diagnostic.message and len(diagnostic.message) < 200
    assert "2024-05-29-another" in [i.id for i in result.incidents]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  - level: 1\n", f"  - level: {HUGE}\n"),
        ("rules:\n", f"rules:\n  stale_days: {HUGE}\n"),
    ],
)
def test_a_huge_integer_in_the_policy_is_a_policy_error(old: str, new: str) -> None:
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert old in text
    if new.startswith("rules:"):
        text = text.replace("  stale_days:", "  # stale_days:")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.replace(old, new, 1).encode(), "policy.yaml")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "INC004" and "too large" in diagnostic.message


def test_check_cli_with_a_huge_severity_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record(tmp_path, BASE.replace("severity: 3", f"severity: {HUGE}"))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--now", "2024-06-01T00:00:00Z", "."]) == 1
    out, err = capsys.readouterr()
    assert "INC004" in out and "Traceback" not in err


# --- 5. control characters never reach a terminal, an annotation or a page ---------------------

ESCAPES = "\x1b]0;PWNED\x07\x1b[31m"


def test_control_characters_in_text_are_inc004(tmp_path: Path, policy: Policy) -> None:
    record(tmp_path, BASE.replace('"Search is slow"', '"Search \\e[2J is slow"'))
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC004", 1, 8)]
    assert "U+001B" in result.diagnostics[0].message
    [incident] = result.incidents
    assert "\x1b" not in incident.title  # the page falls back to the id


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_diagnostics_escape_keys_and_never_forge_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    forged = "x\\n2024-01-01-forged.yaml:1:1: INC099 forged\\n::error file=a::forged"
    record(tmp_path, BASE + f'"\\e[2J\\e[H{forged}": 1\n"\\x9b31m": 2\n')
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--now", "2024-06-01T00:00:00Z", "--format", fmt, "."]) == 1
    out, err = capsys.readouterr()
    for text in (out, err):
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    if fmt != "json":
        lines = out.splitlines()
        assert len(lines) == 2
        assert all(ID in line for line in lines)
        assert not any("INC099" in line[:60] for line in lines)


def test_roster_names_are_refused_and_leads_prints_no_escape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "_roster.yaml").write_text(
        'people:\n  - handle: alex\n    name: "Alex \\e]0;PWNED\\a\\e[31m"\n', encoding="utf-8"
    )
    record(tmp_path, BASE)
    monkeypatch.chdir(tmp_path)
    assert main(["leads", "--now", "2024-06-01T00:00:00Z", "."]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert main(["check", "--now", "2024-06-01T00:00:00Z", "."]) == 1
    out, _ = capsys.readouterr()
    assert "_roster.yaml:3:11: INC004" in out


def test_leads_escapes_whatever_reaches_it() -> None:
    from datetime import date

    from sphinx_incidents.cli.leads import render_report
    from sphinx_incidents.core.analytics import lead_report
    from sphinx_incidents.core.model import Person, Roster

    roster = Roster("_roster.yaml")
    roster.people.append(Person("alex", "Alex" + ESCAPES))
    report = lead_report([], roster, NOW, date(2024, 1, 1), load_policy())
    text = "\n".join(render_report(report))
    assert "\x1b" not in text and "\\x1b]0;PWNED\\x07" in text
