"""Counts and durations per severity, incidents per month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sphinx_incidents.core.analytics.basics import (
    median,
    percentile,
    severity_levels_of,
    utc,
)
from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.policy import Policy

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
    - ``now``: the instant the report is "as of"; ``None`` when it is the reader's (a page
      that must not change with the build's clock): nothing else here depends on it.
    """

    now: datetime | None
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


def metrics_report(
    incidents: Iterable[Incident], policy: Policy, now: datetime | None
) -> MetricsReport:
    """Counts and durations per current severity level, and incidents per month.

    See :class:`SeverityMetrics` and :class:`MetricsReport` for the exact definitions.
    """
    everything = list(incidents)
    levels = severity_levels_of(everything, policy)
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
        now=utc(now) if now is not None else None,
        severity_levels=levels,
        by_severity=by_severity,
        overall=_figures(None, "All", everything),
        months=months,
        open_incidents=open_incidents,
    )
