"""One incident's events and the time it spent in each status.

``now`` may be ``None``: "now" is then the reader's, not the build's, so nothing here depends
on when the build ran.  No event is marked ``future``, and an open incident's current stay
ends where it starts (``ongoing``, zero long so far); the Sphinx layer lets the browser
compute the rest from the timestamps (see ``sphinxext/clock.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sphinx_incidents.core.analytics.basics import (
    utc,
)
from sphinx_incidents.core.model import Incident

# --- timeline ---------------------------------------------------------------------------------


@dataclass
class TimelineRow:
    """One timeline event with what it changed.

    ``at`` is in UTC; ``since_detection`` is ``at - detected``.  For each of status, severity
    and lead, ``*_after`` is what the event set (``None``: the event did not set it) and
    ``*_before`` the value just before the event (``None`` before the first status).
    ``recurrence`` marks a move back into the recurrence status; ``future`` an event after
    "now" (never when ``now`` is ``None``).
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


def timeline_rows(incident: Incident, now: datetime | None) -> list[TimelineRow]:
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
            future=now is not None and event.at > now,
        )
        rows.append(row)
        status = event.status if event.status is not None else status
        severity = event.severity if event.severity is not None else severity
        lead = event.lead if event.lead is not None else lead
    return rows


@dataclass
class Span:
    """A stretch of time in one status (UTC); ``ongoing`` for an open incident's current one,
    which ends at "now" (at its start when "now" is the reader's)."""

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


def status_spans(incident: Incident, now: datetime | None) -> StatusSpans:
    """How long the incident spent in each status; an open one's current status runs to now
    (``None``: it counts nothing yet, and ``totals`` hold the finished stays only)."""
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
