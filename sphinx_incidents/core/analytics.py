"""What the incident records add up to: lead distribution, metrics, graphs, timelines, tables.

Every function here is pure: it takes loaded :class:`~sphinx_incidents.core.model.Incident`
objects (plus the policy, roster and "now" where they matter) and returns plain data.  No
Sphinx, no files, no clock: the Sphinx directives (``incident-table``, ``incident-timeline``,
``incident-leads``, ``incident-metrics``, ``incident-graph``) and the ``sphinx-incidents leads``
command render the same numbers, so a page and a terminal can never disagree, and tests can
compute every figure by hand.

Conventions shared by all metrics (the docs quote them):

- **Severity** is an incident's *current* severity (that of the last event that set one, else
  the recorded ``severity``).  A reclassification is the team's corrected judgement of how bad
  the incident was, and tables, metrics and the lead distribution all count the same way.
- **Times** are compared as absolute instants, whatever UTC offset a record was written in;
  dates and months (``since``, ``until``, per-month counts) are taken in **UTC**.
- **Open** means the current status is not one of the policy's ``closed_statuses``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_SORT",
    "NO_VALUE",
    "OPEN",
    "TABLE_COLUMNS",
    "LeadReport",
    "LeadRow",
    "MetricsReport",
    "MonthRow",
    "SeverityMetrics",
    "Span",
    "StatusSpans",
    "TableQuery",
    "TimelineRow",
    "column_text",
    "column_value",
    "edge_counts",
    "filter_incidents",
    "format_duration",
    "format_timestamp",
    "incident_path",
    "lead_report",
    "median",
    "metrics_report",
    "parse_table_options",
    "percentile",
    "sort_incidents",
    "status_spans",
    "timeline_rows",
    "utc",
    "validate_table_options",
    "visited_statuses",
]

NO_VALUE = "—"
"""What a missing value (no duration yet, no lead) is displayed as."""


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (records keep the offset they were written in)."""
    return moment.astimezone(UTC)


def _utc_day(moment: datetime) -> date:
    return utc(moment).date()


# --- durations --------------------------------------------------------------------------------

_UNITS = (("d", 86400), ("h", 3600), ("min", 60))


def format_duration(td: timedelta | None) -> str:
    """A duration as a person reads it: the two largest non-zero units, truncated.

    ``None`` (no such time yet, e.g. an open incident's time to resolve) is ``"—"``.  Less
    than a minute is ``"< 1 min"``.  Otherwise the largest unit among days (``d``), hours
    (``h``) and minutes (``min``) is shown with the next smaller unit unless that is zero:
    ``"12 min"``, ``"1 h 10 min"``, ``"2 h"``, ``"3 d 4 h"``, ``"1 d"``.  Seconds and any
    smaller remainder are dropped, never rounded up, so a time shown is never overstated.
    A negative duration (only possible in an invalid record) gets a leading ``-``.
    """
    if td is None:
        return NO_VALUE
    if td < timedelta(0):
        return "-" + format_duration(-td)
    seconds = int(td.total_seconds())
    if seconds < 60:
        return "< 1 min"
    for index, (unit, size) in enumerate(_UNITS):
        if seconds >= size:
            text = f"{seconds // size} {unit}"
            if index + 1 < len(_UNITS):
                small_unit, small_size = _UNITS[index + 1]
                rest = (seconds % size) // small_size
                if rest:
                    text += f" {rest} {small_unit}"
            return text
    raise AssertionError("unreachable")  # pragma: no cover


# --- percentiles ------------------------------------------------------------------------------


def percentile(values: Iterable[timedelta], p: int) -> timedelta | None:
    """The ``p``-th percentile (``0 < p <= 100``) by the **nearest-rank** method.

    With the ``n`` values sorted ascending as ``v[1] <= ... <= v[n]``, the result is
    ``v[ceil(p * n / 100)]``: the smallest value such that at least ``p`` % of the values are
    less than or equal to it.  It is always one of the observed values (no interpolation).
    Examples: one value -> that value for every ``p``; two values -> the median is the smaller,
    the 90th percentile the larger; ten values -> the median is the 5th, the 90th percentile
    the 9th.  ``None`` when there are no values.
    """
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = -(-p * len(ordered) // 100)  # ceil without floating point
    return ordered[max(rank, 1) - 1]


def median(values: Iterable[timedelta]) -> timedelta | None:
    """The 50th percentile by nearest rank (see :func:`percentile`): with an even number of
    values, the lower of the two middle ones, never an average."""
    return percentile(values, 50)


# --- leads ------------------------------------------------------------------------------------


@dataclass
class LeadRow:
    """One person in the lead distribution.

    - ``led_total``: incidents in the window this person led at any point.  An incident counts
      once per person who led it, so a handover counts for both the person handing over and
      the one taking over (see :attr:`Incident.leads`).
    - ``led_by_severity``: the same count split by the incident's current severity; every level
      of the report's ``severity_levels`` is present (zero when none).
    - ``last_led``: the latest moment (UTC) at which this person became lead of an incident in
      the window: the incident's ``detected`` for its initial lead, the handover event's ``at``
      for a lead who took over.  ``None`` when they led none in the window.
    - ``days_since``: whole days (24-hour periods, rounded down, never negative) from
      ``last_led`` to "now"; ``None`` when ``last_led`` is ``None``.
    - ``retros_hosted``: incidents in the window whose retrospective this person hosted.
    - ``in_roster``: whether the handle is one of the roster's people.
    """

    handle: str
    name: str
    led_total: int = 0
    led_by_severity: dict[int, int] = field(default_factory=dict)
    last_led: datetime | None = None
    days_since: int | None = None
    retros_hosted: int = 0
    in_roster: bool = False


@dataclass
class LeadReport:
    """The lead distribution: "who has not led an incident recently, and who leads next?".

    - ``rows``: one :class:`LeadRow` per person, least recent lead first: people who led no
      incident in the window first (alphabetically by handle), then by ``last_led`` ascending.
    - ``incident_count``: incidents in the window (``detected`` on or after ``since``, UTC).
    - ``next_lead`` / ``next_reason``: see :func:`lead_report`.
    - ``fairness``: the share of the window's incidents led by the busiest person,
      ``max(led_total) / incident_count``, from ``1 / people`` (perfectly even) up to ``1.0``
      (one person led everything); ``0.0`` when the window has no incidents.
    - ``busiest``: the handle(s) with that maximum, alphabetical (empty with no incidents).
    - ``runner``: the rotation runner of the week containing "now", if the roster names one.
    - ``latest_incident``: id of the window's most recently detected incident.
    """

    rows: list[LeadRow]
    now: datetime
    since: date | None
    incident_count: int
    severity_levels: tuple[int, ...]
    next_lead: str | None
    next_reason: str
    fairness: float
    busiest: tuple[str, ...]
    runner: str | None
    latest_incident: str | None

    def row(self, handle: str) -> LeadRow | None:
        for row in self.rows:
            if row.handle == handle:
                return row
        return None


def _in_window(incident: Incident, since: date | None, until: date | None = None) -> bool:
    day = _utc_day(incident.detected)
    return (since is None or day >= since) and (until is None or day <= until)


def _severity_levels(incidents: Sequence[Incident], policy: Policy | None) -> tuple[int, ...]:
    if policy is None and incidents:
        policy = incidents[0].policy
    levels = list(policy.severity_levels) if policy is not None else []
    extra = sorted({i.current_severity for i in incidents} - set(levels))
    return tuple(levels + extra)


def _took_over(incident: Incident) -> dict[str, datetime]:
    """Per lead of ``incident``: the latest moment they became its lead."""
    moments: dict[str, datetime] = {}
    for since, handle in incident.lead_changes:
        moments[handle] = max(moments.get(handle, since), since)
    return moments


def lead_report(
    incidents: Iterable[Incident],
    roster: Roster | None,
    now: datetime,
    since: date | None = None,
    policy: Policy | None = None,
) -> LeadReport:
    """The lead distribution of the incidents detected on or after ``since`` (UTC date).

    Who is listed: the roster's people, plus anyone who led or hosted a retrospective of any
    given incident (also outside the window, with zero in it), so without a roster the people
    are whoever led.

    Who should lead next (``next_lead``): the rotation runner of the week containing ``now``
    (:meth:`Roster.runner_for`), unless that runner led (at any point) the window's most
    recently detected incident; otherwise, and when there is no runner, whoever led least
    recently, i.e. the first row (taken among the roster's people when there is a roster, and
    never the runner who just led unless nobody else is left).
    ``next_reason`` says which rule applied, in words.

    ``policy`` (default: the first incident's) only decides the severity levels shown.
    """
    everything = list(incidents)
    window = [i for i in everything if _in_window(i, since)]
    now = utc(now)
    levels = _severity_levels(window or everything, policy)
    roster_people = list(roster.people) if roster is not None else []
    roster_handles = {p.handle for p in roster_people}

    rows: dict[str, LeadRow] = {}

    def row_for(handle: str) -> LeadRow:
        if handle not in rows:
            rows[handle] = LeadRow(
                handle=handle,
                name=roster.display_name(handle) if roster is not None else handle,
                led_by_severity=dict.fromkeys(levels, 0),
                in_roster=handle in roster_handles,
            )
        return rows[handle]

    for person in roster_people:
        row_for(person.handle)
    for incident in everything:
        for handle in incident.leads:
            row_for(handle)
        if incident.retrospective is not None:
            row_for(incident.retrospective.host)

    for incident in window:
        level = incident.current_severity
        for handle, moment in _took_over(incident).items():
            row = row_for(handle)
            row.led_total += 1
            row.led_by_severity[level] = row.led_by_severity.get(level, 0) + 1
            moment = utc(moment)
            if row.last_led is None or moment > row.last_led:
                row.last_led = moment
        if incident.retrospective is not None:
            row_for(incident.retrospective.host).retros_hosted += 1
    for row in rows.values():
        if row.last_led is not None:
            row.days_since = max(0, (now - row.last_led) // timedelta(days=1))

    ordered = sorted(
        rows.values(),
        key=lambda r: (r.last_led is not None, r.last_led or now, r.handle),
    )

    latest = max(window, key=lambda i: (utc(i.detected), i.id)) if window else None
    runner = roster.runner_for(now) if roster is not None else None
    next_lead, next_reason = _next_lead(ordered, roster_handles, runner, latest, now)

    top = max((r.led_total for r in ordered), default=0)
    busiest = tuple(sorted(r.handle for r in ordered if top and r.led_total == top))
    fairness = top / len(window) if window else 0.0
    return LeadReport(
        rows=ordered,
        now=now,
        since=since,
        incident_count=len(window),
        severity_levels=levels,
        next_lead=next_lead,
        next_reason=next_reason,
        fairness=fairness,
        busiest=busiest,
        runner=runner,
        latest_incident=latest.id if latest else None,
    )


def _next_lead(
    rows: list[LeadRow],
    roster_handles: set[str],
    runner: str | None,
    latest: Incident | None,
    now: datetime,
) -> tuple[str | None, str]:
    week = _utc_day(now) - timedelta(days=_utc_day(now).weekday())
    if runner is not None and (latest is None or runner not in latest.leads):
        return runner, f"support rotation runner for the week of {week.isoformat()}"
    if runner is not None:
        assert latest is not None
        why = f"the rotation runner {runner} led the latest incident ({latest.id}); "
    else:
        why = "no rotation runner this week; "
    candidates = [r for r in rows if not roster_handles or r.handle in roster_handles]
    if runner is not None and len(candidates) > 1:
        candidates = [r for r in candidates if r.handle != runner]
    if not candidates:
        return None, why + "nobody to choose from (no roster and no incident leads)"
    first = candidates[0]
    if first.last_led is None:
        return first.handle, why + "has not led an incident in the window"
    return first.handle, (
        why + f"led least recently (last on {first.last_led.date().isoformat()}, "
        f"{first.days_since} days ago)"
    )


# --- metrics ----------------------------------------------------------------------------------


@dataclass
class SeverityMetrics:
    """Figures for the incidents of one severity level (``level`` None: all levels together).

    - ``count``: incidents whose current severity is ``level``.
    - ``open_count``: those not in a closed status now.
    - ``recurrences``: total moves back into the policy's ``recurrence_status`` (sum over the
      incidents of :attr:`Incident.recurrences`).
    - time to stabilize: ``detected`` to the *first* entry into the policy's stabilized
      milestone, over the incidents that reached it (open or closed); ``stabilized_count`` of
      them.
    - time to resolve: ``detected`` to the *last* entry into the resolved milestone, over the
      incidents that are closed now (a reopened incident has none); ``resolved_count`` of them.
    - ``*_median`` and ``*_p90``: nearest-rank 50th and 90th percentiles (:func:`percentile`);
      ``None`` when there are no values.
    """

    level: int | None
    name: str
    count: int = 0
    open_count: int = 0
    recurrences: int = 0
    stabilized_count: int = 0
    stabilize_median: timedelta | None = None
    stabilize_p90: timedelta | None = None
    resolved_count: int = 0
    resolve_median: timedelta | None = None
    resolve_p90: timedelta | None = None


@dataclass
class MonthRow:
    """Incidents detected in one calendar month (UTC), per current severity level."""

    month: str  # "YYYY-MM"
    counts: dict[int, int]
    total: int


@dataclass
class MetricsReport:
    """Metrics over a set of incidents.

    - ``by_severity``: one :class:`SeverityMetrics` per policy level, in policy order (levels
      found in incidents but not in the policy follow, so nothing is dropped silently).
    - ``overall``: the same figures over every incident (``level`` None).
    - ``months``: every month from that of the earliest ``detected`` to that of the latest,
      inclusive, zero-filled, in UTC; empty with no incidents.
    - ``open_incidents``: the incidents open now, oldest ``detected`` first.
    """

    now: datetime
    severity_levels: tuple[int, ...]
    by_severity: list[SeverityMetrics]
    overall: SeverityMetrics
    months: list[MonthRow]
    open_incidents: list[Incident]


def _figures(level: int | None, name: str, incidents: Sequence[Incident]) -> SeverityMetrics:
    stabilize = [i.time_to_stabilize for i in incidents if i.time_to_stabilize is not None]
    resolve = [i.time_to_resolve for i in incidents if i.time_to_resolve is not None]
    return SeverityMetrics(
        level=level,
        name=name,
        count=len(incidents),
        open_count=sum(1 for i in incidents if i.is_open),
        recurrences=sum(i.recurrences for i in incidents),
        stabilized_count=len(stabilize),
        stabilize_median=median(stabilize),
        stabilize_p90=percentile(stabilize, 90),
        resolved_count=len(resolve),
        resolve_median=median(resolve),
        resolve_p90=percentile(resolve, 90),
    )


def _month_key(moment: datetime) -> tuple[int, int]:
    moment = utc(moment)
    return moment.year, moment.month


def _months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def metrics_report(incidents: Iterable[Incident], policy: Policy, now: datetime) -> MetricsReport:
    """Counts and durations per current severity level, and incidents per month.

    See :class:`SeverityMetrics` and :class:`MetricsReport` for the exact definitions.
    """
    everything = list(incidents)
    levels = _severity_levels(everything, policy)
    by_severity = []
    for level in levels:
        severity = policy.severity(level)
        name = severity.name if severity is not None else f"Severity {level}"
        members = [i for i in everything if i.current_severity == level]
        by_severity.append(_figures(level, name, members))
    months: list[MonthRow] = []
    if everything:
        per_month: dict[tuple[int, int], Counter[int]] = {}
        for incident in everything:
            key = _month_key(incident.detected)
            per_month.setdefault(key, Counter())[incident.current_severity] += 1
        keys = sorted(per_month)
        for year, month in _months_between(keys[0], keys[-1]):
            counter = per_month.get((year, month), Counter())
            counts = {level: counter.get(level, 0) for level in levels}
            months.append(MonthRow(f"{year:04d}-{month:02d}", counts, sum(counts.values())))
    open_incidents = sorted(
        (i for i in everything if i.is_open), key=lambda i: (utc(i.detected), i.id)
    )
    return MetricsReport(
        now=utc(now),
        severity_levels=levels,
        by_severity=by_severity,
        overall=_figures(None, "All", everything),
        months=months,
        open_incidents=open_incidents,
    )


# --- status graph -----------------------------------------------------------------------------


def incident_path(incident: Incident) -> list[tuple[str, str]]:
    """The status transitions the incident took, in order, as ``(from, to)`` pairs.

    A recurrence appears as the move back (e.g. ``resolved -> stabilization-pending``), and an
    edge taken twice appears twice.  The first status is not a transition (see
    :func:`visited_statuses`); an event repeating the current status moves nowhere and is left
    out.
    """
    return [
        (change.before, change.after)
        for change in incident.status_changes
        if change.before is not None and change.before != change.after
    ]


def visited_statuses(incident: Incident) -> list[str]:
    """Every status the incident was in, in order of first visit, without repeats."""
    seen: list[str] = []
    for change in incident.status_changes:
        if change.after not in seen:
            seen.append(change.after)
    return seen


def edge_counts(incidents: Iterable[Incident]) -> dict[tuple[str, str], int]:
    """How many times incidents took each transition (every time, recurrences included).

    Keys are ``(from, to)`` pairs as in :func:`incident_path`; transitions nobody took are
    absent (read a missing key as 0).  Sorted by key so that output is reproducible.
    """
    counter: Counter[tuple[str, str]] = Counter()
    for incident in incidents:
        counter.update(incident_path(incident))
    return dict(sorted(counter.items()))


# --- timeline ---------------------------------------------------------------------------------


@dataclass
class TimelineRow:
    """One timeline event with what it changed.

    ``at`` is in UTC; ``since_detection`` is ``at - detected``.  For each of status, severity
    and lead, ``*_after`` is what the event set (``None``: the event did not set it) and
    ``*_before`` the value just before the event (``None`` before the first status).
    ``recurrence`` marks a move back into the recurrence status; ``future`` an event after
    "now".
    """

    at: datetime
    since_detection: timedelta
    status_before: str | None
    status_after: str | None
    severity_before: int | None
    severity_after: int | None
    lead_before: str | None
    lead_after: str | None
    note: str | None
    by: str | None
    recurrence: bool = False
    future: bool = False


def timeline_rows(incident: Incident, now: datetime) -> list[TimelineRow]:
    """The incident's events in record order, each with before -> after for what it set."""
    rows = []
    status: str | None = None
    severity: int = incident.severity
    lead: str | None = incident.lead
    for event in incident.timeline:
        row = TimelineRow(
            at=utc(event.at),
            since_detection=event.at - incident.detected,
            status_before=status if event.status is not None else None,
            status_after=event.status,
            severity_before=severity if event.severity is not None else None,
            severity_after=event.severity,
            lead_before=lead if event.lead is not None else None,
            lead_after=event.lead,
            note=event.note,
            by=event.by,
            recurrence=(
                event.status is not None
                and status is not None
                and incident.policy.is_recurrence(status, event.status)
            ),
            future=event.at > now,
        )
        rows.append(row)
        status = event.status if event.status is not None else status
        severity = event.severity if event.severity is not None else severity
        lead = event.lead if event.lead is not None else lead
    return rows


@dataclass
class Span:
    """A stretch of time in one status (UTC); ``ongoing`` for an open incident's current one,
    which ends at "now"."""

    status: str
    start: datetime
    end: datetime
    ongoing: bool = False

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass
class StatusSpans:
    """Time spent per status.

    - ``spans``: every stay in a status, in order (from :meth:`Incident.time_in_status`), for a
      Gantt chart; a closed incident's final status is a zero-length span at its last move.
    - ``totals``: per status, the sum of its spans' durations (repeated visits add up), in the
      policy's status order; statuses never visited are absent, and so is the final closed
      status when its only span is that zero-length end point.
    """

    spans: list[Span]
    totals: dict[str, timedelta]


def status_spans(incident: Incident, now: datetime) -> StatusSpans:
    """How long the incident spent in each status; an open one's current status runs to now."""
    raw = incident.time_in_status(now)
    spans = [
        Span(status, utc(start), utc(end), ongoing=incident.is_open and index == len(raw) - 1)
        for index, (status, start, end) in enumerate(raw)
    ]
    sums: dict[str, timedelta] = {}
    for index, span in enumerate(spans):
        final_point = index == len(spans) - 1 and not incident.is_open
        if final_point and span.status not in sums:
            continue
        sums[span.status] = sums.get(span.status, timedelta(0)) + span.duration
    order = {key: index for index, key in enumerate(incident.policy.status_keys)}
    totals = dict(sorted(sums.items(), key=lambda item: order.get(item[0], len(order))))
    return StatusSpans(spans, totals)


# --- tables -----------------------------------------------------------------------------------

TABLE_COLUMNS = (
    "id",
    "title",
    "severity",
    "status",
    "lead",
    "services",
    "category",
    "detected",
    "time-to-stabilize",
    "time-to-resolve",
    "recurrences",
)
DEFAULT_COLUMNS = ("id", "title", "severity", "status", "lead", "detected")
DEFAULT_SORT = "-detected"
OPEN = "open"
"""The ``:status:`` value meaning "any status that is not closed"."""


@dataclass
class TableQuery:
    """Parsed ``incident-table`` options (see :func:`parse_table_options`)."""

    severity: tuple[int, ...] | None = None
    status: tuple[str, ...] | None = None
    service: tuple[str, ...] | None = None
    category: tuple[str, ...] | None = None
    lead: tuple[str, ...] | None = None
    since: date | None = None
    until: date | None = None
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    sort: str = DEFAULT_SORT
    limit: int | None = None

    def apply(self, incidents: Iterable[Incident]) -> list[Incident]:
        """Filter, sort and limit, in that order."""
        chosen = filter_incidents(
            incidents,
            severity=self.severity,
            status=self.status,
            service=self.service,
            category=self.category,
            lead=self.lead,
            since=self.since,
            until=self.until,
        )
        ordered = sort_incidents(chosen, self.sort)
        return ordered[: self.limit] if self.limit is not None else ordered


def _words(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    return tuple(word.strip() for word in value if word.strip())


def filter_incidents(
    incidents: Iterable[Incident],
    severity: int | Iterable[int] | None = None,
    status: str | Iterable[str] | None = None,
    service: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    lead: str | Iterable[str] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[Incident]:
    """The incidents matching every given criterion (``None``: no constraint), in input order.

    Each criterion takes one value or several (a list, or a comma-separated string); an
    incident matches a criterion when it matches any of its values:

    - ``severity``: the current severity level.
    - ``status``: the current status key; ``"open"`` matches any status that is not closed.
    - ``service``: one of the incident's services.
    - ``category``: the incident's category.
    - ``lead``: anyone who led the incident at any point (handovers included).
    - ``since`` / ``until``: the UTC date of ``detected`` is on or after / on or before
      (both inclusive).

    An empty collection matches nothing.  Values are not validated here: an unknown one simply
    matches nothing (use :func:`validate_table_options` to report it).
    """
    if isinstance(severity, int):
        severity = (severity,)
    levels = set(severity) if severity is not None else None
    statuses, services, categories, leads = (_words(v) for v in (status, service, category, lead))
    chosen = []
    for incident in incidents:
        if levels is not None and incident.current_severity not in levels:
            continue
        if statuses is not None and not (
            incident.current_status in statuses or (OPEN in statuses and incident.is_open)
        ):
            continue
        if services is not None and not set(incident.services) & set(services):
            continue
        if categories is not None and incident.category not in categories:
            continue
        if leads is not None and not set(incident.leads) & set(leads):
            continue
        if not _in_window(incident, since, until):
            continue
        chosen.append(incident)
    return chosen


def column_value(incident: Incident, column: str) -> Any:
    """A sort key for ``column`` (one of :data:`TABLE_COLUMNS`); ``None`` when there is none.

    ``severity``: the current level; ``status``: the status's position in the policy (so
    statuses sort in workflow order); ``lead``: the current lead's handle; ``title``:
    case-insensitive; ``services``: the comma-joined keys; ``detected``: the instant;
    durations: :class:`~datetime.timedelta` (``None`` when not reached).
    """
    if column == "id":
        return incident.id
    if column == "title":
        return incident.title.casefold()
    if column == "severity":
        return incident.current_severity
    if column == "status":
        keys = incident.policy.status_keys
        status = incident.current_status
        if status is None:
            return None
        return keys.index(status) if status in keys else len(keys)
    if column == "lead":
        return incident.current_lead
    if column == "services":
        return ", ".join(incident.services)
    if column == "category":
        return incident.category
    if column == "detected":
        return utc(incident.detected)
    if column == "time-to-stabilize":
        return incident.time_to_stabilize
    if column == "time-to-resolve":
        return incident.time_to_resolve
    if column == "recurrences":
        return incident.recurrences
    raise ValueError(f"unknown column '{column}'; allowed: {', '.join(TABLE_COLUMNS)}")


def sort_incidents(incidents: Iterable[Incident], key: str) -> list[Incident]:
    """Incidents sorted by the column ``key``, or descending by ``-key``.

    Incidents without a value for the column (an open incident's time to resolve, say) come
    last in both directions.  Ties keep ascending id order.  Raise :class:`ValueError` on an
    unknown column.
    """
    descending = key.startswith("-")
    column = key[1:] if descending else key
    if column not in TABLE_COLUMNS:
        raise ValueError(f"unknown sort column '{column}'; allowed: {', '.join(TABLE_COLUMNS)}")
    by_id = sorted(incidents, key=lambda i: i.id)
    valued = [(column_value(i, column), i) for i in by_id]
    present = [pair for pair in valued if pair[0] is not None]
    missing = [i for value, i in valued if value is None]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [i for _, i in present] + missing


def _keyed_label(policy: Policy, source: str, key: str) -> str:
    items = {"categories": policy.categories, "services": policy.services}[source]
    for item in items:
        if item.key == key:
            return item.label
    return key


def format_timestamp(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM UTC``: how tables and timelines show an instant."""
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def column_text(incident: Incident, column: str, policy: Policy) -> str:
    """What a table cell shows for ``column``.

    ``severity``: the level number (``"1"``); ``status``: the status label; ``category``: the
    category label; ``services``: comma-separated keys; ``detected``: ``YYYY-MM-DD HH:MM UTC``;
    durations: :func:`format_duration`; a missing value: ``"—"``.
    """
    if column == "id":
        return incident.id
    if column == "title":
        return incident.title
    if column == "severity":
        return str(incident.current_severity)
    if column == "status":
        status = incident.current_status
        return policy.status_label(status) if status is not None else NO_VALUE
    if column == "lead":
        return incident.current_lead or NO_VALUE
    if column == "services":
        return ", ".join(incident.services) or NO_VALUE
    if column == "category":
        return _keyed_label(policy, "categories", incident.category)
    if column == "detected":
        return format_timestamp(incident.detected)
    if column == "time-to-stabilize":
        return format_duration(incident.time_to_stabilize)
    if column == "time-to-resolve":
        return format_duration(incident.time_to_resolve)
    if column == "recurrences":
        return str(incident.recurrences)
    raise ValueError(f"unknown column '{column}'; allowed: {', '.join(TABLE_COLUMNS)}")


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _allowed(values: Iterable[str]) -> str:
    return ", ".join(values)


def parse_table_options(
    options: Mapping[str, str | None], policy: Policy, roster: Roster | None = None
) -> tuple[TableQuery, list[str]]:
    """Parse ``incident-table`` option strings into a :class:`TableQuery`, plus error messages.

    Each error names the option, the bad value and the allowed values; a bad value is left out
    of the query, so a caller can warn and still render: a filter whose values are all bad
    matches nothing (an empty tuple) rather than everything, a bad column is dropped, a bad
    sort or limit falls back to the default.  Unknown option names are ignored (docutils
    rejects them).  ``lead`` handles are only checked against a roster that lists people.
    """
    errors: list[str] = []
    query = TableQuery()

    def words(name: str) -> tuple[str, ...] | None:
        raw = options.get(name)
        if raw is None:
            return None
        found = _words(raw) or ()
        if not found:
            errors.append(f":{name}: needs at least one value")
            return None
        return found

    def checked(name: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
        found = words(name)
        if found is None:
            return None
        bad = [w for w in found if w not in allowed]
        for word in bad:
            errors.append(f":{name}: unknown value '{word}'; allowed: {_allowed(allowed)}")
        return tuple(w for w in found if w not in bad)  # () when none is valid: no match

    levels = words("severity")
    if levels is not None:
        allowed_levels = [str(level) for level in policy.severity_levels]
        parsed: list[int] = []
        for word in levels:
            if word in allowed_levels:
                parsed.append(int(word))
            else:
                errors.append(
                    f":severity: unknown level '{word}'; allowed: {_allowed(allowed_levels)}"
                )
        query.severity = tuple(parsed)
    query.status = checked("status", (*policy.status_keys, OPEN))
    query.service = checked("service", policy.choices("services"))
    query.category = checked("category", policy.choices("categories"))
    if roster is not None and roster.people:
        query.lead = checked("lead", sorted(roster.handles))
    else:
        query.lead = words("lead")

    for name in ("since", "until"):
        raw = options.get(name)
        if raw is None:
            continue
        text = raw.strip()
        try:
            if not _DATE_RE.match(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            errors.append(f":{name}: '{text}' is not a date; write YYYY-MM-DD, e.g. 2024-03-01")
            continue
        setattr(query, name, day)
    if query.since and query.until and query.since > query.until:
        errors.append(f":since: {query.since} is after :until: {query.until}; nothing can match")

    columns = words("columns")
    if columns is not None:
        for column in columns:
            if column not in TABLE_COLUMNS:
                errors.append(
                    f":columns: unknown column '{column}'; allowed: {_allowed(TABLE_COLUMNS)}"
                )
        query.columns = tuple(c for c in columns if c in TABLE_COLUMNS) or DEFAULT_COLUMNS

    raw_sort = options.get("sort")
    if raw_sort is not None:
        text = raw_sort.strip()
        if (text[1:] if text.startswith("-") else text) in TABLE_COLUMNS:
            query.sort = text
        else:
            errors.append(
                f":sort: unknown sort column '{text}'; allowed: {_allowed(TABLE_COLUMNS)}, "
                "each optionally prefixed with '-' for descending"
            )

    raw_limit = options.get("limit")
    if raw_limit is not None:
        text = raw_limit.strip()
        if text.isdigit() and int(text) > 0:
            query.limit = int(text)
        else:
            errors.append(f":limit: '{text}' is not a positive whole number")
    return query, errors


def validate_table_options(
    options: Mapping[str, str | None], policy: Policy, roster: Roster | None = None
) -> list[str]:
    """Only the error messages of :func:`parse_table_options` (empty when all is well)."""
    return parse_table_options(options, policy, roster)[1]
