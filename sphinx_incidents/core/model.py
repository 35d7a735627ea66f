"""Typed incident records and the facts derived from them.

Objects keep the :class:`~sphinx_incidents.core.fieldtypes.Fields` they were read from
(``source``) so that rules can point at the exact line and column of any field.  Derived
facts (status history, current status, recurrences, durations) are computed here once and
used by the validator, the analytics, the CLI and the Sphinx pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx_incidents.core.fieldtypes import Fields
    from sphinx_incidents.core.policy import Policy


PUBLIC = "public"
PRIVATE = "private"
VISIBILITIES = (PUBLIC, PRIVATE)
"""A record's ``visibility``: private records stay out of a site's normal build."""


@dataclass
class Person:
    handle: str
    name: str
    email: str | None = None  # matched with `git config user.email`: who is logging
    url: str | None = None  # a profile page (GitHub, say) that pages link the person to


@dataclass
class RotationWeek:
    week: date
    runner: str
    note: str | None = None  # why an override swaps the week


@dataclass
class RotationCycle:
    """Runners taking turns week by week: ``order[0]`` the week of ``start``, and so on."""

    start: date  # a Monday
    order: list[str]

    def runner_for(self, monday: date) -> str | None:
        if not self.order or monday < self.start:
            return None
        weeks = (monday - self.start).days // 7
        return self.order[weeks % len(self.order)]


@dataclass
class Runner:
    """Who runs support in the week starting ``week``, and which part of the roster says so."""

    week: date
    runner: str | None
    source: str  # "override", "week", "cycle" or "none"
    note: str | None = None


@dataclass
class Roster:
    """The roster: people, and the weekly support rotation.

    The rotation is any mix of explicit ``weeks`` (a list of week/runner), a repeating
    ``cycle`` and ``overrides`` (swapped weeks).  For a given week an override wins, then an
    explicit week, then the cycle.
    """

    path: str
    people: list[Person] = field(default_factory=list)
    rotation: list[RotationWeek] = field(default_factory=list)
    cycle: RotationCycle | None = None
    overrides: list[RotationWeek] = field(default_factory=list)

    @cached_property
    def handles(self) -> dict[str, Person]:
        return {p.handle: p for p in self.people}

    @cached_property
    def _runners(self) -> dict[date, str]:
        return {w.week: w.runner for w in self.rotation}

    @cached_property
    def _overrides(self) -> dict[date, RotationWeek]:
        return {w.week: w for w in self.overrides}

    @property
    def weekly_runners(self) -> dict[date, str]:
        """The rotation's listed weeks: each Monday (UTC) -> its runner, overrides winning
        over explicit weeks.  Weeks the :attr:`cycle` names are not listed (it repeats
        forever): :meth:`runner_for` knows them, and pages get the cycle too."""
        listed = dict(self._runners)
        listed.update({week: override.runner for week, override in self._overrides.items()})
        return listed

    @cached_property
    def runners(self) -> tuple[str, ...]:
        """Everyone the rotation names (weeks, overrides, the cycle), alphabetical, once."""
        names = set(self.weekly_runners.values())
        if self.cycle is not None:
            names.update(self.cycle.order)
        return tuple(sorted(names))

    def runner_for(self, moment: datetime | date) -> str | None:
        """The rotation runner of the week (Monday to Sunday, UTC) containing ``moment``."""
        return self.week_runner(moment).runner

    def week_runner(self, moment: datetime | date) -> Runner:
        """The runner of the week containing ``moment``, with where it comes from."""
        monday = monday_of(moment)
        if monday in self._overrides:
            override = self._overrides[monday]
            return Runner(monday, override.runner, "override", override.note)
        if monday in self._runners:
            return Runner(monday, self._runners[monday], "week")
        runner = self.cycle.runner_for(monday) if self.cycle is not None else None
        return Runner(monday, runner, "cycle" if runner else "none")

    def schedule(self, moment: datetime | date, weeks: int) -> list[Runner]:
        """The runners of ``weeks`` weeks, starting with the week containing ``moment``."""
        monday = monday_of(moment)
        return [self.week_runner(monday + timedelta(weeks=n)) for n in range(weeks)]

    def display_name(self, handle: str) -> str:
        person = self.handles.get(handle)
        return person.name if person else handle

    def url_of(self, handle: str) -> str | None:
        person = self.handles.get(handle)
        return person.url if person else None

    def by_email(self, email: str) -> Person | None:
        """The person whose ``email`` is ``email`` (case-insensitive), if exactly one."""
        wanted = email.strip().casefold()
        found = [p for p in self.people if p.email and p.email.casefold() == wanted]
        return found[0] if len(found) == 1 else None


def monday_of(moment: datetime | date) -> date:
    """The Monday (UTC) of the week containing ``moment``."""
    day = _utc_date(moment)
    return day - timedelta(days=day.weekday())


def _utc_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).date()
    return moment


@dataclass
class Link:
    title: str
    url: str


@dataclass
class FollowUp:
    title: str
    url: str
    purpose: str
    priority: str | None
    done: bool
    source: Fields | None = None


@dataclass
class Retrospective:
    date: date
    host: str
    root_cause: str | None = None
    five_whys: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    notes_url: str | None = None
    source: Fields | None = None


@dataclass
class TimelineEvent:
    at: datetime
    status: str | None = None
    severity: int | None = None
    lead: str | None = None
    note: str | None = None
    by: str | None = None
    source: Fields | None = None


@dataclass
class StatusChange:
    at: datetime
    before: str | None
    after: str
    recurrence: bool


@dataclass
class Incident:
    """One incident record, with what the policy lets us derive from its timeline."""

    id: str
    path: str
    title: str
    severity: int
    category: str
    services: list[str]
    detected: datetime
    detected_via: str
    recorded_by: str
    lead: str | None
    lead_from_rotation: bool
    summary: str
    impact: str | None
    timeline: list[TimelineEvent]
    follow_ups: list[FollowUp]
    retrospective: Retrospective | None
    links: list[Link]
    policy: Policy
    source: Fields | None = None
    related: list[str] = field(default_factory=list)  # ids of incidents this one names
    complete_timeline: bool = True  # False when an event could not be read in full
    visibility: str = PUBLIC  # the record's own, else its category's default in the policy

    @property
    def is_private(self) -> bool:
        return self.visibility == PRIVATE

    # --- status ---------------------------------------------------------------------------

    @cached_property
    def status_changes(self) -> list[StatusChange]:
        """Every event that set a status, with what it moved from (repeats included)."""
        changes: list[StatusChange] = []
        current: str | None = None
        for event in self.timeline:
            if event.status is None:
                continue
            recurrence = current is not None and self.policy.is_recurrence(current, event.status)
            changes.append(StatusChange(event.at, current, event.status, recurrence))
            current = event.status
        return changes

    @cached_property
    def reopenings(self) -> list[tuple[TimelineEvent, datetime]]:
        """Events that moved the incident from a closed status back to the recurrence
        status, each with the time it had been closed since (its last resolution)."""
        found: list[tuple[TimelineEvent, datetime]] = []
        current: str | None = None
        closed_since: datetime | None = None
        policy = self.policy
        for event in self.timeline:
            if event.status is None:
                continue
            if policy.is_closed(event.status):
                if closed_since is None:
                    closed_since = event.at
            else:
                if (
                    closed_since is not None
                    and current is not None
                    and policy.is_recurrence(current, event.status)
                ):
                    found.append((event, closed_since))
                closed_since = None
            current = event.status
        return found

    @property
    def current_status(self) -> str | None:
        return self.status_changes[-1].after if self.status_changes else None

    @property
    def is_open(self) -> bool:
        return not self.policy.is_closed(self.current_status)

    @property
    def recurrences(self) -> int:
        return sum(1 for change in self.status_changes if change.recurrence)

    @cached_property
    def stabilized_at(self) -> datetime | None:
        """First time the incident reached the policy's "stabilized" milestone."""
        for change in self.status_changes:
            if change.after == self.policy.stabilized_status:
                return change.at
        return None

    @cached_property
    def resolved_at(self) -> datetime | None:
        """Last time it reached "resolved", only while it is still closed."""
        if self.is_open:
            return None
        for change in reversed(self.status_changes):
            if change.after == self.policy.resolved_status:
                return change.at
        return None

    @property
    def time_to_stabilize(self) -> timedelta | None:
        return self.stabilized_at - self.detected if self.stabilized_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.detected if self.resolved_at else None

    @property
    def last_event_at(self) -> datetime:
        return self.timeline[-1].at if self.timeline else self.detected

    # --- severity and lead ----------------------------------------------------------------

    @property
    def current_severity(self) -> int:
        level = self.severity
        for event in self.timeline:
            if event.severity is not None:
                level = event.severity
        return level

    @property
    def severities(self) -> list[int]:
        """Every severity the incident had, in order (reclassifications included)."""
        levels = [self.severity]
        levels += [e.severity for e in self.timeline if e.severity is not None]
        return levels

    @property
    def worst_severity(self) -> int:
        """The most severe level it ever had (the lowest number)."""
        return min(self.severities)

    @cached_property
    def lead_changes(self) -> list[tuple[datetime, str]]:
        """(since, lead) pairs: the initial lead from ``detected`` on, then each handover."""
        changes: list[tuple[datetime, str]] = []
        if self.lead:
            changes.append((self.detected, self.lead))
        for event in self.timeline:
            if event.lead is not None and (not changes or changes[-1][1] != event.lead):
                changes.append((event.at, event.lead))
        return changes

    @property
    def current_lead(self) -> str | None:
        return self.lead_changes[-1][1] if self.lead_changes else None

    @property
    def leads(self) -> list[str]:
        """Everyone who led the incident, in order, without repeats."""
        seen: list[str] = []
        for _, handle in self.lead_changes:
            if handle not in seen:
                seen.append(handle)
        return seen

    def lead_at(self, moment: datetime) -> str | None:
        lead = None
        for since, handle in self.lead_changes:
            if since <= moment:
                lead = handle
        return lead

    @property
    def resolving_lead(self) -> str | None:
        """The lead when the incident was (last) resolved: the one who hosts the review."""
        return self.lead_at(self.resolved_at) if self.resolved_at else None

    def time_in_status(self, now: datetime | None) -> list[tuple[str, datetime, datetime]]:
        """Spans (status, start, end); an open incident's last span ends at ``now``, or where
        it starts when ``now`` is ``None`` (the reader's clock: see ``analytics.timeline``)."""
        spans = []
        changes = self.status_changes
        for index, change in enumerate(changes):
            if index + 1 < len(changes):
                end = changes[index + 1].at
            elif self.is_open and now is not None:
                end = max(now, change.at)
            else:
                end = change.at
            spans.append((change.after, change.at, end))
        return spans
