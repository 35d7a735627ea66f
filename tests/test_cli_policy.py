"""``new`` and ``log`` under a team's policy: levels, the recurrence window, ``related``,
and a broken ``_policy.yaml`` reported with its location."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from sphinx_incidents.cli.main import main

ROSTER = """\
people:
  - handle: olga
  - handle: zack
rotation:
  - week: 2024-02-26
    runner: zack
"""
OLD = "2024-03-01-api-search-returns-500s"


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose records folder extends openverse-five-steps in one line."""
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "incident_records"
    folder.mkdir()
    (folder / "_roster.yaml").write_text(ROSTER)
    (folder / "_policy.yaml").write_text("extends: openverse-five-steps\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPHINX_INCIDENTS_USER", "olga")
    for name in ("SOURCE_DATE_EPOCH", "NO_COLOR", "SPHINX_INCIDENTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def life_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    """Recorded, stabilized, and resolved straight away (no prevention follow-up)."""
    steps = [
        [
            "new",
            "API search returns 500s",
            "--severity",
            "2",
            "--service",
            "api",
            "--via",
            "automated-alert",
            "--detected",
            "2024-03-01T09:00:00Z",
            "--now",
            "2024-03-01T09:05:00Z",
        ],
        [
            "log",
            OLD,
            "--status",
            "stabilized",
            "--note",
            "Rolled back.",
            "--now",
            "2024-03-01T09:30:00Z",
        ],
        [
            "log",
            OLD,
            "--status",
            "resolved",
            "--note",
            "Nothing more to do.",
            "--now",
            "2024-03-01T12:00:00Z",
        ],
    ]
    for argv in steps:
        code, _, err = run(capsys, *argv)
        assert code == 0, err


def test_resolving_without_prevention_and_the_review_step(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    life_cycle(capsys)
    # INC041 is off in openverse-five-steps; no retrospective deadline
    code, out, _ = run(capsys, "log", OLD, "--note", "Watching.", "--now", "2024-04-01T12:00:00Z")
    assert code == 0
    # reviewed needs the retrospective first
    code, _, err = run(capsys, "log", OLD, "--status", "reviewed", "--now", "2024-03-04T12:00:00Z")
    assert code == 1
    assert "INC027 reviewed requires `retrospective`, and the record has none" in err
    record = records / f"{OLD}.yaml"
    record.write_text(record.read_text() + "retrospective:\n  date: 2024-03-04\n  host: zack\n")
    code, out, err = run(
        capsys, "log", OLD, "--status", "reviewed", "--at", "2024-04-02T12:00:00Z",
        "--now", "2024-04-02T12:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    assert "status resolved -> reviewed" in out


def test_logging_resolved_says_what_comes_next(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        capsys, "new", "API search returns 500s", "--severity", "2", "--service", "api",
        "--detected", "2024-03-01T09:00:00Z", "--now", "2024-03-01T09:05:00Z",
    )  # fmt: skip
    assert code == 0
    template = (records / f"{OLD}.yaml").read_text()
    assert "needs at least one with purpose: prevention" not in template  # INC041 is off
    run(capsys, "log", OLD, "--status", "stabilized", "--now", "2024-03-01T10:00:00Z")
    code, out, _ = run(capsys, "log", OLD, "--status", "resolved", "--now", "2024-03-01T11:00:00Z")
    assert code == 0
    assert (
        f"next: hold the retrospective if one is needed, then: sphinx-incidents retro {OLD}" in out
    )
    assert f"then: sphinx-incidents log {OLD} --status reviewed" in out


def test_a_recurrence_after_the_window_is_refused_with_the_new_command(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    life_cycle(capsys)
    record = records / f"{OLD}.yaml"
    before = record.read_bytes()
    code, out, err = run(
        capsys, "log", OLD, "--status", "stabilization-pending", "--note", "Errors are back.",
        "--by", "zack", "--now", "2024-03-03T13:00:00Z",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert record.read_bytes() == before  # refused: the file is as it was
    assert "INC026 back to stabilization-pending 49.0 hours after the incident was resolved" in err
    assert "record the recurrence as a new incident, related to this one:" in err
    command = err.strip().splitlines()[-1].strip()
    assert command == (
        "sphinx-incidents new 'API search returns 500s' --severity 2 --service api "
        "--via automated-alert --detected 2024-03-03T13:00:00Z --recorded-by zack "
        f"--summary 'Errors are back.' --related {OLD}"
    )
    # the printed command works as it is
    words = shlex.split(command)[1:]
    code, out, err = run(capsys, *words, "--now", "2024-03-03T13:05:00Z")
    assert code == 0, err
    new = records / "2024-03-03-api-search-returns-500s.yaml"
    assert f"related:\n  - {OLD}\n" in new.read_text()
    code, _, _ = run(capsys, "check", "--now", "2024-03-03T13:05:00Z")
    assert code == 0
    # within the window it is the same incident, and log takes it
    record.write_bytes(before)
    code, _, err = run(
        capsys, "log", OLD, "--status", "stabilization-pending", "--now", "2024-03-03T11:00:00Z"
    )
    assert code == 0, err


def test_new_related_must_name_an_incident(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    life_cycle(capsys)
    code, out, err = run(
        capsys, "new", "Search is slow", "--severity", "3", "--service", "api",
        "--related", "2024-03-01-api-search-returns-500", "--related", OLD,
        "--lead", "zack", "--now", "2024-03-05T09:00:00Z",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert "INC012 related incident '2024-03-01-api-search-returns-500' does not exist" in err
    assert f"did you mean '{OLD}'?" in err
    assert sorted(p.name for p in records.glob("2024-03-05-*")) == []


def test_rule_levels_apply_to_new_and_log(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a policy that makes an unknown person a warning: log takes the event and says so
    (records / "_policy.yaml").write_text(
        "extends: openverse-five-steps\nrules: {INC031: warning}\n"
    )
    life_cycle(capsys)
    code, _, err = run(
        capsys, "log", OLD, "--note", "Asked dana.", "--by", "dana", "--now", "2024-03-02T09:00:00Z"
    )
    assert code == 0
    assert "INC031 by 'dana' is not in the roster" in err
    # and check agrees: a warning, exit 0; --strict fails
    assert run(capsys, "check", "--now", "2024-03-02T09:00:00Z")[0] == 0
    assert run(capsys, "check", "--strict", "--now", "2024-03-02T09:00:00Z")[0] == 1


@pytest.mark.parametrize("command", ["new", "log", "check", "leads"])
def test_a_broken_policy_is_shown_located_by_every_command(
    records: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    (records / "_policy.yaml").write_text(
        "extends: openverse-five-steps\nrules:\n  INC044: error\n"
    )
    argv = {
        "new": ["new", "X", "--severity", "3", "--service", "api"],
        "log": ["log", OLD, "--note", "x"],
        "check": ["check"],
        "leads": ["leads"],
    }[command]
    if command == "log":
        (records / f"{OLD}.yaml").write_text("title: x\n")
    code, out, err = run(capsys, *argv)
    located = (
        "incident_records/_policy.yaml:3:11: POLICY INC044 cannot be error (allowed: warning, off)"
    )
    if command == "check":
        assert code == 1 and out.startswith(located)
        assert "sphinx-incidents due --strict" in out
    else:
        assert code == 2
        assert (
            f"sphinx-incidents {command}: error: invalid policy (incident_records/_policy.yaml):"
            in err
        )
        assert located in err
