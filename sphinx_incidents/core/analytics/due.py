"""What the support runner has to do today: the daily check behind ``sphinx-incidents due``.

Nothing here re-implements a rule: stale incidents, retrospectives due and events in the
future are the diagnostics the rules produced (INC044, INC043, INC025) for this "now", so a
rule the policy turns off never shows up, and ``due`` agrees with ``check`` to the word.  What
no rule covers (open incidents, Sev 1-2 stabilization follow-ups still open, who leads next)
comes from the same loaded incidents and :func:`lead_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sphinx_incidents.core.analytics.basics import utc
from sphinx_incidents.core.analytics.leads import lead_report
from sphinx_incidents.core.check import CheckResult
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.model import FollowUp, Incident, Runner
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.yamlnodes import MappingNode, SequenceNode

STALE, RETRO_DUE, FUTURE = "INC044", "INC043", "INC025"


@dataclass
class OpenIncident:
    """An incident that is not closed: ``age`` since detection, ``quiet`` since its last event."""

    id: str
    title: str
    severity: int
    status: str | None
    lead: str | None
    detected: datetime
    age: timedelta
    last_event: datetime
    quiet: timedelta


@dataclass
class Finding:
    """One rule's diagnostic about one record, with the incident it belongs to (if readable)."""

    code: str
    incident_id: str
    title: str
    path: str
    line: int
    message: str
    hint: str | None


@dataclass
class OpenFollowUp:
    """A stabilization follow-up of a severe incident that is not done (``number`` counts
    the record's follow-ups from 1, as ``sphinx-incidents follow-up ID N`` does)."""

    incident_id: str
    severity: int
    number: int
    title: str
    url: str
    priority: str | None


@dataclass
class DueReport:
    """The daily check.  ``due`` counts what needs someone today: stale incidents,
    retrospectives due, open severe stabilization follow-ups, events in the future and
    records with errors (open incidents alone are not "due")."""

    now: datetime
    open: list[OpenIncident] = field(default_factory=list)
    stale: list[Finding] = field(default_factory=list)
    retros_due: list[Finding] = field(default_factory=list)
    follow_ups: list[OpenFollowUp] = field(default_factory=list)
    future: list[Finding] = field(default_factory=list)
    error_files: list[str] = field(default_factory=list)
    runners: list[Runner] = field(default_factory=list)  # this week and the next
    next_lead: str | None = None
    next_reason: str = ""

    @property
    def due(self) -> int:
        return (
            len(self.stale)
            + len(self.retros_due)
            + len(self.follow_ups)
            + len(self.future)
            + len(self.error_files)
        )


def _number(incident: Incident, follow_up: FollowUp) -> int:
    """The follow-up's position (from 1) in the record's ``follow_ups`` list."""
    source = incident.source
    node = source.node.value("follow_ups") if source is not None else None
    if isinstance(node, SequenceNode) and follow_up.source is not None:
        for index, item in enumerate(node.items, start=1):
            if isinstance(item, MappingNode) and item is follow_up.source.node:
                return index
    return incident.follow_ups.index(follow_up) + 1  # pragma: no cover - always found


def open_stabilization_follow_ups(incident: Incident, policy: Policy) -> list[OpenFollowUp]:
    """Stabilization follow-ups not done, for incidents as severe as INC040 cares about."""
    rules = policy.rules
    if incident.worst_severity not in rules.critical_followup_severities:
        return []
    return [
        OpenFollowUp(
            incident.id,
            incident.current_severity,
            _number(incident, follow_up),
            follow_up.title,
            follow_up.url,
            follow_up.priority,
        )
        for follow_up in incident.follow_ups
        if follow_up.purpose == rules.stabilization_purpose and not follow_up.done
    ]


def _finding(diagnostic: Diagnostic, by_path: dict[str, Incident]) -> Finding:
    incident = by_path.get(diagnostic.path)
    return Finding(
        diagnostic.code,
        incident.id if incident else diagnostic.path,
        incident.title if incident else "",
        diagnostic.path,
        diagnostic.line,
        diagnostic.message,
        diagnostic.hint,
    )


def due_report(result: CheckResult, policy: Policy, now: datetime) -> DueReport:
    """The daily check of the records ``result`` holds (checked with the same ``now``)."""
    now = utc(now)
    report = DueReport(now)
    by_path = {incident.path: incident for incident in result.incidents}
    for diagnostic in result.diagnostics:
        if diagnostic.code == STALE:
            report.stale.append(_finding(diagnostic, by_path))
        elif diagnostic.code == RETRO_DUE:
            report.retros_due.append(_finding(diagnostic, by_path))
        elif diagnostic.code == FUTURE:
            report.future.append(_finding(diagnostic, by_path))
    report.error_files = sorted({d.path for d in result.diagnostics if d.level is Level.ERROR})
    for incident in sorted(result.incidents, key=lambda i: (utc(i.detected), i.id)):
        if incident.is_open:
            report.open.append(
                OpenIncident(
                    incident.id,
                    incident.title,
                    incident.current_severity,
                    incident.current_status,
                    incident.current_lead,
                    utc(incident.detected),
                    now - incident.detected,
                    utc(incident.last_event_at),
                    now - incident.last_event_at,
                )
            )
        report.follow_ups += open_stabilization_follow_ups(incident, policy)
    roster = result.roster
    if roster is not None:
        report.runners = roster.schedule(now, 2)
    leads = lead_report(result.incidents, roster, now, policy=policy)
    report.next_lead, report.next_reason = leads.next_lead, leads.next_reason
    return report
