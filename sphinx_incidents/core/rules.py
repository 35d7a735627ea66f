"""Policy rules on a loaded incident (INC022 and up).

Structural problems (INC001-INC005, INC020, INC021) are found while reading; the rules here
look at what the record *means*: its status path, its people, its follow-ups.  Each rule is a
small function registered with :func:`rule`; adding one is adding a function (see
docs/contributing.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, overload
from urllib.parse import unquote, urlsplit

from sphinx_incidents.core.codes import level_of
from sphinx_incidents.core.fieldtypes import Context, Fields, did_you_mean
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.yamlnodes import Node, ScalarNode, SequenceNode


@dataclass
class RuleEnv:
    policy: Policy
    roster: Roster | None
    now: datetime
    ctx: Context

    def report(
        self, where: tuple[int, int], code: str, message: str, hint: str | None = None
    ) -> None:
        """Report at the code's default level; the policy's levels are applied by the
        caller (:meth:`~sphinx_incidents.core.policymodel.Policy.apply_levels`)."""
        self.ctx.report(where, code, message, hint, level_of(code))


Rule = Callable[[Incident, RuleEnv], None]
RULES: list[Rule] = []
CODES_OF: dict[Rule, tuple[str, ...]] = {}
"""The codes each rule reports: a rule whose every code the policy turned off is skipped."""


@overload
def rule(function: Rule, /) -> Rule: ...


@overload
def rule(*codes: str) -> Callable[[Rule], Rule]: ...


def rule(*codes: Any) -> Any:
    """Register a rule: ``@rule("INC041")`` names the codes it reports, so that it is not
    run when the policy turned them all off; a bare ``@rule`` always runs (its diagnostics
    are still filtered by the policy's levels)."""
    if len(codes) == 1 and callable(codes[0]):
        function = codes[0]
        RULES.append(function)
        CODES_OF[function] = ()
        return function
    names = tuple(str(code) for code in codes)

    def register(function: Rule) -> Rule:
        RULES.append(function)
        CODES_OF[function] = names
        return function

    return register


def run_rules(incident: Incident, env: RuleEnv) -> None:
    policy = env.policy
    for function in RULES:
        codes = CODES_OF[function]
        if codes and policy.levels and not any(policy.is_on(code) for code in codes):
            continue
        function(incident, env)


def _pos(fields: Fields | None, name: str) -> tuple[int, int]:
    return fields.pos(name) if fields is not None else (1, 1)


def _allowed_next(policy: Policy, status: str) -> str:
    following = policy.next_statuses(status)
    return (
        ("allowed after " + status + ": " + ", ".join(following))
        if following
        else (f"the policy allows no move out of {status}")
    )


@rule("INC022")
def first_status(incident: Incident, env: RuleEnv) -> None:
    """INC022: the first event sets an allowed first status."""
    if not incident.complete_timeline:
        return
    first = incident.timeline[0]
    allowed = ", ".join(env.policy.first_statuses)
    if first.status is None:
        env.report(
            _pos(first.source, "status"),
            "INC022",
            "the first timeline event has no status",
            f"start with status: {env.policy.first_statuses[0]} (allowed first: {allowed})",
        )
    elif first.status not in env.policy.first_statuses:
        env.report(
            _pos(first.source, "status"),
            "INC022",
            f"an incident cannot start as '{first.status}'",
            f"allowed first: {allowed}",
        )


@rule("INC023")
def transitions(incident: Incident, env: RuleEnv) -> None:
    """INC023: every status change follows an edge of the policy graph."""
    if not incident.complete_timeline:
        return
    current: str | None = None
    for event in incident.timeline:
        if event.status is None:
            continue
        if current is not None and not env.policy.allows(current, event.status):
            env.report(
                _pos(event.source, "status"),
                "INC023",
                f"transition {current} -> {event.status} is not in the policy graph",
                _allowed_next(env.policy, current),
            )
        current = event.status


@rule("INC024")
def chronology(incident: Incident, env: RuleEnv) -> None:
    """INC024: events in order, none before ``detected``."""
    if not incident.complete_timeline:
        return
    previous = None
    for event in incident.timeline:
        if event.at < incident.detected:
            env.report(
                _pos(event.source, "at"),
                "INC024",
                f"event at {event.at.isoformat()} is before detected "
                f"({incident.detected.isoformat()})",
                "fix the time, or move `detected` earlier",
            )
        elif previous is not None and event.at < previous:
            env.report(
                _pos(event.source, "at"),
                "INC024",
                f"event at {event.at.isoformat()} is earlier than the event before it "
                f"({previous.isoformat()})",
                "keep events oldest first",
            )
        previous = event.at if previous is None else max(previous, event.at)


@rule("INC025")
def future(incident: Incident, env: RuleEnv) -> None:
    """INC025: nothing is in the future (clock typos, wrong offsets)."""
    if incident.detected > env.now:
        env.report(
            _pos(incident.source, "detected"),
            "INC025",
            f"detected {incident.detected.isoformat()} is in the future "
            f"(now is {_moment(env.now)})",
            "check the date and the UTC offset",
        )
    for event in incident.timeline:
        if event.at > env.now:
            env.report(
                _pos(event.source, "at"),
                "INC025",
                f"event at {event.at.isoformat()} is in the future (now is {_moment(env.now)})",
                "check the date and the UTC offset",
            )


@rule("INC026")
def recurrence_window(incident: Incident, env: RuleEnv) -> None:
    """INC026: a recurrence long after resolution is a new incident, not this one."""
    window = env.policy.rules.recurrence_window
    if window is None or not incident.complete_timeline:
        return
    for event, closed_since in incident.reopenings:
        if event.at - closed_since <= window:
            continue
        hours = env.policy.rules.recurrence_window_hours
        env.report(
            _pos(event.source, "status"),
            "INC026",
            f"back to {event.status} {_hours(event.at - closed_since)} after the "
            f"incident was resolved; the policy's recurrence window is {hours} hours",
            f"record a new incident instead: sphinx-incidents new ... --related {incident.id}",
        )


def _moment(now: datetime) -> str:
    """ "now" in a message, to the second: the clock's microseconds only read as noise."""
    return now.replace(microsecond=0).isoformat()


def _hours(age: timedelta) -> str:
    """``49.0 hours`` near a window of hours; ``467.6 days`` past a week."""
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 7 * 24 else f"{hours / 24:.1f} days"


@rule("INC027")
def required_fields(incident: Incident, env: RuleEnv) -> None:
    """INC027: a status that requires a field (Reviewed: a retrospective) is entered with it."""
    source = incident.source
    if source is None:
        return
    present = source.node.pairs
    for event in incident.timeline:
        if event.status is None:
            continue
        for name in env.policy.requires(event.status):
            pair = present.get(name)
            if pair is not None and not _is_empty_list(pair[1]):
                continue
            env.report(
                _pos(event.source, "status"),
                "INC027",
                f"{event.status} requires `{name}`, and the record has none",
                _REQUIRED_HINTS.get(name, f"add `{name}:` to the record"),
            )


_REQUIRED_HINTS = {
    "retrospective": "hold the Review step and add `retrospective:` with its date and host",
    "follow_ups": "add the tickets under `follow_ups:`",
    "impact": "say who was affected and how under `impact:`",
    "links": "add the discussion threads under `links:`",
    "related": "name the related incidents under `related:`",
}


@rule("INC030")
def has_lead(incident: Incident, env: RuleEnv) -> None:
    """INC030: a lead is named, or the rotation names one."""
    if incident.lead is not None:
        return
    if incident.source is not None and "lead" in incident.source.node.pairs:
        return  # `lead:` is there but unreadable (`lead: no`): INC004 said so, once is enough
    day = incident.detected.date()
    monday = day - timedelta(days=day.weekday())
    if env.roster is None:
        hint = "add `lead:`, or a roster with a rotation (incident_records/_roster.yaml)"
    else:
        hint = f"add `lead:`, or a rotation week {monday} in {env.roster.path}"
    where = incident.source.key_pos("lead") if incident.source else (1, 1)
    env.report(where, "INC030", f"no lead, and no rotation runner for the week of {monday}", hint)


@rule("INC040")
def critical_stabilization(incident: Incident, env: RuleEnv) -> None:
    """INC040: severe incidents' stabilization tickets are critical."""
    settings = env.policy.rules
    if incident.worst_severity not in settings.critical_followup_severities:
        return
    for follow_up in incident.follow_ups:
        if follow_up.purpose == settings.stabilization_purpose and (
            follow_up.priority != settings.critical_followup_priority
        ):
            shown = follow_up.priority or "no priority"
            env.report(
                _pos(follow_up.source, "priority"),
                "INC040",
                f"severity {incident.worst_severity} incident has a "
                f"{settings.stabilization_purpose} follow-up with {shown}",
                f"set priority: {settings.critical_followup_priority}",
            )


def _resolving_event_pos(incident: Incident) -> tuple[int, int]:
    for event in reversed(incident.timeline):
        if event.status == incident.policy.resolved_status:
            return _pos(event.source, "status")
    return _pos(incident.source, "timeline")


@rule("INC041")
def prevention_identified(incident: Incident, env: RuleEnv) -> None:
    """INC041: a resolved incident names at least one long-term fix or mitigation."""
    if incident.is_open or incident.current_status is None:
        return
    purpose = env.policy.rules.prevention_purpose
    if any(f.purpose == purpose for f in incident.follow_ups):
        return
    where = (
        incident.source.key_pos("follow_ups")
        if (incident.source and "follow_ups" in incident.source.node.pairs)
        else _resolving_event_pos(incident)
    )
    env.report(
        where,
        "INC041",
        f"resolved without any '{purpose}' follow-up",
        f"file the long-term fix or mitigation and add it with purpose: {purpose}",
    )


_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")  # RFC 2606
_PLACEHOLDER_TLDS = (".example", ".invalid")
_PLACEHOLDER_SEGMENT = re.compile(
    r"(?:OWNER|REPO|REPOSITORY|ORG|USER|N+|X+|ID|NUMBER|TODO|TBD|\.\.\.|<[^>]*>|\{[^}]*\})"
)


def placeholder(url: str) -> str | None:
    """Why ``url`` is obviously not a real address (a template's placeholder), or ``None``."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None  # not a URL at all: INC004's business
    if host in _PLACEHOLDER_DOMAINS or host.endswith(
        tuple("." + d for d in _PLACEHOLDER_DOMAINS) + _PLACEHOLDER_TLDS
    ):
        return f"{host} is a domain reserved for examples"
    for segment in parts.path.split("/"):
        text = unquote(segment)
        if _PLACEHOLDER_SEGMENT.fullmatch(text):
            return f"'{text}' is a placeholder"
    return None


@rule("INC045")
def real_follow_up_urls(incident: Incident, env: RuleEnv) -> None:
    """INC045: follow-ups point at real tickets, not a template's ``OWNER/REPO/issues/N``."""
    for follow_up in incident.follow_ups:
        reason = placeholder(follow_up.url) if follow_up.url else None
        if reason is not None:
            env.report(
                _pos(follow_up.source, "url"),
                "INC045",
                f"follow-up URL {follow_up.url} is not a real ticket: {reason}",
                "file the ticket and use its address",
            )


SUMMARY_PLACEHOLDER = "TODO: what happened, for users (Markdown)."
"""What ``sphinx-incidents new`` writes without ``--summary``; INC046 until replaced."""


@rule("INC046")
def summary_written(incident: Incident, env: RuleEnv) -> None:
    """INC046: a closed incident's summary is not the template's placeholder, which its
    public page would show for good.  Not while it is open: recording fast comes first, and
    every ``log`` would repeat the warning."""
    if not incident.is_open and incident.summary.lstrip().upper().startswith("TODO"):
        env.report(
            _pos(incident.source, "summary"),
            "INC046",
            "the incident is closed and its summary is still a placeholder, which its page "
            "shows to readers",
            "write what happened for users, in a sentence or two",
        )


@rule("INC042")
def retro_host(incident: Incident, env: RuleEnv) -> None:
    """INC042: the lead at resolution hosts the retrospective."""
    retro = incident.retrospective
    lead = incident.resolving_lead
    if retro is None or lead is None or retro.host == lead:
        return
    env.report(
        _pos(retro.source, "host"),
        "INC042",
        f"retrospective hosted by '{retro.host}', but '{lead}' was the lead when the "
        f"incident was resolved",
        f"host: {lead}, or record the handover with a `lead:` event",
    )


@rule("INC043")
def retro_due(incident: Incident, env: RuleEnv) -> None:
    """INC043 (warning): a retrospective is due some days after resolution."""
    days = env.policy.rules.retro_due_days
    if days is None or incident.resolved_at is None or incident.retrospective is not None:
        return
    if env.now - incident.resolved_at > timedelta(days=days):
        env.report(
            _resolving_event_pos(incident),
            "INC043",
            f"resolved {_days(env.now - incident.resolved_at)} days ago and no retrospective "
            f"(due within {days} days)",
            "hold the Review step and add `retrospective:`",
        )


def _days(age: timedelta) -> str:
    """Days with one decimal, so "7.2 days old (more than 7)" never reads "7 ... more than 7"."""
    return f"{age.total_seconds() / 86400:.1f}"


@rule("INC044")
def stale(incident: Incident, env: RuleEnv) -> None:
    """INC044 (warning): an open incident gets an update at least every few days."""
    days = env.policy.rules.stale_days
    if days is None or not incident.is_open or not incident.timeline:
        return
    last = incident.timeline[-1]
    if env.now - last.at > timedelta(days=days):
        env.report(
            _pos(last.source, "at"),
            "INC044",
            f"open, and the last event is {_days(env.now - last.at)} days old (more than {days})",
            f"log progress: sphinx-incidents log {incident.id} --note '...'",
        )


def check_related(incident: Incident, known: Collection[str], ctx: Context) -> None:
    """INC012: every id in ``related`` is another incident of the records folder.

    A rule across records, so it runs once every file name is known (by ``check`` after
    reading the folder, by ``new`` and ``log`` with the folder's record names).
    """
    source = incident.source
    node = source.node.value("related") if source is not None else None
    if not isinstance(node, SequenceNode):
        return
    choices = sorted(i for i in known if i != incident.id)
    for item in node.items:
        if not isinstance(item, ScalarNode):
            continue  # not text: INC004 said so
        name = item.value
        if name == incident.id:
            ctx.at(
                item, "INC012", "an incident cannot be related to itself", level=level_of("INC012")
            )
        elif name not in known:
            ctx.at(
                item,
                "INC012",
                f"related incident '{name}' does not exist",
                did_you_mean(name, choices)
                if choices
                else "the records folder has no other record",
                level_of("INC012"),
            )


def _is_empty_list(node: Node) -> bool:
    return isinstance(node, SequenceNode) and not node.items


@rule("INC003")
def conditionally_required(incident: Incident, env: RuleEnv) -> None:
    """INC003 for fields whose need depends on others: services, an event's note."""
    source = incident.source
    if source is not None and incident.category == "technical" and not incident.services:
        if "services" not in source.node.pairs:
            env.report(
                source.pos("services"),
                "INC003",
                "required field 'services' is missing (technical incidents name them)",
                "allowed: " + ", ".join(env.policy.choices("services")),
            )
        elif _is_empty_list(source.node.pairs["services"][1]):
            # Not when items were given but unreadable: INC004/INC021 said so already.
            env.report(
                source.pos("services"),
                "INC003",
                "'services' is empty (technical incidents name them)",
            )
    for event in incident.timeline:
        if event.source is None:
            continue
        keys = event.source.node.pairs
        if not any(k in keys for k in ("status", "severity", "lead", "note")):
            env.report(
                event.source.pos("at"),
                "INC003",
                "required field 'note' is missing in timeline event (it sets no status, "
                "severity or lead)",
                "say what happened with note: ...",
            )
