"""The policy language: extends and merging, located errors, rule levels and "off",
tags, statuses that require a field, the recurrence window, and the shipped
openverse-five-steps policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_incidents.core import fieldtypes
from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.codes import CODES, FIXED, TIME_DEPENDENT, allowed_settings
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.policy import (
    Policy,
    PolicyError,
    load_policy,
    shipped_policies,
    shipped_policy_path,
)
from sphinx_incidents.core.policyschema import REQUIRABLE
from sphinx_incidents.core.records import INCIDENT_FIELDS

HERE = Path(__file__).parent
ROSTER = HERE / "fixtures" / "records" / "_roster.yaml"
INVALID = HERE / "fixtures" / "records" / "invalid"
NOW = resolve_now("2024-06-01T00:00:00Z")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> list[Diagnostic]:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    diagnostics = info.value.diagnostics
    assert diagnostics and all(d.code == "POLICY" for d in diagnostics)
    assert all(d.level is Level.ERROR for d in diagnostics)
    return diagnostics


def located(path: Path, needle: str) -> tuple[int, int]:
    """Line and column (1-based) where ``needle`` starts in the file."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


# --- the import circle is gone ------------------------------------------------------------------


def test_fieldtypes_does_not_import_the_policy_module() -> None:
    source = Path(fieldtypes.__file__).read_text()
    imports = [line for line in source.splitlines() if line.startswith(("from ", "import "))]
    assert not [line for line in imports if "policy" in line]
    assert "class Vocabulary(Protocol)" in source


def test_every_field_a_status_may_require_is_a_record_field() -> None:
    assert set(REQUIRABLE) <= {f.name for f in INCIDENT_FIELDS}


# --- extends -------------------------------------------------------------------------------------


def test_shipped_policies() -> None:
    assert shipped_policies() == ("openverse", "openverse-five-steps")


def test_a_one_line_policy_is_the_policy_it_extends(tmp_path: Path) -> None:
    path = write(tmp_path, "_policy.yaml", "extends: openverse-five-steps\n")
    mine, shipped = load_policy(path), load_policy("openverse-five-steps")
    assert mine.source == str(path)
    assert mine.name == shipped.name and mine.statuses == shipped.statuses
    assert mine.rules == shipped.rules and mine.levels == shipped.levels


def test_top_level_keys_replace_and_rules_merge_key_by_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "_policy.yaml",
        """\
extends: openverse-five-steps
name: payments-team
services:
  - key: payments
    description: Card payments.
rules:
  stale_days: 3
  INC043: off
""",
    )
    policy = load_policy(path)
    assert policy.name == "payments-team"
    assert policy.title == "Openverse incident response policy (five steps)"  # inherited
    assert policy.choices("services") == ("payments",)  # replaced, not merged
    assert policy.rules.stale_days == 3
    assert policy.rules.recurrence_window_hours == 48  # from the base's rules
    assert policy.rules.retro_due_days is None
    assert policy.levels == {"INC041": None, "INC043": None}  # both files' codes


def test_extends_a_file_relative_to_the_extending_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "policies/base.yaml", "extends: openverse\nrules: {INC041: warning}\n")
    path = write(
        tmp_path, "records/_policy.yaml", "extends: ../policies/base.yaml\nrules: {INC030: off}\n"
    )
    monkeypatch.chdir(tmp_path / "policies")  # not where the path is resolved from
    policy = load_policy(path)
    assert policy.name == "openverse"
    assert policy.levels == {"INC041": Level.WARNING, "INC030": None}


def test_an_error_in_a_base_file_is_located_in_that_file(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "extends: openverse\nrules:\n  stale_dys: 3\n")
    path = write(tmp_path, "_policy.yaml", "extends: base.yaml\n")
    [d] = refused(path)
    assert (d.path, d.line, d.column) == (str(base), 3, 3)
    assert "unknown field 'stale_dys' in rules" in d.message
    assert d.hint == "did you mean 'stale_days'?"


@pytest.mark.parametrize(
    ("text", "words", "hint"),
    [
        ("extends: openverse-5-steps\n", "is not a shipped policy", "openverse-five-steps"),
        ("extends: ../nowhere.yaml\n", "nowhere.yaml': No such file", "relative to this file"),
        ("extends: [openverse]\n", "expected text", None),
    ],
)
def test_an_unknown_base_is_located_at_extends(
    tmp_path: Path, text: str, words: str, hint: str | None
) -> None:
    path = write(tmp_path, "_policy.yaml", text)
    [d] = refused(path)
    assert (d.path, d.line, d.column) == (str(path), 1, 10)
    assert words in d.message
    if hint is not None:
        assert d.hint is not None and hint in d.hint


def test_a_cycle_is_refused_where_it_closes(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    b = write(tmp_path, "b.yaml", "# b\nextends: a.yaml\n")
    [d] = refused(tmp_path / "a.yaml")
    assert (d.path, d.line, d.column) == (str(b), 2, 10)
    assert d.message == "extends: a cycle: a.yaml -> b.yaml -> a.yaml"
    own = write(tmp_path, "self.yaml", "extends: ./self.yaml\n")
    [d] = refused(own)
    assert "self.yaml -> self.yaml" in d.message


def test_a_policy_without_extends_needs_every_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, "_policy.yaml", "name: tiny\n")
    diagnostics = refused(path)
    assert {d.message for d in diagnostics} >= {
        "required field 'statuses' is missing in policy",
        "required field 'transitions' is missing in policy",
    }
    assert all((d.line, d.column) == (1, 1) for d in diagnostics)
    assert "extends" in (diagnostics[0].hint or "")


def test_cross_references_are_checked_after_merging(tmp_path: Path) -> None:
    # the base's transitions name `reviewed`; this file's statuses drop it
    path = write(
        tmp_path,
        "_policy.yaml",
        "extends: openverse-five-steps\nstatuses:\n  - key: stabilization-pending\n"
        "  - key: stabilized\n  - key: under-investigation\n  - key: resolved\n",
    )
    diagnostics = refused(path)
    shipped = str(shipped_policy_path("openverse-five-steps"))
    assert any(d.path == shipped and "unknown status 'reviewed'" in d.message for d in diagnostics)


# --- rules: levels and off ----------------------------------------------------------------------


def test_rule_levels_and_off_parameters(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "_policy.yaml",
        "extends: openverse\nrules:\n  INC041: off\n  INC043: warning\n  INC030: warning\n"
        "  retro_due_days: off\n  stale_days: 'off'\n",  # quoted or not
    )
    policy = load_policy(path)
    assert policy.rules.retro_due_days is None and policy.rules.stale_days is None
    assert policy.level("INC041") is None
    assert policy.level("INC030") is Level.WARNING
    assert policy.level("INC023") is Level.ERROR  # untouched: the catalogue's level
    assert policy.level("INC044") is Level.WARNING


@pytest.mark.parametrize(
    ("setting", "words", "hint"),
    [
        ("INC041: disabled", "INC041: expected error, warning or off, found 'disabled'", None),
        ("INC041: Warning", "found 'Warning'", "did you mean 'warning'?"),
        ("INC099: off", "unknown rule code 'INC099'", None),
        ("inc041: off", "unknown rule code 'inc041'", "write INC041"),
        ("INC004: off", "INC004 cannot be off (allowed: error)", "always stays an error"),
        ("INC001: warning", "INC001 cannot be warning", "not readable as a record"),
        ("INC044: error", "INC044 cannot be error (allowed: warning, off)", "due --strict"),
        ("INC025: error", "INC025 cannot be error", "clock moved"),
        ("retro_due_days: null", "found nothing", "or off to turn the check off"),
        ("retro_due_days: never", "expected a whole number of days or off, found 'never'", None),
        ("stale_days: Off", "found 'Off'", "or off to turn"),
        ("recurrence_window_hours: 2d", "whole number of hours or off", None),
        ("recurrence_window_hours: 99999999", "between 0 and 876000 hours, or off", None),
        ("stale_days: -1", "between 0 and 36500 days, or off", None),
        ("stale_dayz: 3", "unknown field 'stale_dayz' in rules", "did you mean 'stale_days'?"),
    ],
)
def test_rule_settings_are_refused_with_reasons(
    tmp_path: Path, setting: str, words: str, hint: str | None
) -> None:
    path = write(tmp_path, "_policy.yaml", f"extends: openverse\nrules:\n  {setting}\n")
    [d] = refused(path)
    key, _, value = setting.partition(": ")
    where = located(path, key if "unknown" in words else value)
    assert (d.line, d.column) == where, d.format_text()
    assert words in d.message, d.message
    if hint is not None:
        assert d.hint is not None and hint in d.hint, d.hint


def test_allowed_settings_cover_every_code() -> None:
    for code in CODES:
        allowed = allowed_settings(code)
        if code in FIXED:
            assert allowed == ("error",)
        elif code in TIME_DEPENDENT:
            assert allowed == ("warning", "off")
        else:
            assert allowed == ("error", "warning", "off")
    assert {"INC025", "INC043", "INC044"} == TIME_DEPENDENT
    assert {"INC001", "INC005", "INC010", "INC011"} <= FIXED


def _check(folder: Path, policy: Policy) -> CheckResult:
    return check_paths([folder], policy, NOW, roster_path=ROSTER, records_dir=folder)


def test_an_off_rule_produces_nothing_and_a_warning_does_not_fail(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    for name in (
        "2024-05-20-inc041-no-prevention.yaml",
        "2024-03-05-inc030-no-lead.yaml",
        "2024-05-28-inc023-transition.yaml",
    ):
        (folder / name).write_bytes((INVALID / name).read_bytes())
    before = _check(folder, load_policy())
    assert {d.code for d in before.diagnostics} == {"INC023", "INC030", "INC041"}
    path = write(
        tmp_path, "_policy.yaml", "extends: openverse\nrules: {INC041: off, INC030: warning}\n"
    )
    after = _check(folder, load_policy(path))
    assert {(d.code, d.level) for d in after.diagnostics} == {
        ("INC023", Level.ERROR),
        ("INC030", Level.WARNING),
    }
    # the warning keeps its place and words
    [was] = [d for d in before.diagnostics if d.code == "INC030"]
    [now] = [d for d in after.diagnostics if d.code == "INC030"]
    assert (now.path, now.line, now.column, now.message) == (
        was.path,
        was.line,
        was.column,
        was.message,
    )


def test_the_roster_follows_the_policy_levels_too(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    roster = write(folder, "_roster.yaml", "people:\n  - handle: a\nrotation:\n")
    roster.write_text("people:\n  - handle: a\nrotation:\n  - {week: 2024-05-27, runner: b}\n")
    base = check_paths([folder], load_policy(), NOW, roster_path=roster)
    assert [d.code for d in base.diagnostics] == ["INC031"]
    path = write(tmp_path, "_policy.yaml", "extends: openverse\nrules: {INC031: off}\n")
    assert check_paths([folder], load_policy(path), NOW, roster_path=roster).diagnostics == []


def test_off_parameters_switch_their_rules_off(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("2024-05-06-inc043-retro-due.yaml", "2024-05-20-inc044-stale.yaml"):
        (folder / name).write_bytes((INVALID / name).read_bytes())
    assert {d.code for d in _check(folder, load_policy()).diagnostics} == {"INC043", "INC044"}
    path = write(
        tmp_path,
        "_policy.yaml",
        "extends: openverse\nrules: {retro_due_days: off, stale_days: off}\n",
    )
    assert _check(folder, load_policy(path)).diagnostics == []


# --- tags, requires, did-you-mean ---------------------------------------------------------------


def test_tags_on_steps_statuses_and_severities(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "_policy.yaml",
        """\
extends: openverse
severities:
  - {level: 1, name: Critical, tag: "#sev1"}
steps:
  - {name: Record, tag: "#status-recorded", status_after: [stabilization-pending]}
""",
    )
    policy = load_policy(path)
    assert policy.severities[0].tag == "#sev1"
    assert policy.steps[0].tag == "#status-recorded"
    five = load_policy("openverse-five-steps")
    assert [s.tag for s in five.steps] == [
        "#status-recorded",
        "#status-stabilized",
        "#status-investigating",
        "#status-resolved",
        "#status-reviewed",
    ]


@pytest.mark.parametrize(
    ("text", "needle", "words", "hint"),
    [
        (
            "steps:\n  - {name: Record, tga: x}\n",
            "tga",
            "unknown field 'tga' in step",
            "did you mean 'tag'?",
        ),
        (
            "services:\n  - {key: api, lable: API}\n",
            "lable",
            "unknown field 'lable' in service",
            "did you mean 'label'?",
        ),
        (
            "statuses:\n  - {key: open}\n  - {key: resolved, requires: [retrospectve]}\n",
            "[retrospectve]",
            "status 'resolved' requires 'retrospectve', which a status cannot require",
            "did you mean 'retrospective'?",
        ),
    ],
)
def test_unknown_fields_are_refused_with_did_you_mean(
    tmp_path: Path, text: str, needle: str, words: str, hint: str
) -> None:
    path = write(tmp_path, "_policy.yaml", "extends: openverse\n" + text)
    found = [d for d in refused(path) if words in d.message]
    assert found, [d.format_text() for d in refused(path)]
    assert (found[0].line, found[0].column) == located(path, needle)
    assert found[0].hint == hint


# --- the shipped openverse-five-steps policy -----------------------------------------------------


def test_openverse_five_steps_transcribes_the_current_policy_page() -> None:
    policy = load_policy("openverse-five-steps")
    assert policy.severity_levels == (1, 2, 3)
    assert policy.status_keys == (
        "stabilization-pending",
        "stabilized",
        "under-investigation",
        "resolved",
        "reviewed",
    )
    assert set(policy.transitions) == {
        ("stabilization-pending", "stabilized"),
        ("stabilized", "under-investigation"),
        ("stabilized", "resolved"),
        ("stabilized", "stabilization-pending"),
        ("under-investigation", "stabilization-pending"),
        ("under-investigation", "resolved"),
        ("resolved", "stabilization-pending"),
        ("resolved", "reviewed"),
    }
    assert policy.first_statuses == ("stabilization-pending", "stabilized")
    assert policy.closed_statuses == ("resolved", "reviewed")
    assert policy.resolved_status == "resolved"  # time to resolve ends here, not at reviewed
    assert policy.requires("reviewed") == ("retrospective",)
    assert [(s.name, s.status_after) for s in policy.steps] == [
        ("Record", ("stabilization-pending", "stabilized")),
        ("Stabilize", ("stabilized",)),
        ("Investigate", ("under-investigation", "resolved")),
        ("Resolve", ("resolved",)),
        ("Review", ("reviewed",)),
    ]
    assert policy.steps[3].status_note == "then Review, if needed"
    assert policy.rules.recurrence_window_hours == 48
    assert policy.rules.retro_due_days is None
    assert policy.level("INC041") is None
    assert policy.edge_condition("resolved", "stabilization-pending") == "within 48 hours"
    assert policy.edge_condition("resolved", "reviewed") == "needs retrospective"
    assert policy.edge_condition("stabilized", "resolved") is None
    # the default stays the four-status policy
    assert load_policy().name == "openverse" and len(load_policy().statuses) == 4


FIVE_STEP_RECORD = """\
title: "Search is slow"
severity: 3
services: [api]
detected: 2024-05-20T09:00:00Z
detected_via: automated-alert
recorded_by: devi
summary: "Search took several seconds for some users."
timeline:
  - at: 2024-05-20T09:00:00Z
    status: stabilized
  - at: 2024-05-20T12:00:00Z
    status: resolved
    note: "Nothing more can be done: the upstream outage is over."
  - at: 2024-05-24T10:00:00Z
    status: reviewed
retrospective:
  date: 2024-05-24
  host: devi
"""


def test_a_five_step_life_cycle_is_valid(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    write(folder, "2024-05-20-search-is-slow.yaml", FIVE_STEP_RECORD)
    policy = load_policy("openverse-five-steps")
    result = _check(folder, policy)
    assert [d.format_text() for d in result.diagnostics] == []
    [incident] = result.incidents
    assert incident.current_status == "reviewed" and not incident.is_open
    assert incident.resolved_at == resolve_now("2024-05-20T12:00:00Z")
    # the same record under the four-status default: no such status, no such move
    codes = {d.code for d in _check(folder, load_policy()).diagnostics}
    assert codes == {"INC021", "INC041"}  # an unknown status: no transition judged


@pytest.mark.parametrize(
    ("hours", "codes"),
    [(47, set()), (48, set()), (49, {"INC026"})],
)
def test_the_recurrence_window(tmp_path: Path, hours: int, codes: set[str]) -> None:
    resolved = "2024-05-20T12:00:00Z"
    back = resolve_now(resolved) + __import__("datetime").timedelta(hours=hours)
    text = FIVE_STEP_RECORD.split("  - at: 2024-05-24T10:00:00Z")[0]
    text += (
        f"  - at: {back.isoformat().replace('+00:00', 'Z')}\n    status: stabilization-pending\n"
    )
    text += "  - at: 2024-05-28T09:00:00Z\n    status: stabilized\n"
    folder = tmp_path / "records"
    write(folder, "2024-05-20-search-is-slow.yaml", text)
    result = _check(folder, load_policy("openverse-five-steps"))
    assert {d.code for d in result.diagnostics} == codes
    if codes:
        [d] = result.diagnostics
        assert d.message == (
            f"back to stabilization-pending {hours}.0 hours after the incident was resolved; "
            "the policy's recurrence window is 48 hours"
        )
        assert d.hint is not None and "--related 2024-05-20-search-is-slow" in d.hint


def test_the_window_counts_from_the_first_closed_status_not_the_review(tmp_path: Path) -> None:
    policy_path = write(
        tmp_path,
        "_policy.yaml",
        "extends: openverse-five-steps\ntransitions:\n"
        + "".join(
            f"  - {{from: {a}, to: {b}}}\n"
            for a, b in load_policy("openverse-five-steps").transitions
        )
        + "  - {from: reviewed, to: stabilization-pending}\n",
    )
    text = FIVE_STEP_RECORD + ""  # resolved 05-20T12, reviewed 05-24T10
    text = text.replace(
        "retrospective:",
        "  - at: 2024-05-24T11:00:00Z\n    status: stabilization-pending\n"
        "  - at: 2024-05-28T11:00:00Z\n    status: stabilized\nretrospective:",
    )
    folder = tmp_path / "records"
    write(folder, "2024-05-20-search-is-slow.yaml", text)
    [d] = _check(folder, load_policy(policy_path)).diagnostics
    assert d.code == "INC026" and "95.0 hours" in d.message


def test_a_status_that_requires_a_field(tmp_path: Path) -> None:
    text = FIVE_STEP_RECORD.split("retrospective:")[0]
    folder = tmp_path / "records"
    path = write(folder, "2024-05-20-search-is-slow.yaml", text)
    [d] = _check(folder, load_policy("openverse-five-steps")).diagnostics
    assert (d.code, d.line, d.column) == ("INC027", 15, 13)
    assert d.message == "reviewed requires `retrospective`, and the record has none"
    assert d.hint is not None and "date and host" in d.hint
    # an unreadable retrospective is reported once, as what it is
    path.write_text(text + "retrospective:\n  date: 2024-05-24\n")
    [d] = _check(folder, load_policy("openverse-five-steps")).diagnostics
    assert d.code == "INC003" and "host" in d.message


def test_related_ids_are_checked_against_the_records_folder(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    base = (
        FIVE_STEP_RECORD.replace("05-20", "05-27")
        .replace("05-24", "05-31")
        .replace("host: devi", "host: emery")  # the rotation runner of that week leads
        .replace("summary:", "related: [2024-05-20-search-is-slow]\nsummary:")
    )
    write(folder, "2024-05-20-search-is-slow.yaml", FIVE_STEP_RECORD)
    later = write(folder, "2024-05-27-search-is-slow-again.yaml", base)
    policy = load_policy("openverse-five-steps")
    assert _check(folder, policy).diagnostics == []
    # checked alone (as the pre-commit hook does), the folder still knows the other id
    alone = check_paths([later], policy, NOW, roster_path=ROSTER, records_dir=folder)
    assert alone.diagnostics == []
    # ... and without the folder, the id is unknown
    [d] = check_paths([later], policy, NOW, roster_path=ROSTER).diagnostics
    assert d.code == "INC012" and re.search(
        r"'2024-05-20-search-is-slow' does not exist", d.message
    )
    # a typo gets a did-you-mean; the policy can turn the rule off
    later.write_text(base.replace("05-20-search-is-slow]", "05-20-search-is-slwo]"))
    [d] = _check(folder, policy).diagnostics
    assert d.hint == "did you mean '2024-05-20-search-is-slow'?"
    off = write(tmp_path, "_policy.yaml", "extends: openverse-five-steps\nrules: {INC012: off}\n")
    assert _check(folder, load_policy(off)).diagnostics == []


# --- no policy text crashes the reader -------------------------------------------------------

KEYS = st.sampled_from(
    [*list(CODES)[:6], "INC025", "INC044", "INC099", "inc041", "stale_days", "retro_due_days",
     "recurrence_window_hours", "critical_followup_severities", "prevention_purpose", "x"]
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["off", "error", "warning", "Off", "~", "null", "[]", "{}", "-1", "48"]),
    st.integers(-(10**12), 10**12).map(str),
    st.text(max_size=8).map(json.dumps),
)
EXTENDS = st.sampled_from(
    ["openverse", "openverse-five-steps", "nope", "base.yaml", "../x.yaml", "[a]", "''",
     "_policy.yaml"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extends=EXTENDS, rules=st.lists(st.tuples(KEYS, VALUES), max_size=6))
def test_no_policy_crashes_the_reader(
    tmp_path: Path, extends: str, rules: list[tuple[str, str]]
) -> None:
    write(tmp_path, "base.yaml", "extends: openverse\n")
    lines = [f"extends: {extends}", "rules:"] + [f"  {k}: {v}" for k, v in dict(rules).items()]
    path = write(tmp_path, "_policy.yaml", "\n".join(lines) + "\n")
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        assert exc.diagnostics
        assert all(d.code == "POLICY" and d.line >= 1 and d.column >= 1 for d in exc.diagnostics)
    else:
        assert all(policy.level(code) in (None, Level.ERROR, Level.WARNING) for code in CODES)


def test_a_bare_rule_decorator_still_registers_the_rule() -> None:
    from sphinx_incidents.core import rules

    calls: list[str] = []

    def probe(incident: object, env: object) -> None:
        calls.append("ran")

    try:
        assert rules.rule(probe) is probe
        assert probe in rules.RULES and rules.CODES_OF[probe] == ()
    finally:
        rules.RULES.remove(probe)
        del rules.CODES_OF[probe]
