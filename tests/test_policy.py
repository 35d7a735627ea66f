"""The policy file: the shipped one loads, broken ones are refused with positions, and a
different policy changes what records may do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.policy import (
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
    resolve_policy_path,
    shipped_policy_path,
)

HERE = Path(__file__).parent
POLICIES = HERE / "fixtures" / "policies"
FIVE = POLICIES / "five-statuses.yaml"
ROSTER = HERE / "fixtures" / "records" / "_roster.yaml"
NOW = resolve_now("2024-06-01T00:00:00Z")
EXPECT_RE = re.compile(
    r"^# expect: (?P<code>\w+) (?P<line>\d+):(?P<column>\d+)(?: hint~(?P<hint>.+))?$"
)


def test_shipped_policy_loads() -> None:
    policy = load_policy()
    assert policy.name == "openverse"
    assert policy.severity_levels == (1, 2, 3)
    assert [s.name for s in policy.severities] == ["Critical", "Major", "Minor"]
    assert policy.status_keys == (
        "stabilization-pending",
        "stabilized",
        "under-investigation",
        "resolved",
    )
    assert set(policy.transitions) == {
        ("stabilization-pending", "stabilized"),
        ("stabilized", "under-investigation"),
        ("stabilized", "stabilization-pending"),
        ("under-investigation", "stabilization-pending"),
        ("under-investigation", "resolved"),
        ("resolved", "stabilization-pending"),
    }
    assert policy.first_statuses == ("stabilization-pending", "stabilized")
    assert (policy.stabilized_status, policy.resolved_status) == ("stabilized", "resolved")
    assert policy.recurrence_status == "stabilization-pending"
    assert policy.closed_statuses == ("resolved",)
    assert [s.name for s in policy.steps] == ["Record", "Stabilize", "Resolve", "Review"]
    assert policy.choices("services") == ("frontend", "api", "catalog", "wp-integration")
    assert policy.choices("categories") == ("technical", "community", "public-relations")
    assert policy.choices("detection_channels") == (
        "automated-alert",
        "user-report",
        "manual-check",
        "other",
    )
    assert policy.choices("follow_up_purposes") == (
        "stabilization",
        "prevention",
        "investigation",
        "process",
    )
    assert policy.priorities == ("critical", "high", "medium", "low")
    assert policy.rules.retro_due_days == 14 and policy.rules.stale_days == 7
    assert policy.rules.critical_followup_severities == (1, 2)
    assert policy.next_statuses("stabilized") == ("under-investigation", "stabilization-pending")
    assert policy.status_label("under-investigation") == "Under investigation"


def test_shipped_policy_by_name_or_path_is_the_same() -> None:
    by_name = load_policy("openverse")
    by_path = load_policy(shipped_policy_path("openverse"))
    assert by_name == by_path


def test_relative_policy_path_is_resolved_against_base() -> None:
    assert resolve_policy_path("five-statuses.yaml", POLICIES) == FIVE
    assert resolve_policy_path("openverse", POLICIES) == shipped_policy_path("openverse")
    assert load_policy("five-statuses.yaml", base=POLICIES).name == "five-statuses"


# --- broken policies ---------------------------------------------------------------------------

BROKEN = sorted(POLICIES.glob("broken-*.yaml"))


def _expected(path: Path) -> list[tuple[str, int, int, str | None]]:
    found = []
    for text in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT_RE.match(text)
        if match:
            found.append((match["code"], int(match["line"]), int(match["column"]), match["hint"]))
    assert found, f"{path.name} declares no '# expect:' line"
    return found


def _refused(spec: str | Path, base: Path | None = None) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(spec, base)
    for d in info.value.diagnostics:
        assert d.line >= 1 and d.column >= 1
        assert f"{d.path}:{d.line}:{d.column}: {d.code}" in str(info.value)
    return info.value


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_policy_fixture_is_refused_with_positions(path: Path) -> None:
    error = _refused(path)
    expected = _expected(path)
    assert sorted((d.code, d.line, d.column) for d in error.diagnostics) == sorted(
        (code, line, column) for code, line, column, _ in expected
    )
    for code, line, column, hint in expected:
        if hint is not None:
            [d] = [
                d for d in error.diagnostics if (d.code, d.line, d.column) == (code, line, column)
            ]
            assert d.hint is not None and hint in d.hint
    assert all(d.path == str(path) for d in error.diagnostics)


def test_broken_fixtures_cover_the_required_cases() -> None:
    assert {p.stem for p in BROKEN} >= {
        "broken-unknown-transition-status",
        "broken-no-first-status",
        "broken-duplicate-status",
        "broken-duplicate-severity",
    }


def test_unreadable_policy_file(tmp_path: Path) -> None:
    error = _refused(tmp_path / "missing.yaml")
    [d] = error.diagnostics
    assert (d.line, d.column) == (1, 1)
    assert "cannot read policy file" in d.message
    assert d.hint is not None and "openverse" in d.hint
    # A folder is not a policy file either.
    [d] = _refused(tmp_path).diagnostics
    assert "cannot read policy file" in d.message


def test_unknown_shipped_name_is_a_missing_file() -> None:
    [d] = _refused("not-a-shipped-policy").diagnostics
    assert d.message.startswith("'not-a-shipped-policy' is not a shipped policy (openverse")
    assert d.message.endswith("nor a policy file (not-a-shipped-policy)")
    [d] = _refused("openvers").diagnostics  # a typo
    assert d.hint == "did you mean 'openverse'?"
    [d] = _refused("no-such-policy.yaml").diagnostics  # a file name: a missing file
    assert "cannot read policy file" in d.message


SHIPPED_TEXT = shipped_policy_path("openverse").read_text(encoding="utf-8")


def _variant(old: str, new: str) -> tuple[bytes, int, int]:
    """The shipped policy with ``old`` replaced; line and column where ``new`` starts."""
    assert SHIPPED_TEXT.count(old) == 1, old
    before = SHIPPED_TEXT[: SHIPPED_TEXT.index(old)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return SHIPPED_TEXT.replace(old, new).encode(), line, column


@pytest.mark.parametrize(
    ("old", "new", "offset", "code", "words"),
    [
        # (text to replace, its replacement, columns from its start to the culprit, code, words)
        (
            "{from: resolved, to: stabilization-pending}",
            "{from: resolved, to: reopened}",
            len("{from: resolved, to: "),
            "POLICY",
            "unknown status 'reopened'",
        ),
        (
            "first_statuses: [",
            "first_statuses: [stabilised, ",
            len("first_statuses: "),
            "POLICY",
            "unknown status 'stabilised'",
        ),
        (
            "first_statuses: [stabilization-pending, stabilized]",
            "first_statuses: []",
            len("first_statuses: "),
            "POLICY",
            "at least 1",
        ),
        (
            "stabilized: stabilized   ",
            "stabilized: stable       ",
            len("stabilized: "),
            "POLICY",
            "milestones.stabilized",
        ),
        (
            "recurrence_status: stabilization-pending",
            "recurrence_status: recurring",
            len("recurrence_status: "),
            "POLICY",
            "recurrence_status",
        ),
        ("severities:\n  - level: 1", "severites:\n  - level: 1", 0, "POLICY", "'severites'"),
        (
            "  - level: 3\n",
            "  - level: 2\n",
            len("  - level: "),
            "POLICY",
            "duplicate severity level 2",
        ),
        ("  - level: 3\n", '  - level: "3"\n', len("  - level: "), "POLICY", "the string '3'"),
        (
            "priorities: [critical, high, medium, low]",
            "priorities: [critical, high, high, low]",
            len("priorities: "),
            "POLICY",
            "duplicate priority: high",
        ),
        (
            "id_pattern: '^",
            "id_pattern: '(^",
            len("id_pattern: "),
            "POLICY",
            "not a regular expression",
        ),
        (
            "prevention_purpose: prevention",
            "prevention_purpose: prevent",
            len("prevention_purpose: "),
            "POLICY",
            "unknown follow-up purpose 'prevent'",
        ),
        (
            "critical_followup_priority: critical",
            "critical_followup_priority: urgent",
            len("critical_followup_priority: "),
            "POLICY",
            "unknown priority 'urgent'",
        ),
        (
            "retro_due_days: 14",
            "retro_due_days: 999999999",
            len("retro_due_days: "),
            "POLICY",
            "between 0 and",
        ),
        (
            "stale_days: 7",
            "stale_days: -1",
            len("stale_days: "),
            "POLICY",
            "between 0 and",
        ),
        (
            "retro_due_days: 14",
            "retro_due_days: two weeks",
            len("retro_due_days: "),
            "POLICY",
            "whole number",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_broken_policy_variants(
    tmp_path: Path, old: str, new: str, offset: int, code: str, words: str
) -> None:
    data, line, column = _variant(old, new)
    path = tmp_path / "policy.yaml"
    path.write_bytes(data)
    error = _refused(path)
    matching = [d for d in error.diagnostics if d.code == code and words in d.message]
    assert matching, str(error)
    assert (matching[0].line, matching[0].column) == (line, column + offset)


def test_policy_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"name: x\nstatuses: [a\n")
    [d] = _refused(path).diagnostics
    assert d.code == "POLICY" and d.line >= 2
    path.write_bytes(b"name: \xff\n")
    [d] = _refused(path).diagnostics
    assert (d.code, d.line, d.column) == ("POLICY", 1, 7)
    path.write_bytes(b"")
    assert _refused(path).diagnostics[0].code == "POLICY"


def test_parse_policy_never_raises_anything_but_policy_error() -> None:
    for data in [b"- 1\n", b"name: [\n", b"name: x\n", b"!!python/name:os.system\n", b"\x00"]:
        with pytest.raises(PolicyError):
            parse_policy(data, "policy.yaml")


# --- a different policy changes what is valid -------------------------------------------------

REVIEWED = """\
title: "Search is slow"
severity: 3
services: [api]
detected: 2024-05-06T09:00:00Z
detected_via: automated-alert
recorded_by: blair
lead: blair
summary: "Search took several seconds for some users."
timeline:
  - at: 2024-05-06T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-06T10:00:00Z
    status: stabilized
  - at: 2024-05-07T10:00:00Z
    status: under-investigation
  - at: 2024-05-10T10:00:00Z
    status: resolved
  - at: 2024-05-17T10:00:00Z
    status: reviewed
follow_ups:
  - title: "Warm the cache after deploys"
    url: https://github.com/example/openverse/issues/12
    purpose: prevention
retrospective:
  date: 2024-05-16
  host: blair
"""
REVIEWED_LINE = 19  # the `status: reviewed` line


@pytest.fixture(scope="module")
def five() -> Policy:
    return load_policy(FIVE)


def _check(tmp_path: Path, text: str, policy: Policy) -> CheckResult:
    path = tmp_path / "2024-05-06-search-slow.yaml"
    path.write_text(text, encoding="utf-8")
    return check_paths([path], policy, NOW, roster_path=ROSTER, base=tmp_path)


def test_five_status_policy_loads(five: Policy) -> None:
    assert five.status_keys[-1] == "reviewed"
    assert five.closed_statuses == ("resolved", "reviewed")
    assert five.allows("resolved", "reviewed")
    assert not five.allows("resolved", "stabilization-pending")


def test_reviewed_is_valid_with_the_five_status_policy(tmp_path: Path, five: Policy) -> None:
    result = _check(tmp_path, REVIEWED, five)
    assert [d.format_text() for d in result.diagnostics] == []
    [incident] = result.incidents
    assert incident.current_status == "reviewed"
    assert not incident.is_open
    assert incident.resolved_at is not None and incident.resolved_at.day == 10


def test_reviewed_is_unknown_with_the_openverse_policy(tmp_path: Path) -> None:
    result = _check(tmp_path, REVIEWED, load_policy())
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("INC021", REVIEWED_LINE, 13)
    assert d.message == "unknown status 'reviewed'"
    # An unreadable status is reported once: no INC023 on top of the INC021.
    assert not [x for x in result.diagnostics if x.code == "INC023"]


def test_transitions_follow_the_policy_graph(tmp_path: Path, five: Policy) -> None:
    # resolved -> stabilization-pending: a recurrence in Openverse, forbidden here.
    text = REVIEWED.replace(
        "  - at: 2024-05-17T10:00:00Z\n    status: reviewed",
        "  - at: 2024-05-28T10:00:00Z\n    status: stabilization-pending",
    )
    assert _check(tmp_path, text, load_policy()).diagnostics == []
    [d] = _check(tmp_path, text, five).diagnostics
    assert (d.code, d.line, d.column) == ("INC023", REVIEWED_LINE, 13)
    assert "resolved -> stabilization-pending" in d.message
    assert d.hint == "allowed after resolved: reviewed"
    # under-investigation -> reviewed skips `resolved`.
    text = REVIEWED.replace(
        "  - at: 2024-05-10T10:00:00Z\n    status: resolved\n",
        "  - at: 2024-05-10T10:00:00Z\n    note: Fixed.\n",
    )
    [d] = _check(tmp_path, text, five).diagnostics
    assert (d.code, d.line, d.column) == ("INC023", REVIEWED_LINE, 13)
    assert d.hint == "allowed after under-investigation: stabilization-pending, resolved"
