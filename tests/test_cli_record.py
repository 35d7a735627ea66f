"""``sphinx-incidents new`` and ``log``: life cycles, refusals, crashes and concurrency."""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sphinx_incidents.cli.main import main
from sphinx_incidents.core import editing
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.policy import load_policy
from sphinx_incidents.core.yamlnodes import load_nodes

ROOT = Path(__file__).resolve().parent.parent
NOW = "2024-03-03T00:00:00Z"
ROSTER = """\
people:
  - handle: olga
  - handle: zack
  - handle: dhruv
rotation:
  - week: 2024-02-26
    runner: zack
"""
TITLE = "API search returns 500s"
ID = "2024-03-01-api-search-returns-500s"


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository folder with incident_records/ and a roster; the working directory."""
    folder = tmp_path / "incident_records"
    folder.mkdir()
    (folder / "_roster.yaml").write_text(ROSTER)
    monkeypatch.chdir(tmp_path)
    for name in ("SOURCE_DATE_EPOCH", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    isolate_git(tmp_path, monkeypatch)
    monkeypatch.setenv("SPHINX_INCIDENTS_USER", "olga")  # who is logging, unless a test says
    return folder


def isolate_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, email: str | None = None) -> None:
    """Git config as on a fresh machine (no system or user file), with ``email`` if given."""
    config = tmp_path / "gitconfig"
    config.write_text(f"[user]\n\temail = {email}\n" if email else "")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--now", NOW] if argv[0] in ("new", "log") else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def new(
    capsys: pytest.CaptureFixture[str], *extra: str, title: str = TITLE
) -> tuple[int, str, str]:
    return run(
        capsys,
        "new",
        title,
        "--severity",
        "1",
        "--service",
        "api",
        "--recorded-by",
        "olga",
        "--detected",
        "2024-03-01T09:12:00Z",
        *extra,
    )


def log(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "log", ID, *argv)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_errors(folder: Path) -> list[str]:
    """Everything ``check`` reports about the folder (errors and warnings)."""
    result = check_paths([folder], load_policy(), resolve_now(NOW))
    return [d.format_text() for d in result.diagnostics]


def events(path: Path) -> list[dict[str, object]]:
    data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # strings, as written
    timeline: list[dict[str, object]] = data["timeline"]
    return timeline


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- new --------------------------------------------------------------------------------------


def test_new_writes_a_valid_record(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = new(capsys)
    assert (code, err) == (0, "")
    path = records / f"{ID}.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=_schema.json\n")
    assert 'title: "API search returns 500s"\n' in text
    assert "lead: zack  # the rotation runner for the week of 2024-02-26\n" in text
    assert f"created incident_records/{ID}.yaml" in out
    assert f"sphinx-incidents log {ID} --status stabilized" in out
    assert (records / "_schema.json").is_file()
    assert check_errors(records) == []
    assert main(["check", "--now", NOW]) == 0
    first = events(path)[0]
    assert first["status"] == "stabilization-pending" and first["by"] == "olga"


def test_new_defaults_and_options(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "new",
        "Harmful images reported: 'no' action",
        "--severity",
        "2",
        "--category",
        "community",
        "--lead",
        "dhruv",
        "--recorded-by",
        "zack",
        "--via",
        "user-report",
        "--stabilized",
        "--summary",
        "yes: reports were answered late.\nSecond line.",
        "--detected",
        "2024-03-01T20:30:00-05:00",
    )
    assert code == 0
    path = records / "2024-03-02-harmful-images-reported-no-action.yaml"  # the UTC day
    data = yaml.safe_load(path.read_text())
    assert data["summary"] == "yes: reports were answered late.\nSecond line."
    assert data["lead"] == "dhruv" and data["detected_via"] == "user-report"
    assert data["timeline"][0]["status"] == "stabilized"
    assert "--status under-investigation" in out
    assert check_errors(records) == []


def test_new_recorded_by_from_the_environment(
    records: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPHINX_INCIDENTS_USER", "dhruv")
    assert run(capsys, "new", TITLE, "--severity", "3", "--service", "frontend")[0] == 0
    (path,) = records.glob("2024-*.yaml")
    data = yaml.safe_load(path.read_text())
    assert data["recorded_by"] == "dhruv" and data["detected_via"] == "other"
    assert "detected: 2024-03-03T00:00:00Z\n" in path.read_text()  # --now


def test_new_never_overwrites_and_adds_suffixes(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (records / f"{ID}.yml").write_text("hand: written\n")
    before = digest(records / f"{ID}.yml")
    for expected in ("-2", "-3", "-4"):
        code, out, _ = new(capsys)
        assert code == 0 and f"{ID}{expected}.yaml" in out
    assert digest(records / f"{ID}.yml") == before
    assert not (records / f"{ID}.yaml").exists()
    assert sorted(p.name for p in records.glob(f"{ID}-*.yaml")) == [
        f"{ID}-2.yaml",
        f"{ID}-3.yaml",
        f"{ID}-4.yaml",
    ]


def test_new_lost_race_takes_the_next_name(
    records: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def someone_else_first(path: Path) -> None:
        if path.name == f"{ID}.yaml" and not path.exists():
            path.write_text("theirs\n")

    monkeypatch.setattr(editing, "_before_replace", someone_else_first)
    code, out, _ = new(capsys)
    assert code == 0 and f"{ID}-2.yaml" in out
    assert (records / f"{ID}.yaml").read_text() == "theirs\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--service", "api", "--lead", "olga"], "who is recording?"),
        (["--recorded-by", "olga", "--lead", "olga"], "--service S (frontend, api, catalog"),
        (
            ["--service", "api", "--recorded-by", "olga", "--detected", "2024-06-01T00:00Z"],
            "who leads?",
        ),
        (["--service", "api", "--recorded-by", "olga", "--detected", "2024-03-01"], "date without"),
        (["--service", "api", "--recorded-by", "olga", "--dir", "nowhere"], "no such folder"),
        (
            ["--service", "api", "--recorded-by", "olga", "--id", "Bad Id"],
            "not a valid incident id",
        ),
        (["--service", "api", "--recorded-by", "olga", "--policy", "nope"], "invalid policy"),
    ],
)
def test_new_usage_errors(
    records: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("SPHINX_INCIDENTS_USER")
    code, _, err = run(capsys, "new", TITLE, "--severity", "1", *argv)
    assert code == 2 and message in err and "Traceback" not in err
    assert sorted(p.name for p in records.iterdir()) == ["_roster.yaml"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--service", "apii"], "INC021 unknown service 'apii' (did you mean 'api'?)"),
        (["--service", "api", "--lead", "bob"], "INC031 lead 'bob' is not in the roster"),
        (["--service", "api", "--severity", "7"], "INC020 severity 7 is not in the policy"),
        (["--service", "api", "--via", "pager"], "INC021 unknown detection channel 'pager'"),
        (["--service", "api", "--category", "tech"], "INC021 unknown category 'tech'"),
    ],
)
def test_new_refuses_invalid_records(
    records: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "new", TITLE, "--severity", "1", "--recorded-by", "olga", *argv)
    assert code == 1 and "refused, nothing written" in err and message in err
    assert sorted(p.name for p in records.iterdir()) == ["_roster.yaml"]


def test_new_without_a_roster_needs_a_lead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recs").mkdir()
    argv = ["--service", "api", "--recorded-by", "olga", "--dir", "recs"]
    code, _, err = run(capsys, "new", TITLE, "--severity", "1", *argv)
    assert code == 2 and "pass --lead HANDLE (no roster" in err
    code, out, _ = run(capsys, "new", TITLE, "--severity", "1", *argv, "--lead", "anyone")
    assert code == 0 and "--dir recs" in out


# --- log: a full life cycle -------------------------------------------------------------------


def test_full_life_cycle_keeps_hand_written_text(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(capsys, "--summary", "API search failed.")[0] == 0
    path = records / f"{ID}.yaml"

    def hand_edit(old: str, new_text: str) -> None:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new_text, 1))

    hand_edit("severity: 1\n", "severity: 1  # page everyone\n")
    first = ("--status", "stabilized", "--at", "2024-03-01T09:40:00Z", "--by", "olga")
    assert log(capsys, *first, "--note", "Rolled back: 5xx < 1 %")[0] == 0
    hand_edit("    by: olga\n", "    by: olga\n    # olga: rollback took 10 min\n")
    steps = [
        ("--status", "under-investigation", "--at", "2024-03-01T10:00:00Z"),
        ("--status", "stabilization-pending", "--at", "2024-03-01T11:00:00Z", "--note", "Back."),
        ("--severity", "2", "--lead", "dhruv", "--at", "2024-03-01T11:05:00Z"),
        ("--status", "stabilized", "--at", "2024-03-01T12:00:00Z", "--by", "dhruv"),
        ("--status", "under-investigation", "--at", "2024-03-01T13:00:00Z"),
    ]
    for step in steps:
        code, out, err = log(capsys, *step)
        assert (code, err) == (0, ""), err
        assert out.startswith(f"logged incident_records/{ID}.yaml: at ")
    # resolving needs a prevention follow-up (INC041): refused until one is filed
    code, _, err = log(capsys, "--status", "resolved", "--at", "2024-03-01T15:00:00Z")
    assert code == 1 and "INC041" in err
    with path.open("a") as stream:
        stream.write(
            "follow_ups:\n"
            '  - title: "Limit deep pagination"  # the real fix\n'
            "    url: https://github.com/WordPress/openverse/issues/1\n"
            "    purpose: prevention\n"
            "    priority: high\n"
        )
    code, out, _ = log(capsys, "--status", "resolved", "--at", "2024-03-01T15:00:00Z")
    assert code == 0 and "under-investigation -> resolved" in out
    assert "retrospective within 14 days" in out

    text = path.read_text()
    for kept in (
        "# yaml-language-server: $schema=_schema.json\n",
        "severity: 1  # page everyone\n",
        "    # olga: rollback took 10 min\n",
        '  - title: "Limit deep pagination"  # the real fix\n',
        "# Add events with `sphinx-incidents log`, tickets with",
    ):
        assert kept in text
    timeline = events(path)
    assert [e.get("status") for e in timeline] == [
        "stabilization-pending",
        "stabilized",
        "under-investigation",
        "stabilization-pending",
        None,
        "stabilized",
        "under-investigation",
        "resolved",
    ]
    assert timeline[1]["note"] == "Rolled back: 5xx < 1 %"
    assert timeline[4] == {
        "at": "2024-03-01T11:05:00Z",
        "severity": "2",
        "lead": "dhruv",
        "by": "olga",
    }
    assert check_errors(records) == []
    assert main(["check", "--now", NOW, "--strict"]) == 0
    result = check_paths([records], load_policy(), resolve_now(NOW))
    (incident,) = result.incidents
    assert incident.recurrences == 1 and not incident.is_open
    assert incident.resolving_lead == "dhruv" and incident.current_severity == 2


# --- log: refusals ----------------------------------------------------------------------------


@pytest.fixture
def stabilized(records: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A record whose current status is `stabilized` (at 09:40), with a hand-written comment."""
    assert new(capsys)[0] == 0
    path = records / f"{ID}.yaml"
    path.write_text(path.read_text().replace("timeline:\n", "timeline:  # newest last\n"))
    assert log(capsys, "--status", "stabilized", "--at", "2024-03-01T09:40:00Z")[0] == 0
    return path


@pytest.mark.parametrize(
    ("argv", "messages"),
    [
        (
            ["--status", "resolved"],
            ["INC023 transition stabilized -> resolved is not in the policy graph"],
        ),
        (["--note", "x", "--by", "bob"], ["INC031 by 'bob' is not in the roster"]),
        (["--lead", "olgaa"], ["INC031 lead 'olgaa' is not in the roster (did you mean 'olga'?)"]),
        (["--status", "investigating"], ["INC021 unknown status 'investigating'"]),
        (["--severity", "4"], ["INC020 severity 4 is not in the policy"]),
        (["--lead", "no"], ["INC031 lead 'no' is not in the roster"]),
    ],
)
def test_refused_events_leave_the_file_byte_identical(
    stabilized: Path, capsys: pytest.CaptureFixture[str], argv: list[str], messages: list[str]
) -> None:
    before = digest(stabilized)
    code, out, err = log(capsys, *argv)
    assert code == 1 and out == ""
    assert f"refused, incident_records/{ID}.yaml is unchanged" in err
    for message in messages:
        assert message in err
    assert "current status: stabilized; allowed next statuses: under-investigation, " in err
    assert digest(stabilized) == before
    assert temp_files(stabilized.parent) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["log", "2024-03-01-api-search-500s", "--note", "x"], "did you mean '" + ID),
        (["log", "incident_records/nope.yaml", "--note", "x"], "no such record file"),
        (["log", ID], "nothing to log"),
        (["log", ID, "--note", "x", "--at", "yesterday"], "not an ISO 8601 timestamp"),
        (["log", ID, "--note", "x", "--at", "2024-03-01T10:00:00"], "without a UTC offset"),
        (["log", ID, "--note", "x", "--dir", "elsewhere"], "no such folder"),
        (["log", ID, "--note", "x", "--roster", "missing.yaml"], "no such file"),
        (["log", ID, "--note", "x", "--now", "soon"], "--now"),
    ],
)
def test_log_usage_errors(
    stabilized: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = digest(stabilized)
    code = main(argv if "--now" in argv else [*argv, "--now", NOW])
    _, err = capsys.readouterr()
    assert code == 2 and message in err and "Traceback" not in err
    assert digest(stabilized) == before


def test_unknown_id_in_an_empty_folder(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = log(capsys, "--note", "x")
    assert code == 2 and f"no incident '{ID}' in incident_records/ (it has no records)" in err


def test_flow_style_timeline_is_refused(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(capsys)[0] == 0
    path = records / f"{ID}.yaml"
    text = path.read_text()
    start = text.index("timeline:\n")
    end = text.index("# Add events")
    flow = "timeline: [{at: 2024-03-01T09:12:00Z, status: stabilization-pending}]\n"
    path.write_text(text[:start] + flow + text[end:])
    assert check_errors(records) == []
    before = digest(path)
    code, _, err = log(capsys, "--note", "x")
    assert code == 1 and "timeline is written in flow style" in err
    assert digest(path) == before


def test_log_accepts_a_path_and_a_yml_record(
    records: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert new(capsys)[0] == 0
    (records / f"{ID}.yaml").rename(records / f"{ID}.yml")
    assert log(capsys, "--note", "by id")[0] == 0
    monkeypatch.chdir(records)
    code = main(["log", f"{ID}.yml", "--note", "by path", "--now", NOW])
    assert code == 0
    assert [e.get("note") for e in events(records / f"{ID}.yml")][1:] == ["by id", "by path"]


def test_existing_errors_do_not_block_a_valid_event(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(capsys)[0] == 0
    path = records / f"{ID}.yaml"
    path.write_text(path.read_text().replace("summary:", "sumary: x\nsummary:"))
    code, _, err = log(capsys, "--status", "stabilized", "--at", "2024-03-01T10:00:00Z")
    assert code == 0 and "already had 1 error(s)" in err
    assert events(path)[-1]["status"] == "stabilized"


def test_log_by_defaults_to_the_environment_and_warns_about_the_future(
    records: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert new(capsys)[0] == 0
    monkeypatch.setenv("SPHINX_INCIDENTS_USER", "zack")
    code, _, err = log(capsys, "--note", "typo'd day", "--at", "2024-03-09T10:00:00Z")
    assert code == 0 and "INC025" in err
    assert events(records / f"{ID}.yaml")[-1]["by"] == "zack"


def test_log_at_defaults_to_now(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(capsys)[0] == 0
    assert log(capsys, "--note", "now")[0] == 0
    assert events(records / f"{ID}.yaml")[-1]["at"] == "2024-03-03T00:00:00Z"


def test_log_crlf_record(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(capsys)[0] == 0
    path = records / f"{ID}.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert log(capsys, "--note", "x")[0] == 0
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"") and data.count(b"- at:") == 2


# --- log: backfilling --------------------------------------------------------------------------


def test_backfilled_note_lands_at_its_place_in_time(
    stabilized: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = log(capsys, "--note", "Alert fired", "--at", "2024-03-01T09:30:00Z")
    assert (code, err) == (0, "")
    assert "at 2024-03-01T09:30:00Z (backfilled before 1 later event), by olga" in out
    assert "--status under-investigation" in out  # the next step still follows the current status
    assert [e.get("note", e.get("status")) for e in events(stabilized)] == [
        "stabilization-pending",
        "Alert fired",
        "stabilized",
    ]
    assert "timeline:  # newest last\n" in stabilized.read_text()
    assert check_errors(stabilized.parent) == []


def test_backfilled_status_is_checked_where_it_lands(
    stabilized: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(stabilized)
    code, out, err = log(capsys, "--status", "under-investigation", "--at", "2024-03-01T09:30:00Z")
    assert code == 1 and out == ""
    assert "INC023 transition stabilization-pending -> under-investigation" in err
    assert (
        "status at 2024-03-01T09:30:00Z: stabilization-pending; allowed next statuses: "
        "stabilized; the next status change is to stabilized at 2024-03-01T09:40:00Z"
    ) in err
    assert digest(stabilized) == before


def test_backfilled_event_before_detected_is_refused(
    stabilized: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(stabilized)
    code, _, err = log(capsys, "--note", "too early", "--at", "2024-03-01T09:00:00Z")
    assert code == 1 and "INC024 event at 2024-03-01T09:00:00+00:00 is before detected" in err
    assert digest(stabilized) == before


def test_backfilled_first_status(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(capsys, "--stabilized")[0] == 0
    path = records / f"{ID}.yaml"
    path.write_text(
        path.read_text().replace("detected: 2024-03-01T09:12", "detected: 2024-03-01T09:00")
    )
    argv = ("--status", "stabilization-pending", "--at", "2024-03-01T09:05:00Z", "--note", "Paged.")
    code, out, err = log(capsys, *argv)
    assert (code, err) == (0, ""), err
    assert "status none -> stabilization-pending" in out
    assert [e["status"] for e in events(path)] == ["stabilization-pending", "stabilized"]
    assert check_errors(records) == []


def test_a_resolved_incident_takes_backfilled_notes(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(capsys, "--stabilized")[0] == 0
    path = records / f"{ID}.yaml"
    with path.open("a") as stream:
        stream.write(
            "follow_ups:\n  - title: t\n    url: https://github.com/o/r/issues/1\n"
            "    purpose: prevention\n"
        )
    for at, status in (("10:00", "under-investigation"), ("11:00", "resolved")):
        assert log(capsys, "--status", status, "--at", f"2024-03-01T{at}:00Z")[0] == 0
    code, out, _ = log(capsys, "--note", "Found the alert", "--at", "2024-03-01T09:20:00Z")
    assert code == 0 and "backfilled before 2 later events" in out
    assert "retro" in out  # still resolved: the next step is the retrospective


# --- who is logging -----------------------------------------------------------------------------

EMAIL_ROSTER = ROSTER.replace(
    "  - handle: zack\n", "  - handle: zack\n    email: Zack@Example.org\n"
)


@pytest.mark.parametrize("command", ["log", "new"])
def test_who_from_git_email_in_the_roster(
    stabilized: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    (stabilized.parent / "_roster.yaml").write_text(EMAIL_ROSTER)
    monkeypatch.delenv("SPHINX_INCIDENTS_USER")
    isolate_git(tmp_path, monkeypatch, email="zack@example.org")
    if command == "log":
        code, out, _ = log(capsys, "--note", "x")
        assert code == 0 and "by zack" in out
        assert events(stabilized)[-1]["by"] == "zack"
    else:
        code, out, _ = new(capsys, "--id", "2024-03-01-other")
        assert code == 0
        assert (
            yaml.safe_load((stabilized.parent / "2024-03-01-other.yaml").read_text())["recorded_by"]
            == "olga"
        )  # --recorded-by olga wins
        code, out, _ = run(capsys, "new", "Other", "--severity", "3", "--service", "api")
        assert code == 0
        (path,) = stabilized.parent.glob("2024-03-03-other.yaml")
        assert yaml.safe_load(path.read_text())["recorded_by"] == "zack"


@pytest.mark.parametrize(
    ("email", "says"),
    [
        (None, "`git config user.email` is not set"),
        ("someone@example.org", "is someone@example.org, which no one in"),
    ],
)
def test_nobody_to_log_as_is_refused_with_how_to(
    stabilized: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    email: str | None,
    says: str,
) -> None:
    before = digest(stabilized)
    monkeypatch.delenv("SPHINX_INCIDENTS_USER")
    isolate_git(tmp_path, monkeypatch, email=email)
    code, _, err = log(capsys, "--note", "x")
    assert code == 2 and "who is logging? pass --by HANDLE, or set SPHINX_INCIDENTS_USER" in err
    assert "add `email: <your git e-mail>` to your entry in incident_records/_roster.yaml" in err
    assert says in err
    assert digest(stabilized) == before


def test_handle_from_the_environment_is_checked_against_the_roster(
    stabilized: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPHINX_INCIDENTS_USER", "olgaa")
    code, _, err = log(capsys, "--note", "x")
    assert code == 1 and "INC031 by 'olgaa' is not in the roster (did you mean 'olga'?)" in err
    assert "note: by olgaa comes from $SPHINX_INCIDENTS_USER" in err


# --- crashes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(OSError(28, "No space left on device"), 2), (KeyboardInterrupt(), 130)],
)
def test_crash_before_rename_keeps_the_old_file(
    stabilized: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
    expected: int,
) -> None:
    before = digest(stabilized)

    def crash(path: Path) -> None:
        assert temp_files(stabilized.parent)  # the new text is written, not yet renamed
        raise failure

    monkeypatch.setattr(editing, "_before_replace", crash)
    code, _, err = log(capsys, "--status", "under-investigation")
    assert code == expected and "Traceback" not in err
    assert digest(stabilized) == before
    assert temp_files(stabilized.parent) == []


PAUSED_LOG = """\
import sys, time
from sphinx_incidents.core import editing
def pause(path):
    print("ready", flush=True)
    time.sleep(float(sys.argv[1]))
editing._before_replace = pause
from sphinx_incidents.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def log_process(folder: Path, pause: float, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PAUSED_LOG, str(pause), "log", ID, "--now", NOW, *argv],
        cwd=folder.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_killed_while_writing_leaves_the_old_file(stabilized: Path) -> None:
    before = stabilized.read_bytes()
    process = log_process(stabilized.parent, 60, "--status", "under-investigation")
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert stabilized.read_bytes() == before
    assert temp_files(stabilized.parent)  # killed between writing and renaming
    assert check_errors(stabilized.parent) == []  # a leftover temp file is a dot file
    # the lock died with the process: the next log goes through
    process = log_process(stabilized.parent, 0, "--status", "under-investigation")
    assert process.wait(timeout=60) == 0
    assert events(stabilized)[-1]["status"] == "under-investigation"
    assert temp_files(stabilized.parent) == []  # the next writer cleaned up


def test_killed_at_any_moment_leaves_old_or_new(stabilized: Path) -> None:
    old = stabilized.read_bytes()
    for delay in (0.0, 0.2, 0.4, 0.6, 0.8):
        process = log_process(stabilized.parent, 0, "--note", f"after {delay}")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        data = stabilized.read_bytes()
        root, problems = load_nodes(data, "x")
        assert root is not None and problems == []
        if data != old:  # the whole event landed, and nothing else changed
            event = f'  - at: 2024-03-03T00:00:00Z\n    by: olga\n    note: "after {delay}"\n'
            assert data.replace(event.encode(), b"", 1) == old
        old = data
    assert check_errors(stabilized.parent) == []


# --- concurrency ------------------------------------------------------------------------------


LOG_COMMAND = [sys.executable, "-m", "sphinx_incidents.cli.main", "log", ID, "--now", NOW]


def test_twenty_concurrent_logs_all_land_in_time_order(stabilized: Path) -> None:
    minutes = list(range(20))
    random.Random(14).shuffle(minutes)  # the order the commands are started in
    processes = [
        subprocess.Popen(
            [
                *LOG_COMMAND,
                "--note",
                f"note {minute:02d}",
                "--at",
                f"2024-03-01T10:{minute:02d}:00Z",
                "--by",
                "zack",
            ],
            cwd=stabilized.parent.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for minute in minutes
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 20, errors
    timeline = events(stabilized)
    assert len(timeline) == 22
    assert [e.get("note") for e in timeline[2:]] == [f"note {m:02d}" for m in range(20)]
    assert [e["at"] for e in timeline] == sorted(str(e["at"]) for e in timeline)
    assert "timeline:  # newest last\n" in stabilized.read_text()
    assert check_errors(stabilized.parent) == []
    assert temp_files(stabilized.parent) == []


# --- help, colour, pre-commit -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["new", "log", "follow-up", "retro", "due"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "examples:" in out and f"sphinx-incidents {command} " in out and "exit status:" in out


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_colour_only_on_a_terminal_without_no_color(
    records: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_color: str | None,
    coloured: bool,
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert new(capsys)[0] == 0
    assert ("\x1b[" in terminal.getvalue()) is coloured
    assert "created" in terminal.getvalue()


def test_no_colour_when_piped(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = new(capsys)
    assert "\x1b[" not in out + err


@pytest.mark.parametrize(
    ("force", "no_color", "coloured"), [("1", None, True), ("1", "1", False), ("", None, False)]
)
def test_force_color_colours_a_pipe(
    records: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    force: str,
    no_color: str | None,
    coloured: bool,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", force)
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    _, out, _ = new(capsys)
    assert ("\x1b[32mcreated\x1b[0m" in out) is coloured


def test_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "check-incident-records"
    assert hook["entry"] == "sphinx-incidents check"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    assert pattern.search("incident_records/2024-03-01-x.yaml")
    assert pattern.search("incident_records/_roster.yml")
    assert pattern.search("incident_records/_policy.yaml")
    assert pattern.search("incident_records/2025/2025-01-01-x.yaml")  # archived by year
    assert pattern.search("documentation/incident_records/2024-03-01-x.yaml")
    assert not pattern.search("docs/incident_records.md")
