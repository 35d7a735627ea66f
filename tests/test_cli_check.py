"""``sphinx-incidents check``: output formats, exit codes and where "now" comes from."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.clock import NowError, resolve_now
from sphinx_incidents.core.diagnostics import Diagnostic, Level

HERE = Path(__file__).parent
REPO = HERE.parent
RECORDS = HERE / "fixtures" / "records"
POLICIES = HERE / "fixtures" / "policies"
NOW = "2024-06-01T00:00:00Z"
TRANSITION = "invalid/2024-05-28-inc023-transition.yaml"
FUTURE = "invalid/2024-05-31-inc025-future.yaml"  # a warning only
STALE = "invalid/2024-05-20-inc044-stale.yaml"  # a warning once "now" is after 2024-05-31
TEXT_RE = re.compile(r"^[^:\s]+:\d+:\d+: INC\d{3} .+$")
GITHUB_RE = re.compile(r"^::(error|warning) file=[^,]+,line=\d+,col=\d+,title=INC\d{3}::.+$")


@pytest.fixture(autouse=True)
def _in_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the fixture folder (paths print relative to it), with no colour or epoch."""
    monkeypatch.chdir(RECORDS)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--now", NOW, "--roster", "_roster.yaml", TRANSITION)
    assert code == 1
    assert out.splitlines() == [
        f"{TRANSITION}:14:13: INC023 transition stabilization-pending -> under-investigation "
        "is not in the policy graph (allowed after stabilization-pending: stabilized)"
    ]
    assert err.strip() == "1 record(s) checked: 1 error(s), 0 warning(s)"


def test_text_format_for_every_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--now", NOW, "--roster", "_roster.yaml", "invalid")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) >= 40
    for line in lines:
        assert TEXT_RE.match(line), line
        assert line.startswith("invalid/")
    assert "\x1b[" not in out


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--format", "json", "--now", NOW, "--roster", "_roster.yaml", "invalid"
    )
    assert code == 1
    data = json.loads(out)
    assert isinstance(data, list) and len(data) >= 40
    for item in data:
        assert set(item) == {"path", "line", "column", "code", "level", "message", "hint"}
        assert isinstance(item["line"], int) and item["line"] >= 1
        assert isinstance(item["column"], int) and item["column"] >= 1
        assert item["level"] in ("error", "warning")
        assert re.fullmatch(r"INC\d{3}", item["code"])
    [transition] = [d for d in data if d["code"] == "INC023" and d["path"] == TRANSITION]
    assert transition == {
        "path": TRANSITION,
        "line": 14,
        "column": 13,
        "code": "INC023",
        "level": "error",
        "message": "transition stabilization-pending -> under-investigation is not in the "
        "policy graph",
        "hint": "allowed after stabilization-pending: stabilized",
    }


def test_json_format_when_clean_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--format", "json", "--now", NOW, "--roster", "_roster.yaml", "valid"
    )
    assert (code, json.loads(out), err) == (0, [], "")


def test_github_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--format", "github", "--now", NOW, "--roster", "_roster.yaml", "invalid"
    )
    assert code == 1
    lines = out.splitlines()
    assert len(lines) >= 40
    for line in lines:
        assert GITHUB_RE.match(line), line
    assert any(line.startswith("::warning ") for line in lines)
    assert (
        f"::error file={TRANSITION},line=14,col=13,title=INC023::transition "
        "stabilization-pending -> under-investigation is not in the policy graph "
        "(allowed after stabilization-pending: stabilized)"
    ) in lines


def test_github_format_escapes_what_would_break_the_command() -> None:
    d = Diagnostic("a,b:c.yaml", 3, 4, "INC004", Level.WARNING, "100% wrong\nsecond line", "x")
    line = d.format_github()
    assert GITHUB_RE.match(line)
    # The newline never reaches the command: a diagnostic escapes it when it is created.
    assert (
        line
        == "::warning file=a%2Cb%3Ac.yaml,line=3,col=4,title=INC004::100%25 wrong\\nsecond line (x)"
    )


# --- exit codes --------------------------------------------------------------------------------


def test_clean_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--now", NOW, "--roster", "_roster.yaml", "valid") == (0, "", "")
    assert run(capsys, "--strict", "--now", NOW, "--roster", "_roster.yaml", "valid")[0] == 0


def test_warnings_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--now", NOW, "--roster", "_roster.yaml", FUTURE)
    assert code == 0
    assert out.startswith(f"{FUTURE}:15:9: INC025 ")
    assert "0 error(s), 1 warning(s)" in err
    code, out, _ = run(capsys, "--strict", "--now", NOW, "--roster", "_roster.yaml", FUTURE)
    assert code == 1 and "INC025" in out


def test_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--now", NOW, "--roster", "_roster.yaml", TRANSITION)[0] == 1


def test_demo_records_with_default_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert run(capsys, "--strict", "--now", "2026-11-27T12:00:00Z") == (0, "", "")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["no-such-folder"], "no such file or folder"),
        (["--now", "yesterday", "valid"], "--now"),
        (["--now", "2024-06-01T00:00:00", "valid"], "without a UTC offset"),
        (["--now", "2024-06-01", "valid"], "date without a time"),
        (["--roster", "no-such-roster.yaml", "valid"], "--roster"),
        (["--policy", "no-such-policy.yaml", "valid"], "cannot read policy file"),
    ],
)
def test_usage_and_io_errors_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("sphinx-incidents check: error: ")
    assert words in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "located"),
    [
        ("broken-duplicate-severity.yaml", "8:13: POLICY duplicate severity level 2"),
        ("broken-no-first-status.yaml", "23:17: POLICY expected at least 1 item(s)"),
    ],
)
def test_a_broken_policy_is_reported_like_a_broken_record(
    capsys: pytest.CaptureFixture[str], name: str, located: str
) -> None:
    policy = str(POLICIES / name)
    code, out, err = run(capsys, "--policy", policy, "valid")
    assert code == 1
    assert out.startswith(f"{policy}:{located}")
    assert "the policy is invalid; no record checked: 1 error(s)" in err
    # as annotations on the policy file in CI, and in JSON
    code, out, _ = run(capsys, "--policy", policy, "--format", "github", "valid")
    line, column = located.split(":")[:2]
    assert code == 1 and out.startswith(f"::error file={policy},line={line},col={column},")
    code, out, _ = run(capsys, "--policy", policy, "--format", "json", "valid")
    [item] = json.loads(out)
    assert (code, item["code"], item["line"]) == (1, "POLICY", int(line))


def test_bad_source_date_epoch_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    code, _, err = run(capsys, "valid")
    assert code == 2 and "SOURCE_DATE_EPOCH" in err


def test_other_policy_file(capsys: pytest.CaptureFixture[str]) -> None:
    # The five-status policy reopens from `reviewed`, not from `resolved`.
    five = str(POLICIES / "five-statuses.yaml")
    code, out, _ = run(capsys, "--policy", five, "--now", NOW, "--roster", "_roster.yaml", "valid")
    assert code == 1
    assert out.splitlines() == [
        "valid/2024-05-02-recurrence.yaml:28:13: INC023 transition resolved -> "
        "stabilization-pending is not in the policy graph (allowed after resolved: reviewed)"
    ]


# --- where "now" comes from --------------------------------------------------------------------


def _epoch(text: str) -> str:
    return str(int(datetime.fromisoformat(text).timestamp()))


def test_source_date_epoch_is_now(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--strict", "--roster", "_roster.yaml", STALE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch("2024-05-26T00:00:00+00:00"))
    assert run(capsys, *args)[0] == 0  # last event two days before "now": fine
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch("2024-06-01T00:00:00+00:00"))
    code, out, _ = run(capsys, *args)
    assert code == 1 and "INC044" in out and re.search(r"\b7\.\d days old", out)


def test_explicit_now_beats_source_date_epoch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch("2024-06-01T00:00:00+00:00"))
    args = ("--strict", "--roster", "_roster.yaml", STALE)
    assert run(capsys, "--now", "2024-05-26T00:00:00Z", *args)[0] == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch("2024-05-26T00:00:00+00:00"))
    assert run(capsys, "--now", "2024-06-01T00:00:00Z", *args)[0] == 1


def test_without_now_or_epoch_the_clock_is_now(capsys: pytest.CaptureFixture[str]) -> None:
    # Years after the fixtures: the open incident is stale.
    code, out, _ = run(capsys, "--strict", "--roster", "_roster.yaml", STALE)
    assert code == 1 and "INC044" in out


def test_resolve_now_explicit_text() -> None:
    assert resolve_now("2024-06-01T00:00:00Z") == datetime(2024, 6, 1, tzinfo=UTC)
    converted = resolve_now("2024-06-01T02:00:00+02:00")
    assert converted == datetime(2024, 6, 1, tzinfo=UTC)
    assert converted.utcoffset() == timedelta(0)


def test_resolve_now_explicit_datetime() -> None:
    paris = timezone(timedelta(hours=2))
    assert resolve_now(datetime(2024, 6, 1, 2, tzinfo=paris)) == datetime(2024, 6, 1, tzinfo=UTC)
    with pytest.raises(NowError):
        resolve_now(datetime(2024, 6, 1))


def test_resolve_now_order() -> None:
    env = {"SOURCE_DATE_EPOCH": _epoch("2020-01-01T00:00:00+00:00")}
    # 1. an explicit value wins over the environment
    assert resolve_now("2024-06-01T00:00:00Z", env).year == 2024
    # 2. then SOURCE_DATE_EPOCH
    assert resolve_now(None, env) == datetime(2020, 1, 1, tzinfo=UTC)
    assert resolve_now("", env) == datetime(2020, 1, 1, tzinfo=UTC)
    # 3. then the clock (an empty SOURCE_DATE_EPOCH counts as unset)
    for environ in ({}, {"SOURCE_DATE_EPOCH": ""}):
        before = datetime.now(UTC)
        now = resolve_now(None, environ)
        assert before <= now <= datetime.now(UTC)
        assert now.tzinfo is not None


def test_resolve_now_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert resolve_now() == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2024-06-01",
        "2024-06-01T00:00:00",
        "2024-13-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_resolve_now_refuses_bad_values(value: str) -> None:
    with pytest.raises(NowError):
        resolve_now(value)


@pytest.mark.parametrize("epoch", ["soon", "1.5", "99999999999999999999"])
def test_resolve_now_refuses_bad_epochs(epoch: str) -> None:
    with pytest.raises(NowError):
        resolve_now(None, {"SOURCE_DATE_EPOCH": epoch})
