"""``follow-up``, ``retro``, ``due``, ``leads --weeks``: the rest of an incident, in a terminal."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.policy import load_policy

NOW = "2024-03-03T00:00:00Z"
ROSTER = """\
people:
  - handle: olga
    name: Olga Petrenko
  - handle: zack
  - handle: dhruv
rotation:
  start: 2024-02-26
  order: [zack, dhruv, olga]
  overrides:
    - week: 2024-03-11
      runner: zack
      note: swap
"""
ID = "2024-03-01-api-search-returns-500s"
DETECTED = "2024-03-01T09:12:00Z"


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "incident_records"
    folder.mkdir()
    (folder / "_roster.yaml").write_text(ROSTER)
    monkeypatch.chdir(tmp_path)
    for name in ("SOURCE_DATE_EPOCH", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("SPHINX_INCIDENTS_USER", "olga")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str, now: str = NOW) -> tuple[int, str, str]:
    code = main([*argv, "--now", now])
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def incident(records: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A severity 1 incident, stabilized at 09:40, led by zack (the rotation runner)."""
    argv = ["new", "API search returns 500s", "--severity", "1", "--service", "api"]
    argv += ["--summary", "API search failed for most users."]
    assert run(capsys, *argv, "--detected", DETECTED)[0] == 0
    assert run(capsys, "log", ID, "--status", "stabilized", "--at", "2024-03-01T09:40:00Z")[0] == 0
    path = records / f"{ID}.yaml"
    path.write_text(path.read_text().replace("summary:", "# the summary is for users\nsummary:"))
    return path


def check_clean(folder: Path, now: str = NOW) -> list[str]:
    result = check_paths([folder], load_policy(), resolve_now(now))
    return [d.format_text() for d in result.diagnostics]


# --- follow-up --------------------------------------------------------------------------------

URL = "https://github.com/WordPress/openverse/issues/5301"


def test_follow_up_add_mark_and_list(incident: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "follow-up", ID, "--title", "Roll back", "--url", URL, "--purpose", "stabilization"
    )
    assert (code, err) == (0, "")
    assert "added follow-up 1" in out and "priority critical, as the policy requires" in out
    assert f"sphinx-incidents follow-up {ID} 1 --done" in out
    argv = ["--title", "Canary: deploys", "--url", URL + "0", "--purpose", "prevention"]
    code, out, _ = run(capsys, "follow-up", ID, *argv, "--priority", "high")
    assert code == 0 and "added follow-up 2" in out
    assert run(capsys, "follow-up", ID, "1", "--done")[0] == 0
    data = yaml.safe_load(incident.read_text())
    assert data["follow_ups"] == [
        {
            "title": "Roll back",
            "url": URL,
            "purpose": "stabilization",
            "priority": "critical",
            "done": True,
        },
        {"title": "Canary: deploys", "url": URL + "0", "purpose": "prevention", "priority": "high"},
    ]
    assert "# the summary is for users\n" in incident.read_text()
    code, out, _ = run(capsys, "follow-up", ID)
    assert code == 0
    assert out.splitlines() == [
        "1. [done] Roll back (stabilization, critical)",
        f"   {URL}",
        "2. [open] Canary: deploys (prevention, high)",
        f"   {URL}0",
    ]
    assert run(capsys, "follow-up", ID, "1", "--not-done")[0] == 0
    assert yaml.safe_load(incident.read_text())["follow_ups"][0]["done"] is False
    assert check_clean(incident.parent) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--url", "https://github.com/OWNER/REPO/issues/N"], "INC045 follow-up URL"),
        (["--url", "https://tickets.example.com/1"], "example.com is a domain reserved"),
        (["--url", "github.com/a/b/issues/1"], "INC004 'github.com/a/b/issues/1' is not an http"),
        (["--purpose", "preventoin"], "INC021 unknown follow-up purpose 'preventoin'"),
        (["--priority", "high"], "INC040 severity 1 incident has a stabilization follow-up"),
    ],
)
def test_follow_up_refusals_leave_the_file_alone(
    incident: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    values = {"--title": "Roll back", "--url": URL, "--purpose": "stabilization"}
    values.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    before = digest(incident)
    code, out, err = run(capsys, "follow-up", ID, *[x for pair in values.items() for x in pair])
    assert code == 1 and out == "" and message in err
    assert "refused" in err and "is unchanged" in err
    assert digest(incident) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--title", "x"], "a follow-up needs --url, --purpose too"),
        (["3", "--done"], "has no follow-ups; there is no follow-up 3"),
        (["1"], "add --done or --not-done"),
        (["1", "--done", "--title", "x"], "not both"),
        (["--done"], "which follow-up?"),
    ],
)
def test_follow_up_usage_errors(
    incident: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "follow-up", ID, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_follow_up_list_when_there_are_none(
    incident: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "follow-up", ID)
    assert code == 0 and "has no follow-ups" in out


def test_resolving_with_commands_only(incident: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's complaint: resolving needed an editor. Now: follow-up, then log."""
    assert (
        run(capsys, "log", ID, "--status", "under-investigation", "--at", "2024-03-01T10:00:00Z")[0]
        == 0
    )
    code, _, err = run(capsys, "log", ID, "--status", "resolved", "--at", "2024-03-01T15:00:00Z")
    assert code == 1 and "INC041" in err
    argv = ["--title", "Canary", "--url", URL, "--purpose", "prevention"]
    assert run(capsys, "follow-up", ID, *argv)[0] == 0
    code, out, _ = run(capsys, "log", ID, "--status", "resolved", "--at", "2024-03-01T15:00:00Z")
    assert code == 0 and f"sphinx-incidents retro {ID} --date" in out


# --- retro ------------------------------------------------------------------------------------


@pytest.fixture
def resolved(incident: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    steps = [
        ("--status", "under-investigation", "--at", "2024-03-01T10:00:00Z", "--lead", "dhruv"),
        ("--status", "resolved", "--at", "2024-03-01T15:00:00Z", "--note", "Canary | deploys"),
    ]
    argv = ["--title", "Canary [deploys]", "--url", URL, "--purpose", "prevention"]
    assert run(capsys, "follow-up", ID, *argv)[0] == 0
    for step in steps:
        assert run(capsys, "log", ID, *step)[0] == 0
    return incident


def test_retro_defaults_to_today_and_the_lead_at_resolution(
    resolved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "retro", ID)
    assert (code, err) == (0, "")
    assert "held 2024-03-03, hosted by dhruv (the lead at resolution)" in out
    assert yaml.load(resolved.read_text(), yaml.BaseLoader)["retrospective"] == {
        "date": "2024-03-03",
        "host": "dhruv",
    }
    notes = "https://github.com/WordPress/openverse/discussions/9"
    code, out, _ = run(capsys, "retro", ID, "--date", "2024-03-02", "--notes-url", notes)
    assert code == 0
    assert yaml.load(resolved.read_text(), yaml.BaseLoader)["retrospective"] == {
        "date": "2024-03-02",
        "host": "dhruv",
        "notes_url": notes,
    }
    assert resolved.read_text().count("retrospective:") == 1
    assert check_clean(resolved.parent) == []


def test_retro_host_follows_the_policy(resolved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(resolved)
    code, _, err = run(capsys, "retro", ID, "--host", "zack")
    assert code == 1
    assert "INC042 retrospective hosted by 'zack', but 'dhruv' was the lead" in err
    assert digest(resolved) == before


def test_retro_draft(resolved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(resolved)
    code, out, err = run(capsys, "retro", ID, "--draft")
    assert (code, err) == (0, "")
    assert digest(resolved) == before
    assert out.startswith("# Retrospective: API search returns 500s\n")
    for expected in (
        f"- **Incident:** `{ID}`",
        "- **Severity:** 1 (Critical)",
        "- **Lead:** @dhruv, after a handover from @zack",
        "- **Detected:** 2024-03-01 09:12 UTC (via other)",
        "- **Stabilized:** 2024-03-01 09:40 UTC, after 28 min",
        "- **Resolved:** 2024-03-01 15:00 UTC, after 5 h 48 min",
        "- **Retrospective:** to be held; the lead, @dhruv, hosts it",
        "## Timeline (UTC)",
        "| 2024-03-01 09:12 | at detection | **Stabilization pending** | Olga Petrenko (@olga) |",
        "| 2024-03-01 15:00 | +5 h 48 min | **Resolved**; Canary \\| deploys "
        "| Olga Petrenko (@olga) |",
        f"- [ ] [Canary \\[deploys\\]]({URL}) (prevention)",
        "## What went well",
        "## What went wrong",
        "## Five whys\n\n1. Why?\n2. Why?\n3. Why?\n4. Why?\n5. Why?",
        "## Action items\n\n- [ ] ",
    ):
        assert expected in out, expected


def test_retro_usage(resolved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "retro", ID, "--draft", "--host", "dhruv")
    assert code == 2 and "--draft writes nothing" in err
    with pytest.raises(SystemExit):
        main(["retro", ID, "--date", "tomorrow"])
    assert "'tomorrow' is not a date" in capsys.readouterr().err


# --- due --------------------------------------------------------------------------------------


def write_record(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text))


STALE = """\
    title: "Thumbnails are slow"
    severity: 3
    services: [frontend]
    detected: 2024-02-01T09:00:00Z
    detected_via: user-report
    recorded_by: olga
    lead: olga
    summary: "Slow."
    timeline:
      - at: 2024-02-01T09:00:00Z
        status: stabilization-pending
"""
RETRO_DUE = """\
    title: "Old outage"
    severity: 2
    services: [api]
    detected: 2024-01-10T09:00:00Z
    detected_via: automated-alert
    recorded_by: olga
    lead: zack
    summary: "Down."
    timeline:
      - at: 2024-01-10T09:00:00Z
        status: stabilized
      - at: 2024-01-11T09:00:00Z
        status: under-investigation
      - at: 2024-01-12T09:00:00Z
        status: resolved
      - at: 2024-03-09T09:00:00Z
        note: "typo: a week ahead"
    follow_ups:
      - title: "Prevent it"
        url: https://github.com/WordPress/openverse/issues/1
        purpose: prevention
"""


def test_due_lists_what_needs_attention(incident: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = incident.parent
    argv = ["--title", "Roll back", "--url", URL, "--purpose", "stabilization"]
    assert run(capsys, "follow-up", ID, *argv)[0] == 0
    write_record(folder, "2024-02-01-thumbnails-are-slow.yaml", STALE)
    write_record(folder, "2024-01-10-old-outage.yaml", RETRO_DUE)
    code, out, err = run(capsys, "due")
    assert (code, err) == (0, "")
    assert out.startswith("Support check, 2024-03-03 00:00 UTC: 4 things due\n")
    for expected in (
        "Open incidents: 2",
        "  2024-02-01-thumbnails-are-slow: severity 3, Stabilization pending, lead olga, "
        "open 30 d 15 h, last event 30 d 15 h ago",
        f"  {ID}: severity 1, Stabilized, lead zack, open 1 d 14 h, last event 1 d 14 h ago",
        "Stale, no event for more than 7 days: 1",
        "  2024-02-01-thumbnails-are-slow: open, and the last event is 30.6 days old (more than 7)",
        "    sphinx-incidents log 2024-02-01-thumbnails-are-slow --note '...'",
        "Retrospectives due: 1",
        "  2024-01-10-old-outage: resolved 50.6 days ago and no retrospective (due within 14 days)",
        "    sphinx-incidents retro 2024-01-10-old-outage --draft",
        "Severity 1, 2 stabilization follow-ups not done: 1",
        f"  {ID} #1: 'Roll back' (critical) {URL}",
        f"    when it is closed: sphinx-incidents follow-up {ID} 1 --done",
        "Events in the future: 1",
        "  2024-01-10-old-outage: event at 2024-03-09T09:00:00+00:00 is in the future",
        "Records with errors: none",
        "Support rotation: zack this week (from 2024-02-26), dhruv next week",
        "Next incident lead: dhruv (the rotation runner zack led the latest incident",
    ):
        assert expected in out, expected
    assert run(capsys, "due", "--strict")[0] == 1


def test_due_formats(incident: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_record(incident.parent, "2024-02-01-thumbnails-are-slow.yaml", STALE)
    code, out, _ = run(capsys, "due", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["due"] == 1 and data["now"] == "2024-03-03T00:00:00Z"
    assert [i["id"] for i in data["open"]] == ["2024-02-01-thumbnails-are-slow", ID]
    assert data["stale"][0]["code"] == "INC044" and data["stale"][0]["line"] == 10
    assert data["runners"][0] == {
        "week": "2024-02-26",
        "runner": "zack",
        "source": "cycle",
        "note": None,
    }
    code, out, _ = run(capsys, "due", "--format", "markdown")
    assert out.startswith("### Support check, 2024-03-03 00:00 UTC: 1 thing due\n")
    assert "| Incident | Severity | Status | Lead | Open for | Last event |" in out
    assert "- [ ] Stale: `2024-02-01-thumbnails-are-slow`: open, and the last event is" in out
    assert "**Next incident lead:** dhruv" in out
    # pasted into a GitHub issue, a bare @handle would notify everyone it names
    assert re.search(r"(?<!`)@[a-z]", out) is None, out


def test_due_with_nothing_due_passes_strict(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "due", "--strict")
    assert code == 0 and "nothing due" in out and "Open incidents: none" in out


def test_due_respects_rules_the_policy_turns_off(
    incident: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a rule reports is what due reports: a rule the policy turns off is not shown."""
    write_record(incident.parent, "2024-02-01-thumbnails-are-slow.yaml", STALE)
    assert run(capsys, "due", "--strict")[0] == 1  # stale (INC044)
    policy = "name: ours\nextends: openverse\nrules:\n  INC044: off\n"
    (incident.parent / "_policy.yaml").write_text(policy)
    code, out, _ = run(capsys, "due", "--strict")
    assert code == 0 and "Stale" not in out and "nothing due" in out
    assert "Retrospectives due: none" in out  # the rules that are on are still listed
    code, out, _ = run(capsys, "check", "--strict")
    assert code == 0 and "INC044" not in out
    (incident.parent / "_policy.yaml").write_text(policy.replace("INC044: off", "stale_days: 60"))
    code, out, _ = run(capsys, "due", "--strict")
    assert code == 0 and "Stale, no event for more than 60 days: none" in out


def test_due_counts_records_with_errors(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (records / "2024-03-01-broken.yaml").write_text("title: [\n")
    code, out, _ = run(capsys, "due", "--strict")
    assert code == 1
    assert (
        "Records with errors: 1\n"
        "  incident_records/2024-03-01-broken.yaml (run: sphinx-incidents check)" in out
    )


# --- leads --weeks ----------------------------------------------------------------------------


def test_leads_weeks(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "leads", "--weeks", "4")
    assert code == 0
    assert out.splitlines() == [
        "Support rotation, 4 weeks from 2024-02-26:",
        "Week of     Runner  Name  From",
        "2024-02-26  zack          cycle",
        "2024-03-04  dhruv         cycle",
        "2024-03-11  zack          override: swap",
        "2024-03-18  zack          cycle",
    ]


def test_leads_weeks_needs_a_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "incident_records").mkdir()
    code, _, err = run(capsys, "leads", "--weeks", "2")
    assert code == 2 and "no roster, so no rotation" in err
    with pytest.raises(SystemExit):
        main(["leads", "--weeks", "0"])
    assert "not a number of weeks from 1 to 520" in capsys.readouterr().err
