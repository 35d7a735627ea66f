"""``sphinx-incidents leads`` on the project's own records and on small made-up folders."""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from sphinx_incidents.cli.main import main

RECORDS = Path(__file__).resolve().parents[1] / "incident_records"
NOW = "2026-11-27T12:00:00Z"


def roster_people() -> list[tuple[str, str]]:
    data = yaml.safe_load((RECORDS / "_roster.yaml").read_text("utf-8"))
    return [(p["handle"], p["name"]) for p in data["people"]]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["leads", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_leads_on_project_records(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(RECORDS), "--now", NOW)
    assert code == 0, err
    lines = out.splitlines()
    people = roster_people()
    assert len(people) >= 2
    for handle, name in people:
        assert any(line.startswith(handle + " ") and name in line for line in lines), handle
    header = next(line for line in lines if line.startswith("Person"))
    for column in ("Name", "Total", "Sev 1", "Sev 2", "Sev 3", "Last led", "Days since"):
        assert column in header
    assert "Retros hosted" in header
    (next_line,) = [line for line in lines if line.startswith("Next lead: ")]
    assert next_line.split()[2] in {handle for handle, _ in people}
    assert "(" in next_line and next_line.endswith(")")
    assert any(line.startswith("Fairness: ") for line in lines)
    assert "\x1b[" not in out  # not a terminal: no colour


def test_leads_table_is_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(RECORDS), "--now", NOW)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Person"))
    table = lines[start : start + len(roster_people()) + 1]
    # every row has its "Last led" value where the header puts the column
    column = table[0].index("Last led")
    for row in table[1:]:
        assert row[column : column + 10] == "never     " or row[column : column + 4].isdigit()


def test_leads_since_lists_people_who_did_not_lead_in_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, str(RECORDS), "--now", NOW, "--since", "2026-11-15")
    assert code == 0
    assert "since 2026-11-15" in out
    assert "never" in out  # most of the roster led nothing since then
    for handle, _ in roster_people():
        assert handle in out


def test_leads_without_roster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = """\
        title: "Search down"
        severity: 2
        services: [api]
        detected: 2025-03-01T10:00:00+02:00
        detected_via: automated-alert
        recorded_by: ann
        lead: ann
        summary: "Search was down."
        timeline:
          - at: 2025-03-01T10:00:00+02:00
            status: stabilization-pending
          - at: 2025-03-01T12:00:00+02:00
            lead: bob
    """
    (tmp_path / "2025-03-01-search-down.yaml").write_text(textwrap.dedent(record), "utf-8")
    code, out, _ = run(capsys, str(tmp_path), "--now", "2025-03-05T00:00:00Z")
    assert code == 0
    assert out.startswith("1 incident, as of")
    lines = out.splitlines()
    assert any(line.startswith("ann ") for line in lines)
    assert any(line.startswith("bob ") for line in lines)
    # no roster, so no runner: the least recent lead (ann, from detection) comes next
    assert "Next lead: ann (no rotation runner this week;" in out
    assert "Fairness: ann, bob led the most, 1 of 1 incident " in out


def test_leads_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(tmp_path), "--now", NOW)
    assert code == 0
    assert "Next lead: none" in out
    assert "Fairness: no incidents in the window" in out


def test_leads_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope"), "--now", NOW)
    assert code == 2
    assert "no such folder" in err


def test_leads_bad_since(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["leads", str(RECORDS), "--since", "last week"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_leads_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["leads", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "sphinx-incidents leads --since" in out
    for option in ("--policy", "--roster", "--now", "--since", "DIR"):
        assert option in out


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_leads_colour_only_on_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch, no_color: str | None, coloured: bool
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["leads", str(RECORDS), "--now", NOW]) == 0
    assert ("\x1b[" in terminal.getvalue()) is coloured
    assert "Next lead: " in terminal.getvalue()
