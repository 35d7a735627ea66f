"""Every rule code, with the exact position it reports, on small fixture records.

Fixture files under ``fixtures/records/invalid/`` declare what they must produce, one line
per diagnostic, at the top of the file::

    # expect: INC023 14:13 hint~allowed after stabilization-pending

``CODE LINE:COLUMN``, optionally ``error``/``warning`` (default: the level in the code
table), ``in=NAME`` (the diagnostic is about the entry NAME of the same folder, not about
this file: a symlink or a folder cannot hold the line; such lines go in an ``_expect`` file)
and ``hint~TEXT`` (the hint must contain TEXT; the rest of the line).  A folder is one case:
the records folder ``check`` is given.  A fixture must produce exactly the diagnostics it
declares, nothing else.  A first line ``# policy: NAME`` checks it with that shipped policy
instead of ``openverse`` (for rules only some policies switch on, such as the recurrence
window).  ``fixtures/records/valid/``
holds one valid record per shape; together they must produce no diagnostic at all.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sphinx_incidents.core.check import CheckResult, check_paths, is_record_file
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.codes import CODES, level_of
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.policy import Policy, load_policy
from sphinx_incidents.core.yamlnodes import MAX_BYTES, MAX_DEPTH

HERE = Path(__file__).parent
RECORDS = HERE / "fixtures" / "records"
ROSTER = RECORDS / "_roster.yaml"
INVALID = RECORDS / "invalid"
VALID = RECORDS / "valid"
DEMO = HERE.parent / "incident_records"
NOW = resolve_now("2024-06-01T00:00:00Z")
DEMO_NOW = resolve_now("2026-11-27T12:00:00Z")

POLICY_RE = re.compile(r"^# policy: (?P<name>[a-z0-9-]+)$")
EXPECT_RE = re.compile(
    r"^# expect: (?P<code>INC\d{3}) (?P<line>\d+):(?P<column>\d+)"
    r"(?: (?P<level>error|warning))?(?: in=(?P<entry>\S+))?(?: hint~(?P<hint>.+))?$"
)

# A record that is valid on NOW with the test roster; tests below change one line of it.
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


@dataclass(frozen=True)
class Expected:
    path: str
    code: str
    line: int
    column: int
    level: Level
    hint: str | None


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def check(
    *paths: Path,
    policy: Policy | None = None,
    roster: Path | None = ROSTER,
    now: datetime = NOW,
    base: Path = RECORDS,
) -> CheckResult:
    return check_paths(
        list(paths),
        policy or load_policy(),
        now,
        roster_path=roster,
        base=base,
        find_roster=roster is not None,
    )


def shown(path: Path, base: Path = RECORDS) -> str:
    return os.path.relpath(path, base)


def expectations(path: Path, base: Path = RECORDS) -> list[Expected]:
    found = []
    for text in path.read_bytes().decode("utf-8", "replace").splitlines():
        match = EXPECT_RE.match(text)
        if match is None:
            assert not text.startswith("# expect"), f"{path.name}: malformed {text!r}"
            continue
        code = match["code"]
        level = Level(match["level"]) if match["level"] else level_of(code)
        assert level is level_of(code), f"{path.name}: {code} is an {level_of(code)}"
        about = path.parent / match["entry"] if match["entry"] else path
        found.append(
            Expected(
                shown(about, base),
                code,
                int(match["line"]),
                int(match["column"]),
                level,
                match["hint"],
            )
        )
    return found


def key(d: Diagnostic | Expected) -> tuple[str, str, int, int, Level]:
    return (d.path, d.code, d.line, d.column, d.level)


def assert_exactly(result: CheckResult, expected: list[Expected]) -> None:
    got = sorted(key(d) for d in result.diagnostics)
    assert got == sorted(key(e) for e in expected), "\n".join(
        d.format_text() for d in result.diagnostics
    )
    by_key = {key(d): d for d in result.diagnostics}
    for e in expected:
        if e.hint is not None:
            hint = by_key[key(e)].hint
            assert hint is not None and e.hint in hint, f"{e.code}: hint {hint!r}"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- one failing fixture per rule code ---------------------------------------------------------

INVALID_CASES = sorted(INVALID.iterdir(), key=lambda p: p.name)


def fixture_policy(files: list[Path]) -> str:
    """The shipped policy a fixture asks for (``# policy: NAME`` first line), else openverse."""
    names = set()
    for path in files:
        first = path.read_bytes().decode("utf-8", "replace").split("\n", 1)[0]
        match = POLICY_RE.match(first)
        names.add(match["name"] if match else "openverse")
    assert len(names) == 1, names
    return names.pop()


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda p: p.name)
def test_invalid_fixture(case: Path, policy: Policy) -> None:
    files = sorted(p for p in case.iterdir() if p.is_file()) if case.is_dir() else [case]
    expected = [e for f in files for e in expectations(f)]
    assert expected, f"{case.name} declares no '# expect:' line"
    name = fixture_policy(files)
    assert_exactly(
        check(case, policy=policy if name == "openverse" else load_policy(name)), expected
    )


def test_every_code_has_a_failing_fixture() -> None:
    covered = {e.code for case in INVALID_CASES for f in _files(case) for e in expectations(f)}
    assert covered == set(CODES)


def _files(case: Path) -> list[Path]:
    return sorted(p for p in case.iterdir() if p.is_file()) if case.is_dir() else [case]


def test_inc011_reports_the_second_file_and_names_the_first(policy: Policy) -> None:
    result = check(INVALID / "inc011", policy=policy)
    [diagnostic] = result.diagnostics
    assert diagnostic.path.endswith("2024-05-28-twins.yml")
    assert "2024-05-28-twins.yaml" in diagnostic.message
    # The first file is still a usable incident; the duplicate is not listed twice.
    assert [i.id for i in result.incidents] == ["2024-05-28-twins"]


def test_inc021_messages_name_the_kind_of_key(policy: Policy) -> None:
    result = check(INVALID / "2024-05-28-inc021-others.yaml", policy=policy)
    messages = [d.message for d in result.diagnostics]
    assert messages == [
        "unknown category 'comunity'",
        "unknown follow-up purpose 'investigaton'",
        "unknown priority 'hihg'",
    ]


def test_inc023_names_both_ends_and_the_allowed_next_statuses(policy: Policy) -> None:
    [d] = check(INVALID / "2024-05-28-inc023-transition.yaml", policy=policy).diagnostics
    assert "stabilization-pending -> under-investigation" in d.message
    assert d.hint == "allowed after stabilization-pending: stabilized"


def test_inc030_without_a_roster_suggests_one(policy: Policy) -> None:
    result = check(INVALID / "2024-03-05-inc030-no-lead.yaml", policy=policy, roster=None)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("INC030", 2, 1)
    assert d.hint is not None and "_roster.yaml" in d.hint


def test_rotation_lead_needs_the_roster(policy: Policy) -> None:
    result = check(VALID / "2024-05-14-rotation-lead.yaml", policy=policy, roster=None)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("INC030", 2, 1)
    [incident] = result.incidents
    assert incident.lead is None and not incident.lead_from_rotation


# --- INC001: unreadable files ----------------------------------------------------------------


def only(result: CheckResult) -> Diagnostic:
    assert len(result.diagnostics) == 1, [d.format_text() for d in result.diagnostics]
    return result.diagnostics[0]


def test_inc001_bad_utf8(tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, "2024-05-28-latin1.yaml", b'title: "ok"\nsummary: "caf\xe9 au lait"\n')
    d = only(check(path, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column, d.level) == ("INC001", 2, 14, Level.ERROR)
    assert "UTF-8" in d.message


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\n", b"\xef\xbb\xbf", b"# only a comment\n"])
def test_inc001_empty(tmp_path: Path, policy: Policy, content: bytes) -> None:
    path = write(tmp_path, "2024-05-28-empty.yaml", content)
    d = only(check(path, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column) == ("INC001", 1, 1)
    assert "empty" in d.message


def test_inc001_too_large(tmp_path: Path, policy: Policy) -> None:
    valid = (VALID / "2024-05-27-community-report.yaml").read_bytes()
    # Exactly at the limit is still read (a long comment pads the file) ...
    padding = MAX_BYTES - len(valid) - len(b"#\n")
    exact = write(tmp_path, "2024-05-27-at-limit.yaml", valid + b"#" + b"x" * padding + b"\n")
    assert exact.stat().st_size == MAX_BYTES
    assert check(exact, policy=policy, base=tmp_path).diagnostics == []
    # ... one byte more is refused before parsing.
    bigger = write(tmp_path, "2024-05-27-too-large.yaml", exact.read_bytes() + b"\n")
    d = only(check(bigger, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column) == ("INC001", 1, 1)
    assert "too large" in d.message


def test_inc001_depth_limit_is_exact(tmp_path: Path, policy: Policy) -> None:
    # The top-level mapping is level 1: 19 nested lists inside it are fine ...
    ok = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    path = write(tmp_path, "2024-05-28-deep.yaml", BASE + f"nested: {ok}\n")
    d = only(check(path, policy=policy, base=tmp_path))
    assert d.code == "INC002"
    # ... one more is INC001 at the opening bracket of the 21st level.
    deeper = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    path.write_text(BASE + f"nested: {deeper}\n", encoding="utf-8")
    d = only(check(path, policy=policy, base=tmp_path))
    line = BASE.count("\n") + 1
    assert (d.code, d.line, d.column) == ("INC001", line, len("nested: ") + MAX_DEPTH)


def test_inc001_python_tag_runs_nothing(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def spy(*args: object, **kwargs: object) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(os, "system", spy)
    monkeypatch.setattr(subprocess, "Popen", spy)
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        "2024-05-28-tag.yaml",
        f'title: !!python/object/apply:os.system ["touch {marker}"]\n'
        f"summary: !!python/object/apply:subprocess.Popen [[touch, {marker}]]\n",
    )
    d = only(check(path, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column) == ("INC001", 1, 8)
    assert "tags are not allowed" in d.message
    # The committed fixture (touch /tmp/pwned) is refused the same way.
    fixture = INVALID / "2024-05-28-inc001-python-tag.yaml"
    assert only(check(fixture, policy=policy)).code == "INC001"
    assert calls == []
    assert not marker.exists()


def test_inc001_missing_file_given_by_name(tmp_path: Path, policy: Policy) -> None:
    d = only(check(tmp_path / "2024-05-28-gone.yaml", policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column) == ("INC001", 1, 1)
    assert "cannot read" in d.message


def test_one_unreadable_file_never_stops_the_others(tmp_path: Path, policy: Policy) -> None:
    write(tmp_path, "2024-05-01-broken.yaml", "title: [unclosed\n")
    write(tmp_path, "2024-05-02-latin1.yaml", b"title: \xff\n")
    write(tmp_path, "2024-05-03-empty.yaml", b"")
    write(tmp_path, "2024-05-04-list.yaml", "- 1\n")
    write(tmp_path, "2024-05-05-tagged.yaml", "title: !!python/name:os.system\n")
    valid = VALID / "2024-05-27-community-report.yaml"
    write(tmp_path, valid.name, valid.read_bytes())
    result = check(tmp_path, policy=policy, base=tmp_path)
    assert [i.id for i in result.incidents] == ["2024-05-27-community-report"]
    assert sorted((d.path, d.code) for d in result.diagnostics) == [
        ("2024-05-01-broken.yaml", "INC001"),
        ("2024-05-02-latin1.yaml", "INC001"),
        ("2024-05-03-empty.yaml", "INC001"),
        ("2024-05-04-list.yaml", "INC001"),
        ("2024-05-05-tagged.yaml", "INC001"),
    ]
    assert len(result.files) == 6


def test_files_starting_with_underscore_or_dot_are_not_records(tmp_path: Path) -> None:
    assert not is_record_file(tmp_path / "_roster.yaml")
    assert not is_record_file(tmp_path / ".2024-05-01-x.yaml")
    assert not is_record_file(tmp_path / "2024-05-01-x.json")
    assert is_record_file(tmp_path / "2024-05-01-x.yml")


# --- YAML 1.1 surprises are INC004, never silently converted ------------------------------------

SURPRISES = [
    # (line of BASE to replace, replacement, column of the value, words the message must hold)
    ('title: "Search is slow"', "title: no", 8, "boolean"),
    ('title: "Search is slow"', "title: Yes", 8, "boolean"),
    ('title: "Search is slow"', "title: off", 8, "boolean"),
    ('title: "Search is slow"', "title: 2024-03-01", 8, "date"),
    ('title: "Search is slow"', "title: 12:30", 8, "number"),
    ('title: "Search is slow"', "title: 1.5", 8, "number"),
    ('title: "Search is slow"', "title: 0x1F", 8, "number"),
    ('title: "Search is slow"', "title: ~", 8, "found nothing"),
    ('title: "Search is slow"', "title:", 7, "for 'title', found nothing"),
    ('title: "Search is slow"', 'title: ""', 8, "text for 'title', found an empty string"),
    ('title: "Search is slow"', 'title: "  "', 8, "text for 'title', found an empty string"),
    ("lead: alex", "lead: no", 7, "boolean"),  # one error, not also INC030 "no lead"
    ("severity: 3", 'severity: "3"', 11, "the string '3'"),
    ("severity: 3", "severity: '3'", 11, "the string '3'"),
    ("severity: 3", "severity: 3.0", 11, "a number '3.0'"),
    ("severity: 3", "severity: three", 11, "text 'three'"),
    ("severity: 3", "severity: [3]", 11, "found a list"),
    ("detected: 2024-05-28T09:00:00Z", "detected: 2024-05-28T09:00:00", 11, "without a UTC"),
    ("detected: 2024-05-28T09:00:00Z", "detected: 2024-05-28", 11, "date without a time"),
    ("detected: 2024-05-28T09:00:00Z", "detected: 2024-02-30T09:00:00Z", 11, "not a valid"),
    ("detected: 2024-05-28T09:00:00Z", "detected: 28/05/2024 09:00", 11, "not an ISO 8601"),
    ("detected: 2024-05-28T09:00:00Z", "detected: 9999-12-31T23:59:59-01:00", 11, "out of range"),
    (
        "detected: 2024-05-28T09:00:00Z",
        "detected: 0001-01-01T00:00:00+01:00",
        11,
        "before the year 1000",
    ),
    ("  - at: 2024-05-28T10:00:00Z", "  - at: 12:30", 9, "not an ISO 8601"),
    ('    note: "Restarted the search pods."', "    note: on", 11, "boolean"),
    ('    note: "Restarted the search pods."', "    note: 42", 11, "number"),
    ("services: [api]", "services: api", 11, "expected a list"),
    ("recorded_by: alex", "recorded_by: alex smith", 14, "not a person handle"),
    ('summary: "Search took several seconds for some users."', "summary: {a: b}", 10, "mapping"),
]


@pytest.mark.parametrize(("old", "new", "column", "words"), SURPRISES, ids=lambda v: str(v))
def test_yaml11_surprises_are_inc004(
    tmp_path: Path, policy: Policy, old: str, new: str, column: int, words: str
) -> None:
    lines = BASE.splitlines()
    index = lines.index(old)
    lines[index] = new
    path = write(tmp_path, "2024-05-28-surprise.yaml", "\n".join(lines) + "\n")
    d = only(check(path, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column, d.level) == ("INC004", index + 1, column, Level.ERROR)
    assert words in d.message


@pytest.mark.parametrize(
    "text",
    [
        BASE.replace("    status: stabilized", "\tstatus: stabilized"),
        BASE.replace("services: [api]", "\tservices: [api]"),
        BASE.replace("timeline:\n  - at", "timeline:\n\t- at"),
    ],
)
def test_a_tab_is_called_a_tab(tmp_path: Path, policy: Policy, text: str) -> None:
    path = write(tmp_path, "2024-05-28-tab.yaml", text)
    d = only(check(path, policy=policy, base=tmp_path))
    assert d.code == "INC001" and "a tab character where YAML expects spaces" in d.message
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "\t" in t)
    assert d.line == line and d.hint is not None and f"the tab on line {line}" in d.hint


def test_an_empty_nested_field_is_named(tmp_path: Path, policy: Policy) -> None:
    text = BASE + 'follow_ups:\n  - title: ""\n    url: https://x.org/1\n    purpose: process\n'
    d = only(check(write(tmp_path, "2024-05-28-x.yaml", text), policy=policy, base=tmp_path))
    assert d.message == "expected text for 'title' of the follow-up, found an empty string"


@pytest.mark.parametrize(
    ("old", "new", "code", "column"),
    [
        ("services: [api]", "services: [fronted]", "INC021", 12),
        ("services: [api]", "services: [[api]]", "INC004", 12),
        ("recorded_by: alex", "recorded_by: alex smith", "INC004", 14),
        ("lead: alex", "lead: al ex", "INC004", 7),
        ("    status: stabilized", "    status: 2", "INC004", 13),
    ],
)
def test_an_unreadable_value_is_reported_once(
    tmp_path: Path, policy: Policy, old: str, new: str, code: str, column: int
) -> None:
    # Not again by the rules that would have used it (INC003 'services' is empty, INC031 ...).
    lines = BASE.splitlines()
    index = lines.index(old)
    lines[index] = new
    path = write(tmp_path, "2024-05-28-once.yaml", "\n".join(lines) + "\n")
    d = only(check(path, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column) == (code, index + 1, column)


def test_quoted_yaml11_words_are_text(tmp_path: Path, policy: Policy) -> None:
    text = BASE.replace('title: "Search is slow"', 'title: "no"').replace(
        '    note: "Restarted the search pods."', "    note: 'on'"
    )
    text += "impact: |\n  12:30\n"
    path = write(tmp_path, "2024-05-28-quoted.yaml", text)
    result = check(path, policy=policy, base=tmp_path)
    assert result.diagnostics == []
    [incident] = result.incidents
    assert incident.title == "no"
    assert incident.timeline[1].note == "on"
    assert incident.impact == "12:30\n"


def test_base_record_is_valid(tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, "2024-05-28-base.yaml", BASE)
    assert check(path, policy=policy, base=tmp_path).diagnostics == []


# --- did-you-mean hints ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "code", "suggestion"),
    [
        ("2024-05-28-inc002-sumary.yaml", "INC002", "summary"),
        ("2024-05-28-inc002-event-field.yaml", "INC002", "status"),
        ("2024-05-28-inc021-status.yaml", "INC021", "stabilized"),
        ("2024-05-28-inc021-service.yaml", "INC021", "frontend"),
        ("2024-05-28-inc031-unknown-person.yaml", "INC031", "alex"),
    ],
)
def test_did_you_mean(fixture: str, code: str, suggestion: str, policy: Policy) -> None:
    result = check(INVALID / fixture, policy=policy)
    hints = [d.hint for d in result.diagnostics if d.code == code]
    assert f"did you mean '{suggestion}'?" in hints


def test_did_you_mean_for_a_lead_typo(tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, "2024-05-28-lead.yaml", BASE.replace("lead: alex", "lead: casy"))
    d = only(check(path, policy=policy, base=tmp_path))
    assert (d.code, d.line, d.column) == ("INC031", 7, 7)
    assert d.hint == "did you mean 'casey'?"


# --- valid records, one per shape, and what they mean ------------------------------------------


@pytest.fixture(scope="module")
def valid() -> CheckResult:
    return check(VALID)


def test_valid_shapes_have_no_diagnostics(valid: CheckResult) -> None:
    assert [d.format_text() for d in valid.diagnostics] == []
    assert len(valid.incidents) == len(list(VALID.glob("*.yaml"))) == 6


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


H = timedelta(hours=1)
D = timedelta(days=1)

SHAPES = {
    "2024-05-14-rotation-lead": dict(
        current_status="resolved",
        current_severity=3,
        current_lead="casey",
        lead_from_rotation=True,
        recurrences=0,
        stabilized_at="2024-05-14T09:30:00Z",
        resolved_at="2024-05-20T16:00:00Z",
        time_to_stabilize=1.5 * H,
        time_to_resolve=6 * D + 8 * H,
    ),
    "2024-05-02-recurrence": dict(
        current_status="resolved",
        current_severity=2,
        current_lead="alex",
        lead_from_rotation=False,
        recurrences=2,
        stabilized_at="2024-05-02T12:00:00Z",  # the first time it was stabilized
        resolved_at="2024-05-16T09:00:00Z",  # the last time it was resolved
        time_to_stabilize=2 * H,
        time_to_resolve=14 * D - H,
    ),
    "2024-05-29-reclassification": dict(
        current_status="under-investigation",
        current_severity=2,
        worst_severity=1,
        severities=[3, 1, 2],
        current_lead="emery",
        lead_from_rotation=False,
        recurrences=0,
        stabilized_at="2024-05-29T18:00:00Z",
        resolved_at=None,
        time_to_stabilize=4 * H,
        time_to_resolve=None,
        is_open=True,
    ),
    "2024-05-08-lead-handover": dict(
        current_status="resolved",
        current_severity=2,
        current_lead="blair",
        leads=["alex", "blair"],
        resolving_lead="blair",
        lead_from_rotation=False,
        recurrences=0,
        stabilized_at="2024-05-08T09:00:00Z",  # the first event already says stabilized
        resolved_at="2024-05-15T12:00:00Z",
        time_to_stabilize=timedelta(0),
        time_to_resolve=7 * D + 3 * H,
    ),
    "2024-05-27-community-report": dict(
        category="community",
        services=[],
        current_status="under-investigation",
        current_severity=2,
        current_lead="devi",
        lead_from_rotation=False,
        recurrences=0,
        stabilized_at="2024-05-27T19:00:00Z",
        resolved_at=None,
        time_to_stabilize=3 * H,
        time_to_resolve=None,
        is_open=True,
    ),
    "2024-05-21-offsets": dict(
        current_status="resolved",
        current_severity=3,
        current_lead="devi",
        lead_from_rotation=False,
        recurrences=0,
        detected="2024-05-21T09:12:00Z",
        stabilized_at="2024-05-21T10:42:00Z",
        resolved_at="2024-05-22T09:30:00.25Z",
        time_to_stabilize=1.5 * H,
        time_to_resolve=D + timedelta(minutes=18, milliseconds=250),
    ),
}


@pytest.mark.parametrize("incident_id", sorted(SHAPES))
def test_valid_shape_derived_facts(valid: CheckResult, incident_id: str) -> None:
    incident = valid.by_id()[incident_id]
    for name, expected in SHAPES[incident_id].items():
        actual = getattr(incident, name)
        if isinstance(expected, str) and name.endswith(("_at", "detected")):
            assert actual is not None and actual == _utc(expected.replace("Z", "+00:00")), name
        else:
            assert actual == expected, name
    assert incident.is_open is SHAPES[incident_id].get("is_open", False)


def test_rotation_lead_comes_from_the_week_of_detected(valid: CheckResult) -> None:
    incident = valid.by_id()["2024-05-14-rotation-lead"]
    assert "lead" not in incident.source.node.pairs  # type: ignore[union-attr]
    assert incident.lead == "casey" and incident.lead_from_rotation


def test_offsets_keep_their_offset_but_compare_in_utc(valid: CheckResult) -> None:
    incident = valid.by_id()["2024-05-21-offsets"]
    offsets = [e.at.utcoffset() for e in incident.timeline]
    assert offsets == [2 * H, -5 * H, 5.5 * H, 9 * H]
    assert [e.at.astimezone(UTC).hour for e in incident.timeline] == [9, 10, 11, 9]


def test_recurrences_are_moves_back_to_the_recurrence_status(valid: CheckResult) -> None:
    incident = valid.by_id()["2024-05-02-recurrence"]
    recurring = [(c.before, c.after) for c in incident.status_changes if c.recurrence]
    assert recurring == [
        ("stabilized", "stabilization-pending"),
        ("resolved", "stabilization-pending"),
    ]


# --- the repository's demo data ---------------------------------------------------------------


def test_demo_records_are_clean_even_strict() -> None:
    result = check_paths([DEMO], load_policy(), DEMO_NOW)
    assert [d.format_text() for d in result.diagnostics] == []
    assert len(result.incidents) == len(result.files) >= 10
    assert result.roster is not None and result.roster.people


def test_unknown_people_are_reported_with_the_other_errors(tmp_path: Path) -> None:
    """One run tells everything: a record whose severity is wrong and which names someone the
    roster does not know gets INC020 and INC031 together, not INC031 once INC020 is fixed."""
    text = (RECORDS / "valid" / "2024-05-08-lead-handover.yaml").read_text()
    text = text.replace("severity: 2\n", "severity: 9\n").replace(
        "recorded_by: alex\n", "recorded_by: olga\n"
    )
    path = tmp_path / "2024-05-08-two-problems.yaml"
    path.write_text(text)
    codes = sorted(d.code for d in check(path, base=tmp_path).diagnostics)
    assert codes == ["INC020", "INC031"], codes
