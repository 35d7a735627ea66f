"""Analytics on hand-computed cases: every expected number below is worked out in a comment."""

from __future__ import annotations

import inspect
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sphinx_incidents.core import analytics
from sphinx_incidents.core.analytics import (
    TABLE_COLUMNS,
    column_text,
    column_value,
    edge_counts,
    filter_incidents,
    format_duration,
    format_since,
    incident_path,
    lead_report,
    median,
    metrics_report,
    parse_table_options,
    percentile,
    sort_incidents,
    status_spans,
    timeline_rows,
    validate_table_options,
    visited_statuses,
)
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.model import Incident, Person, Retrospective, Roster, RotationWeek
from sphinx_incidents.core.model import TimelineEvent as Event
from sphinx_incidents.core.policy import load_policy

POLICY = load_policy("openverse")
PENDING, STABILIZED, INVESTIGATING, RESOLVED = (
    "stabilization-pending",
    "stabilized",
    "under-investigation",
    "resolved",
)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def make(
    incident_id: str,
    detected: str,
    events: list[dict[str, Any]],
    severity: int = 2,
    lead: str | None = "ann",
    services: tuple[str, ...] = ("api",),
    category: str = "technical",
    retro_host: str | None = None,
) -> Incident:
    """An incident built directly; ``events`` are TimelineEvent keyword arguments."""
    timeline = [Event(**{**e, "at": ts(e["at"])}) for e in events]
    retro = Retrospective(date(2025, 1, 1), retro_host) if retro_host else None
    return Incident(
        id=incident_id,
        path=f"{incident_id}.yaml",
        title=incident_id.replace("-", " "),
        severity=severity,
        category=category,
        services=list(services),
        detected=ts(detected),
        detected_via="automated-alert",
        recorded_by="ann",
        lead=lead,
        lead_from_rotation=False,
        summary="s",
        impact=None,
        timeline=timeline,
        follow_ups=[],
        retrospective=retro,
        links=[],
        policy=POLICY,
    )


def closed(incident_id: str, detected: str, stabilized: str, resolved: str, **kw: Any) -> Incident:
    """pending at detection -> stabilized -> under investigation -> resolved."""
    return make(
        incident_id,
        detected,
        [
            {"at": detected, "status": PENDING},
            {"at": stabilized, "status": STABILIZED},
            {"at": stabilized, "status": INVESTIGATING},
            {"at": resolved, "status": RESOLVED},
        ],
        **kw,
    )


def roster(handles: list[str], rotation: dict[str, str] | None = None) -> Roster:
    return Roster(
        "_roster.yaml",
        [Person(h, h.title() + " Example") for h in handles],
        [RotationWeek(date.fromisoformat(w), r) for w, r in (rotation or {}).items()],
    )


# --- format_duration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (None, "—"),
        (timedelta(0), "< 1 min"),
        (timedelta(seconds=45), "< 1 min"),
        (timedelta(seconds=59.9), "< 1 min"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=12, seconds=59), "12 min"),  # truncated, never rounded up
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=1, minutes=10), "1 h 10 min"),
        (timedelta(hours=2, seconds=30), "2 h"),  # zero minutes dropped
        (timedelta(hours=23, minutes=59, seconds=59), "23 h 59 min"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=1, minutes=59), "1 d"),  # only the two largest units
        (timedelta(days=3, hours=4, minutes=30), "3 d 4 h"),
        (timedelta(days=40, hours=1), "40 d 1 h"),
        (-timedelta(hours=1, minutes=5), "-1 h 5 min"),
    ],
)
def test_format_duration(td: timedelta | None, text: str) -> None:
    assert format_duration(td) == text


# --- percentiles ------------------------------------------------------------------------------


def minutes(*values: int) -> list[timedelta]:
    return [timedelta(minutes=v) for v in values]


def test_percentile_no_values() -> None:
    assert percentile([], 90) is None
    assert median([]) is None


def test_percentile_one_value() -> None:
    assert median(minutes(7)) == timedelta(minutes=7)
    assert percentile(minutes(7), 90) == timedelta(minutes=7)
    assert percentile(minutes(7), 1) == timedelta(minutes=7)


def test_percentile_two_values() -> None:
    # n=2: median rank ceil(0.5*2)=1 -> the smaller; p90 rank ceil(0.9*2)=2 -> the larger
    assert median(minutes(30, 10)) == timedelta(minutes=10)
    assert percentile(minutes(30, 10), 90) == timedelta(minutes=30)


def test_percentile_ten_values() -> None:
    values = minutes(100, 10, 90, 20, 80, 30, 70, 40, 60, 50)  # unsorted on purpose
    assert median(values) == timedelta(minutes=50)  # rank ceil(5.0) = 5 -> 50
    assert percentile(values, 90) == timedelta(minutes=90)  # rank ceil(9.0) = 9 -> 90
    assert percentile(values, 91) == timedelta(minutes=100)  # rank ceil(9.1) = 10
    assert percentile(values, 100) == timedelta(minutes=100)
    assert percentile(values, 10) == timedelta(minutes=10)


def test_percentile_eleven_values() -> None:
    values = minutes(*range(1, 12))
    assert median(values) == timedelta(minutes=6)  # rank ceil(5.5) = 6
    assert percentile(values, 90) == timedelta(minutes=10)  # rank ceil(9.9) = 10


@pytest.mark.parametrize("p", [0, -5, 101])
def test_percentile_out_of_range(p: int) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile(minutes(1), p)


# --- leads ------------------------------------------------------------------------------------

NOW = ts("2025-03-20T12:00:00Z")  # a Thursday; its week starts Monday 2025-03-17


def test_handover_counts_for_both_people() -> None:
    incident = make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [
            {"at": "2025-03-01T10:00:00Z", "status": PENDING},
            {"at": "2025-03-01T14:30:00Z", "lead": "bob", "note": "handover"},
        ],
        lead="ann",
    )
    report = lead_report([incident], None, NOW)
    ann, bob = report.row("ann"), report.row("bob")
    assert ann is not None and bob is not None
    assert (ann.led_total, bob.led_total) == (1, 1)
    assert ann.last_led == ts("2025-03-01T10:00:00Z")  # the incident's detected
    assert bob.last_led == ts("2025-03-01T14:30:00Z")  # when bob took over
    # 2025-03-01T10:00 -> 2025-03-20T12:00 is 19 d 2 h: 19 whole days
    assert ann.days_since == 19
    assert bob.days_since == 18  # 18 d 21 h 30 min
    assert report.incident_count == 1
    assert report.fairness == 1.0  # each led 1 of 1
    assert report.busiest == ("ann", "bob")


def test_lead_who_takes_back_counts_once_with_latest_takeover() -> None:
    incident = make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [
            {"at": "2025-03-01T10:00:00Z", "status": PENDING},
            {"at": "2025-03-02T10:00:00Z", "lead": "bob"},
            {"at": "2025-03-03T10:00:00Z", "lead": "ann"},
        ],
    )
    ann = lead_report([incident], None, NOW).row("ann")
    assert ann is not None
    assert ann.led_total == 1
    assert ann.last_led == ts("2025-03-03T10:00:00Z")


def test_reclassification_counts_under_current_severity() -> None:
    incident = make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [
            {"at": "2025-03-01T10:00:00Z", "status": PENDING},
            {"at": "2025-03-01T11:00:00Z", "severity": 1},
        ],
        severity=3,
    )
    ann = lead_report([incident], None, NOW).row("ann")
    assert ann is not None
    assert ann.led_by_severity == {1: 1, 2: 0, 3: 0}


def test_never_led_roster_members_first_then_least_recent() -> None:
    people = roster(["zoe", "ann", "bob", "cy"])
    incidents = [
        pending("2025-03-10-a", "2025-03-10T09:00:00Z", "ann"),
        pending("2025-02-01-b", "2025-02-01T09:00:00Z", "bob"),
    ]
    report = lead_report(incidents, people, NOW)
    assert [r.handle for r in report.rows] == ["cy", "zoe", "bob", "ann"]
    cy = report.rows[0]
    assert (cy.led_total, cy.last_led, cy.days_since, cy.retros_hosted) == (0, None, None, 0)
    assert cy.led_by_severity == {1: 0, 2: 0, 3: 0}
    assert cy.name == "Cy Example" and cy.in_roster


def test_retros_hosted_and_non_roster_people_listed() -> None:
    incident = closed(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        "2025-03-01T11:00:00Z",
        "2025-03-05T10:00:00Z",
        lead="ann",
        retro_host="dan",
    )
    report = lead_report([incident], roster(["ann"]), NOW)
    dan = report.row("dan")
    assert dan is not None
    assert (dan.retros_hosted, dan.led_total, dan.in_roster, dan.name) == (1, 0, False, "dan")


def test_since_limits_the_window_but_keeps_people() -> None:
    old = make(
        "2025-01-05-old",
        "2025-01-05T09:00:00Z",
        [{"at": "2025-01-05T09:00:00Z", "status": PENDING}],
        lead="bob",
    )
    # 2025-03-01T01:00+02:00 is 2025-02-28T23:00Z: before a since of 2025-03-01 (UTC dates)
    edge = make(
        "2025-03-01-edge",
        "2025-03-01T01:00:00+02:00",
        [{"at": "2025-03-01T01:00:00+02:00", "status": PENDING}],
        lead="bob",
    )
    new = make(
        "2025-03-02-new",
        "2025-03-02T09:00:00Z",
        [{"at": "2025-03-02T09:00:00Z", "status": PENDING}],
        lead="ann",
    )
    report = lead_report([old, edge, new], None, NOW, since=date(2025, 3, 1))
    assert report.incident_count == 1
    assert [(r.handle, r.led_total) for r in report.rows] == [("bob", 0), ("ann", 1)]
    assert report.since == date(2025, 3, 1)


def test_last_led_is_utc_whatever_the_offset() -> None:
    incident = make(
        "2025-03-10-a",
        "2025-03-10T21:00:00-05:00",
        [
            {"at": "2025-03-10T21:00:00-05:00", "status": PENDING},
            {"at": "2025-03-11T05:30:00+02:00", "lead": "bob"},  # 03:30Z
        ],
    )
    report = lead_report([incident], None, NOW)
    ann, bob = report.row("ann"), report.row("bob")
    assert ann is not None and bob is not None
    assert ann.last_led == datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
    assert bob.last_led == datetime(2025, 3, 11, 3, 30, tzinfo=UTC)
    # bob took over later, so he comes after ann
    assert [r.handle for r in report.rows] == ["ann", "bob"]


ROTATION = {"2025-03-10": "bob", "2025-03-17": "cy"}


def pending(incident_id: str, detected: str, lead: str) -> Incident:
    return make(incident_id, detected, [{"at": detected, "status": PENDING}], lead=lead)


def test_next_lead_is_the_runner_when_they_did_not_lead_the_latest() -> None:
    incidents = [
        pending("2025-03-18-a", "2025-03-18T09:00:00Z", "ann"),
        pending("2025-03-01-b", "2025-03-01T09:00:00Z", "cy"),
    ]
    report = lead_report(incidents, roster(["ann", "bob", "cy", "dee"], ROTATION), NOW)
    assert report.runner == "cy"
    assert report.latest_incident == "2025-03-18-a"
    assert report.next_lead == "cy"
    assert "rotation" in report.next_reason and "2025-03-17" in report.next_reason


def test_next_lead_falls_back_to_least_recent_when_runner_led_latest() -> None:
    incidents = [
        pending("2025-03-18-a", "2025-03-18T09:00:00Z", "cy"),  # the runner led the latest
        pending("2025-03-01-b", "2025-03-01T09:00:00Z", "ann"),
        pending("2025-03-05-c", "2025-03-05T09:00:00Z", "bob"),
    ]
    people = roster(["ann", "bob", "cy"], ROTATION)
    report = lead_report(incidents, people, NOW)
    assert [r.handle for r in report.rows] == ["ann", "bob", "cy"]
    assert report.next_lead == "ann"
    assert "cy led the latest incident" in report.next_reason
    assert "least recently" in report.next_reason
    # with a roster member who never led, they come first and are chosen
    report = lead_report(incidents, roster(["ann", "bob", "cy", "dee"], ROTATION), NOW)
    assert report.next_lead == "dee"
    assert "has not led" in report.next_reason


def test_next_lead_without_roster_is_the_least_recent_lead() -> None:
    incidents = [
        pending("2025-03-18-a", "2025-03-18T09:00:00Z", "cy"),
        pending("2025-03-01-b", "2025-03-01T09:00:00Z", "ann"),
    ]
    report = lead_report(incidents, None, NOW)
    assert report.runner is None
    assert report.next_lead == "ann"
    assert "no rotation runner" in report.next_reason


def test_without_now_the_report_holds_every_runner_s_answer() -> None:
    """now=None (a page that must not depend on the build's clock): no days since, no
    runner; next_lead_if gives the answer for whoever runs the reader's week."""
    incidents = [
        pending("2025-03-18-a", "2025-03-18T09:00:00Z", "cy"),
        pending("2025-03-01-b", "2025-03-01T09:00:00Z", "ann"),
    ]
    report = lead_report(incidents, roster(["ann", "bob", "cy"], ROTATION), None)
    assert report.now is None and report.runner is None
    assert [r.days_since for r in report.rows] == [None, None, None]
    assert [r.handle for r in report.rows] == ["bob", "ann", "cy"]  # same order as with now
    assert report.runners == ("bob", "cy")
    assert report.next_lead_if("bob") == ("bob", "support rotation runner for this week")
    lead, why = report.next_lead_if("cy")  # cy led the latest: the least recent other
    assert lead == "bob" and "cy led the latest incident (2025-03-18-a)" in why
    lead, why = report.next_lead_if(None)
    assert lead == "bob" and why.startswith("no rotation runner this week")
    no_roster = lead_report(incidents, None, None)
    assert no_roster.next_lead == "ann"
    assert no_roster.next_reason.endswith("led least recently (last on 2025-03-01)")


def test_no_incidents_no_roster() -> None:
    report = lead_report([], None, NOW)
    assert report.rows == []
    assert report.next_lead is None
    assert (report.fairness, report.busiest, report.incident_count) == (0.0, (), 0)


def test_fairness_share_of_the_busiest() -> None:
    incidents = [
        pending("2025-03-01-a", "2025-03-01T09:00:00Z", "ann"),
        pending("2025-03-02-b", "2025-03-02T09:00:00Z", "ann"),
        pending("2025-03-03-c", "2025-03-03T09:00:00Z", "ann"),
        pending("2025-03-04-d", "2025-03-04T09:00:00Z", "bob"),
    ]
    report = lead_report(incidents, roster(["ann", "bob", "cy"]), NOW)
    assert report.fairness == 0.75  # ann led 3 of 4
    assert report.busiest == ("ann",)


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_per_severity_hand_computed() -> None:
    incidents = [
        # severity 2, stabilize 10 min, resolve 2 d
        closed(
            "2025-03-01-a", "2025-03-01T10:00:00Z", "2025-03-01T10:10:00Z", "2025-03-03T10:00:00Z"
        ),
        # severity 2, stabilize 30 min, resolve 4 d
        closed(
            "2025-03-02-b", "2025-03-02T10:00:00Z", "2025-03-02T10:30:00Z", "2025-03-06T10:00:00Z"
        ),
        # severity 2, stabilize 20 min, open (no resolve)
        make(
            "2025-03-03-c",
            "2025-03-03T10:00:00Z",
            [
                {"at": "2025-03-03T10:00:00Z", "status": PENDING},
                {"at": "2025-03-03T10:20:00Z", "status": STABILIZED},
            ],
        ),
        # recorded 3, reclassified to 1: counts as severity 1; never stabilized
        make(
            "2025-03-04-d",
            "2025-03-04T10:00:00Z",
            [
                {"at": "2025-03-04T10:00:00Z", "status": PENDING},
                {"at": "2025-03-04T10:05:00Z", "severity": 1},
            ],
            severity=3,
        ),
    ]
    report = metrics_report(incidents, POLICY, NOW)
    sev1, sev2, sev3 = report.by_severity
    assert (sev1.level, sev1.name, sev1.count, sev1.open_count) == (1, "Critical", 1, 1)
    assert (sev1.stabilized_count, sev1.stabilize_median, sev1.resolve_p90) == (0, None, None)
    assert (sev2.count, sev2.open_count, sev2.recurrences) == (3, 1, 0)
    # stabilize: 10, 20, 30 -> median rank ceil(1.5)=2 -> 20; p90 rank ceil(2.7)=3 -> 30
    assert sev2.stabilized_count == 3
    assert sev2.stabilize_median == timedelta(minutes=20)
    assert sev2.stabilize_p90 == timedelta(minutes=30)
    # resolve: 2 d, 4 d -> median the smaller, p90 the larger
    assert sev2.resolved_count == 2
    assert sev2.resolve_median == timedelta(days=2)
    assert sev2.resolve_p90 == timedelta(days=4)
    assert (sev3.count, sev3.stabilize_median) == (0, None)
    overall = report.overall
    assert (overall.level, overall.count, overall.open_count) == (None, 4, 2)
    assert [i.id for i in report.open_incidents] == ["2025-03-03-c", "2025-03-04-d"]


def test_recurrences_and_time_to_resolve_uses_last_resolution() -> None:
    reopened_then_closed = make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [
            {"at": "2025-03-01T10:00:00Z", "status": PENDING},
            {"at": "2025-03-01T11:00:00Z", "status": STABILIZED},  # first stabilized: 1 h
            {"at": "2025-03-01T12:00:00Z", "status": PENDING},  # recurrence 1
            {"at": "2025-03-01T13:00:00Z", "status": STABILIZED},
            {"at": "2025-03-01T14:00:00Z", "status": INVESTIGATING},
            {"at": "2025-03-02T10:00:00Z", "status": RESOLVED},
            {"at": "2025-03-03T10:00:00Z", "status": PENDING},  # recurrence 2
            {"at": "2025-03-03T11:00:00Z", "status": STABILIZED},
            {"at": "2025-03-03T12:00:00Z", "status": INVESTIGATING},
            {"at": "2025-03-05T10:00:00Z", "status": RESOLVED},  # last resolved: 4 d
        ],
    )
    reopened_still_open = make(
        "2025-03-02-b",
        "2025-03-02T10:00:00Z",
        [
            {"at": "2025-03-02T10:00:00Z", "status": PENDING},
            {"at": "2025-03-02T10:30:00Z", "status": STABILIZED},
            {"at": "2025-03-02T11:00:00Z", "status": INVESTIGATING},
            {"at": "2025-03-03T10:00:00Z", "status": RESOLVED},
            {"at": "2025-03-04T10:00:00Z", "status": PENDING},  # recurrence 3, open again
        ],
    )
    report = metrics_report([reopened_then_closed, reopened_still_open], POLICY, NOW)
    sev2 = report.by_severity[1]
    assert sev2.recurrences == 3
    assert sev2.open_count == 1
    assert sev2.resolved_count == 1  # the reopened one has no time to resolve
    assert sev2.resolve_median == timedelta(days=4)
    # stabilize: 1 h and 30 min -> median 30 min, p90 1 h
    assert sev2.stabilize_median == timedelta(minutes=30)
    assert sev2.stabilize_p90 == timedelta(hours=1)


def test_months_zero_filled_in_utc_with_mixed_offsets() -> None:
    incidents = [
        # 2025-03-01T01:00+02:00 = 2025-02-28T23:00Z -> February
        pending("2025-03-01-a", "2025-03-01T01:00:00+02:00", "ann"),
        # 2025-04-30T22:00-05:00 = 2025-05-01T03:00Z -> May
        pending("2025-04-30-b", "2025-04-30T22:00:00-05:00", "ann"),
        make(
            "2025-05-10-c",
            "2025-05-10T10:00:00Z",
            [{"at": "2025-05-10T10:00:00Z", "status": PENDING}],
            severity=1,
        ),
    ]
    report = metrics_report(incidents, POLICY, NOW)
    assert [(m.month, m.counts, m.total) for m in report.months] == [
        ("2025-02", {1: 0, 2: 1, 3: 0}, 1),
        ("2025-03", {1: 0, 2: 0, 3: 0}, 0),
        ("2025-04", {1: 0, 2: 0, 3: 0}, 0),
        ("2025-05", {1: 1, 2: 1, 3: 0}, 2),
    ]


def test_months_across_a_year_end() -> None:
    incidents = [
        pending("2024-11-20-a", "2024-11-20T10:00:00Z", "ann"),
        pending("2025-02-01-b", "2025-02-01T10:00:00Z", "ann"),
    ]
    months = [m.month for m in metrics_report(incidents, POLICY, NOW).months]
    assert months == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_metrics_with_no_incidents() -> None:
    report = metrics_report([], POLICY, NOW)
    assert report.months == [] and report.open_incidents == []
    assert [m.count for m in report.by_severity] == [0, 0, 0]
    assert report.overall.stabilize_median is None


def test_durations_across_offsets() -> None:
    # detected 10:00+02:00 (08:00Z), stabilized 08:30Z, resolved 2025-03-02T03:00-05:00 (08:00Z)
    incident = closed(
        "2025-03-01-a",
        "2025-03-01T10:00:00+02:00",
        "2025-03-01T08:30:00Z",
        "2025-03-02T03:00:00-05:00",
    )
    assert incident.time_to_stabilize == timedelta(minutes=30)
    assert incident.time_to_resolve == timedelta(days=1)
    sev2 = metrics_report([incident], POLICY, NOW).by_severity[1]
    assert (sev2.stabilize_median, sev2.resolve_p90) == (timedelta(minutes=30), timedelta(days=1))


def test_offsets_from_yaml_records(tmp_path: Path) -> None:
    """The same figures when the incident is read from a file by the real loader."""
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
          - at: 2025-03-01T08:30:00Z
            status: stabilized
          - at: 2025-03-01T04:00:00-05:00
            lead: bob
          - at: 2025-03-01T09:00:00Z
            status: under-investigation
    """
    (tmp_path / "2025-03-01-search-down.yaml").write_text(textwrap.dedent(record), "utf-8")
    result = check_paths([tmp_path], POLICY, NOW)
    assert result.ok, [d.format_text() for d in result.diagnostics]
    (incident,) = result.incidents
    assert incident.time_to_stabilize == timedelta(minutes=30)
    report = lead_report(result.incidents, result.roster, NOW)
    bob = report.row("bob")
    assert bob is not None and bob.last_led == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    rows = timeline_rows(incident, NOW)
    assert [r.since_detection for r in rows] == [
        timedelta(0),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert rows[0].at == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


# --- graph ------------------------------------------------------------------------------------


def recurring() -> Incident:
    return make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [
            {"at": "2025-03-01T10:00:00Z", "status": PENDING},
            {"at": "2025-03-01T11:00:00Z", "status": STABILIZED},
            {"at": "2025-03-01T11:30:00Z", "status": STABILIZED, "note": "still ok"},  # no move
            {"at": "2025-03-01T12:00:00Z", "status": PENDING},
            {"at": "2025-03-01T13:00:00Z", "status": STABILIZED},
            {"at": "2025-03-01T14:00:00Z", "status": INVESTIGATING},
        ],
    )


def test_incident_path_in_order_with_recurrence() -> None:
    assert incident_path(recurring()) == [
        (PENDING, STABILIZED),
        (STABILIZED, PENDING),
        (PENDING, STABILIZED),
        (STABILIZED, INVESTIGATING),
    ]
    assert visited_statuses(recurring()) == [PENDING, STABILIZED, INVESTIGATING]


def test_edge_counts_sum_every_traversal() -> None:
    other = closed(
        "2025-03-02-b", "2025-03-02T10:00:00Z", "2025-03-02T11:00:00Z", "2025-03-03T10:00:00Z"
    )
    assert edge_counts([recurring(), other]) == {
        (PENDING, STABILIZED): 3,
        (STABILIZED, INVESTIGATING): 2,
        (STABILIZED, PENDING): 1,
        (INVESTIGATING, RESOLVED): 1,
    }
    assert edge_counts([]) == {}


def test_first_status_stabilized_has_no_edge_into_it() -> None:
    incident = make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [{"at": "2025-03-01T10:00:00Z", "status": STABILIZED}],
    )
    assert incident_path(incident) == []
    assert visited_statuses(incident) == [STABILIZED]


# --- timeline ---------------------------------------------------------------------------------


def test_timeline_rows_before_and_after() -> None:
    incident = make(
        "2025-03-01-a",
        "2025-03-01T10:00:00Z",
        [
            {"at": "2025-03-01T10:00:00Z", "status": PENDING, "by": "ann"},
            {"at": "2025-03-01T12:00:00+02:00", "severity": 1, "note": "worse"},  # 10:00Z
            {"at": "2025-03-01T10:45:00Z", "status": STABILIZED, "lead": "bob", "by": "bob"},
            {"at": "2025-03-01T11:00:00Z", "status": PENDING, "note": "back"},
            {"at": "2025-03-25T00:00:00Z", "note": "later"},
        ],
        severity=2,
    )
    rows = timeline_rows(incident, NOW)
    first, reclass, stab, back, later = rows
    assert (first.status_before, first.status_after, first.by) == (None, PENDING, "ann")
    assert (first.severity_before, first.severity_after) == (None, None)
    assert reclass.at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert (reclass.severity_before, reclass.severity_after) == (2, 1)
    assert (reclass.status_before, reclass.status_after, reclass.note) == (None, None, "worse")
    assert (stab.status_before, stab.status_after) == (PENDING, STABILIZED)
    assert (stab.lead_before, stab.lead_after) == ("ann", "bob")
    assert stab.since_detection == timedelta(minutes=45)
    assert (back.status_before, back.status_after, back.recurrence) == (STABILIZED, PENDING, True)
    assert not any(r.recurrence for r in (first, reclass, stab, later))
    assert later.future and not back.future


def test_status_spans_sum_repeated_visits_open_incident() -> None:
    now = ts("2025-03-01T16:00:00Z")
    spans = status_spans(recurring(), now)
    # pending 10-11 and 12-13 = 2 h; stabilized 11-12 (11:00-11:30 + 11:30-12:00) and 13-14 = 2 h;
    # under investigation 14:00 to now 16:00 = 2 h, ongoing
    assert spans.totals == {
        PENDING: timedelta(hours=2),
        STABILIZED: timedelta(hours=2),
        INVESTIGATING: timedelta(hours=2),
    }
    assert list(spans.totals) == [PENDING, STABILIZED, INVESTIGATING]  # policy order
    assert len(spans.spans) == 6
    assert spans.spans[-1].ongoing and not spans.spans[0].ongoing
    assert spans.spans[-1].end == now
    assert spans.spans[-1].duration == timedelta(hours=2)


def test_status_spans_without_now_count_the_finished_stays_only() -> None:
    spans = status_spans(recurring(), None)
    # as above, but under investigation (from 14:00, ongoing) has no length yet
    assert spans.totals == {
        PENDING: timedelta(hours=2),
        STABILIZED: timedelta(hours=2),
        INVESTIGATING: timedelta(0),
    }
    last = spans.spans[-1]
    assert last.ongoing and last.start == last.end == ts("2025-03-01T14:00:00Z")
    assert not any(row.future for row in timeline_rows(recurring(), None))
    assert metrics_report([recurring()], POLICY, None).now is None


def test_status_spans_closed_incident_final_point_not_in_totals() -> None:
    incident = closed(
        "2025-03-01-a", "2025-03-01T10:00:00Z", "2025-03-01T11:00:00Z", "2025-03-03T11:00:00Z"
    )
    spans = status_spans(incident, NOW)
    assert spans.totals == {
        PENDING: timedelta(hours=1),
        STABILIZED: timedelta(0),  # moved on to under-investigation at the same minute
        INVESTIGATING: timedelta(days=2),
    }
    assert spans.spans[-1].status == RESOLVED and spans.spans[-1].duration == timedelta(0)
    assert not any(s.ongoing for s in spans.spans)


# --- tables -----------------------------------------------------------------------------------


def table_incidents() -> list[Incident]:
    return [
        closed(
            "2025-01-10-a",
            "2025-01-10T10:00:00Z",
            "2025-01-10T10:30:00Z",
            "2025-01-12T10:00:00Z",
            severity=1,
            services=("api", "frontend"),
            lead="ann",
        ),
        make(
            "2025-02-28-b",
            "2025-03-01T01:00:00+02:00",  # 2025-02-28T23:00Z
            [
                {"at": "2025-03-01T01:00:00+02:00", "status": PENDING},
                {"at": "2025-03-01T02:00:00+02:00", "lead": "bob"},
            ],
            severity=3,
            services=("catalog",),
            lead="ann",
        ),
        make(
            "2025-03-05-c",
            "2025-03-05T10:00:00Z",
            [
                {"at": "2025-03-05T10:00:00Z", "status": PENDING},
                {"at": "2025-03-05T12:00:00Z", "status": STABILIZED},
                {"at": "2025-03-05T13:00:00Z", "severity": 2},
            ],
            severity=3,
            services=(),
            category="community",
            lead="cy",
        ),
    ]


def ids(incidents: list[Incident]) -> list[str]:
    return [i.id for i in incidents]


def test_filter_incidents() -> None:
    items = table_incidents()
    assert ids(filter_incidents(items)) == ["2025-01-10-a", "2025-02-28-b", "2025-03-05-c"]
    assert ids(filter_incidents(items, severity=2)) == ["2025-03-05-c"]  # reclassified 3 -> 2
    assert ids(filter_incidents(items, severity=[1, 3])) == ["2025-01-10-a", "2025-02-28-b"]
    assert ids(filter_incidents(items, status="open")) == ["2025-02-28-b", "2025-03-05-c"]
    assert ids(filter_incidents(items, status="resolved, stabilized")) == [
        "2025-01-10-a",
        "2025-03-05-c",
    ]
    assert ids(filter_incidents(items, service="frontend")) == ["2025-01-10-a"]
    assert ids(filter_incidents(items, service=["catalog", "api"])) == [
        "2025-01-10-a",
        "2025-02-28-b",
    ]
    assert ids(filter_incidents(items, category="community")) == ["2025-03-05-c"]
    # ann led b before handing over to bob: she still counts as one of its leads
    assert ids(filter_incidents(items, lead="ann")) == ["2025-01-10-a", "2025-02-28-b"]
    assert ids(filter_incidents(items, lead="bob")) == ["2025-02-28-b"]
    # b was detected 2025-02-28 in UTC, though its local date is 2025-03-01
    assert ids(filter_incidents(items, since=date(2025, 3, 1))) == ["2025-03-05-c"]
    assert ids(filter_incidents(items, until=date(2025, 2, 28))) == [
        "2025-01-10-a",
        "2025-02-28-b",
    ]
    both = filter_incidents(items, since=date(2025, 2, 28), until=date(2025, 2, 28))
    assert ids(both) == ["2025-02-28-b"]  # inclusive at both ends
    assert filter_incidents(items, status=()) == []  # an empty set of values matches nothing
    assert ids(filter_incidents(items, severity=3, lead="bob", status="open")) == ["2025-02-28-b"]


def test_sort_incidents() -> None:
    items = table_incidents()
    assert ids(sort_incidents(items, "-detected")) == [
        "2025-03-05-c",
        "2025-02-28-b",
        "2025-01-10-a",
    ]
    assert ids(sort_incidents(items, "severity")) == [
        "2025-01-10-a",
        "2025-03-05-c",
        "2025-02-28-b",
    ]
    # status in workflow order: pending (b) < stabilized (c) < resolved (a)
    assert ids(sort_incidents(items, "status")) == ["2025-02-28-b", "2025-03-05-c", "2025-01-10-a"]
    # time to stabilize: a 30 min, c 2 h, b none -> b last both ways
    assert ids(sort_incidents(items, "time-to-stabilize")) == [
        "2025-01-10-a",
        "2025-03-05-c",
        "2025-02-28-b",
    ]
    assert ids(sort_incidents(items, "-time-to-stabilize")) == [
        "2025-03-05-c",
        "2025-01-10-a",
        "2025-02-28-b",
    ]
    # ties keep ascending id order in both directions
    assert ids(sort_incidents(items, "recurrences")) == ids(sort_incidents(items, "-recurrences"))
    with pytest.raises(ValueError, match="unknown sort column 'nope'"):
        sort_incidents(items, "-nope")


def test_column_value_and_text() -> None:
    a, b, c = table_incidents()
    assert column_value(b, "lead") == "bob"  # the current lead
    assert column_value(a, "detected") == datetime(2025, 1, 10, 10, tzinfo=UTC)
    assert column_value(b, "time-to-resolve") is None
    texts = {column: column_text(c, column, POLICY) for column in TABLE_COLUMNS}
    assert texts == {
        "id": "2025-03-05-c",
        "title": "2025 03 05 c",
        "severity": "2",
        "status": "Stabilized",
        "lead": "cy",
        "services": "—",
        "category": "community",
        "detected": "2025-03-05 10:00 UTC",
        "time-to-stabilize": "2 h",
        "time-to-resolve": "—",
        "recurrences": "0",
    }
    assert column_text(a, "time-to-resolve", POLICY) == "2 d"
    assert column_text(b, "detected", POLICY) == "2025-02-28 23:00 UTC"
    assert column_text(a, "services", POLICY) == "api, frontend"
    with pytest.raises(ValueError, match="unknown column"):
        column_text(a, "bogus", POLICY)
    with pytest.raises(ValueError, match="unknown column"):
        column_value(a, "bogus")


def test_valid_table_options_parse_cleanly() -> None:
    options = {
        "severity": "1, 2",
        "status": "open, resolved",
        "service": "api",
        "category": "technical",
        "lead": "ann",
        "since": "2025-01-01",
        "until": "2025-12-31",
        "columns": "id, time-to-resolve, recurrences",
        "sort": "-time-to-resolve",
        "limit": "5",
        "caption": "Recent",
    }
    query, errors = parse_table_options(options, POLICY)
    assert errors == []
    assert query.severity == (1, 2)
    assert query.status == ("open", "resolved")
    assert (query.since, query.until) == (date(2025, 1, 1), date(2025, 12, 31))
    assert query.columns == ("id", "time-to-resolve", "recurrences")
    assert (query.sort, query.limit) == ("-time-to-resolve", 5)
    assert parse_table_options({}, POLICY) == (analytics.TableQuery(), [])


def test_table_query_apply() -> None:
    query, _ = parse_table_options({"status": "open", "sort": "detected", "limit": "1"}, POLICY)
    assert ids(query.apply(table_incidents())) == ["2025-02-28-b"]


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        ({"status": "stabilised"}, [":status: unknown value 'stabilised'", "stabilized", "open"]),
        ({"severity": "4"}, [":severity: unknown level '4'", "allowed: 1, 2, 3"]),
        ({"severity": "one"}, [":severity: unknown level 'one'"]),
        ({"service": "web"}, [":service: unknown value 'web'", "wp-integration"]),
        ({"category": "pr"}, [":category: unknown value 'pr'", "public-relations"]),
        ({"columns": "id, owner"}, [":columns: unknown column 'owner'", "time-to-resolve"]),
        ({"sort": "owner"}, [":sort: unknown sort column 'owner'", "detected"]),
        ({"sort": "--detected"}, [":sort: unknown sort column '--detected'"]),
        ({"since": "2025-13-01"}, [":since: '2025-13-01' is not a date", "YYYY-MM-DD"]),
        ({"until": "yesterday"}, [":until: 'yesterday' is not a date"]),
        ({"since": "2025-02-01", "until": "2025-01-01"}, ["is after :until:"]),
        ({"limit": "0"}, [":limit: '0' is not a positive whole number"]),
        ({"limit": "ten"}, [":limit: 'ten'"]),
        ({"status": " , "}, [":status: needs at least one value"]),
    ],
)
def test_bad_table_options_are_reported(options: dict[str, str], fragments: list[str]) -> None:
    errors = validate_table_options(options, POLICY)
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0]


def test_bad_values_are_left_out_of_the_query() -> None:
    query, errors = parse_table_options(
        {"status": "bogus", "columns": "nope", "sort": "nope", "severity": "2, 9"}, POLICY
    )
    assert len(errors) == 4
    assert query.status == ()  # nothing valid: the table shows nothing rather than everything
    assert query.severity == (2,)
    assert query.columns == analytics.DEFAULT_COLUMNS
    assert query.sort == analytics.DEFAULT_SORT


def test_lead_option_checked_against_roster() -> None:
    people = roster(["ann", "bob"])
    assert validate_table_options({"lead": "ann"}, POLICY, people) == []
    (error,) = validate_table_options({"lead": "anne"}, POLICY, people)
    assert error == ":lead: unknown value 'anne'; allowed: ann, bob"
    assert validate_table_options({"lead": "anyone"}, POLICY) == []  # no roster, no check


def test_no_eval_in_analytics() -> None:
    source = inspect.getsource(analytics)
    assert "eval(" not in source and "exec(" not in source


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "at detection"),
        (timedelta(seconds=30), "< 1 min"),  # was "+< 1 min"
        (timedelta(minutes=12), "+12 min"),
        (timedelta(days=1, hours=2), "+1 d 2 h"),
        (timedelta(minutes=-5), "-5 min"),
    ],
)
def test_format_since(delta: timedelta, text: str) -> None:
    assert format_since(delta) == text
