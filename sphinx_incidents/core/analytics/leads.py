"""Who has led incidents, and who should lead next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sphinx_incidents.core.analytics.basics import (
    in_window,
    severity_levels_of,
    utc,
    utc_day,
)
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy

# --- leads ------------------------------------------------------------------------------------

_NEVER = datetime.min.replace(tzinfo=UTC)


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
      ``last_led`` to "now"; ``None`` when ``last_led`` is ``None`` or "now" is the reader's
      (``now=None``).
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
    - ``runner``: the rotation runner of the week containing "now", if the roster names one
      (``None`` when "now" is the reader's: see :meth:`next_lead_if` and ``runners``).
    - ``latest_incident``: id of the window's most recently detected incident;
      ``latest_leads``: everyone who led it.
    - ``runners``: every handle the roster's rotation names, alphabetical: the possible
      values of ``runner``, whatever the week.
    - ``now``: the instant the report is "as of"; ``None`` for the reader's (a page that must
      not change with the build's clock): ``days_since`` and ``runner`` are then ``None``
      and ``next_lead`` is what :meth:`next_lead_if` gives without a runner.
    """

    rows: list[LeadRow]
    now: datetime | None
    since: date | None
    incident_count: int
    severity_levels: tuple[int, ...]
    next_lead: str | None
    next_reason: str
    fairness: float
    busiest: tuple[str, ...]
    runner: str | None
    latest_incident: str | None
    latest_leads: tuple[str, ...] = ()
    runners: tuple[str, ...] = ()
    roster_handles: frozenset[str] = frozenset()

    def row(self, handle: str) -> LeadRow | None:
        for row in self.rows:
            if row.handle == handle:
                return row
        return None

    def next_lead_if(self, runner: str | None) -> tuple[str | None, str]:
        """``(next_lead, next_reason)`` if ``runner`` ran the rotation this week: what a page
        computes in the reader's browser for the reader's week (see :func:`lead_report`)."""
        return _next_lead(self, runner)


def _took_over(incident: Incident) -> dict[str, datetime]:
    """Per lead of ``incident``: the latest moment they became its lead."""
    moments: dict[str, datetime] = {}
    for since, handle in incident.lead_changes:
        moments[handle] = max(moments.get(handle, since), since)
    return moments


def lead_report(
    incidents: Iterable[Incident],
    roster: Roster | None,
    now: datetime | None,
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
    window = [i for i in everything if in_window(i, since)]
    now = utc(now) if now is not None else None
    levels = severity_levels_of(window or everything, policy)
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
        if row.last_led is not None and now is not None:
            row.days_since = max(0, (now - row.last_led) // timedelta(days=1))

    ordered = sorted(
        rows.values(),
        key=lambda r: (r.last_led is not None, r.last_led or _NEVER, r.handle),
    )

    latest = max(window, key=lambda i: (utc(i.detected), i.id)) if window else None
    top = max((r.led_total for r in ordered), default=0)
    busiest = tuple(sorted(r.handle for r in ordered if top and r.led_total == top))
    fairness = top / len(window) if window else 0.0
    report = LeadReport(
        rows=ordered,
        now=now,
        since=since,
        incident_count=len(window),
        severity_levels=levels,
        next_lead=None,
        next_reason="",
        fairness=fairness,
        busiest=busiest,
        runner=roster.runner_for(now) if roster is not None and now is not None else None,
        latest_incident=latest.id if latest else None,
        latest_leads=tuple(latest.leads) if latest else (),
        runners=roster.runners if roster is not None else (),
        roster_handles=frozenset(roster_handles),
    )
    report.next_lead, report.next_reason = _next_lead(report, report.runner)
    return report


def _next_lead(report: LeadReport, runner: str | None) -> tuple[str | None, str]:
    now = report.now
    if runner is not None and runner not in report.latest_leads:
        if now is None:
            return runner, "support rotation runner for this week"
        week = utc_day(now) - timedelta(days=utc_day(now).weekday())
        return runner, f"support rotation runner for the week of {week.isoformat()}"
    if runner is not None:
        why = f"the rotation runner {runner} led the latest incident ({report.latest_incident}); "
    else:
        why = "no rotation runner this week; "
    roster_handles = report.roster_handles
    candidates = [r for r in report.rows if not roster_handles or r.handle in roster_handles]
    if runner is not None and len(candidates) > 1:
        candidates = [r for r in candidates if r.handle != runner]
    if not candidates:
        return None, why + "nobody to choose from (no roster and no incident leads)"
    first = candidates[0]
    if first.last_led is None:
        return first.handle, why + "has not led an incident in the window"
    last = f"last on {first.last_led.date().isoformat()}"
    if first.days_since is not None:
        last += f", {first.days_since} days ago"
    return first.handle, why + f"led least recently ({last})"
