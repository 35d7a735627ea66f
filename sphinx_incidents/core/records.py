"""Reading record and roster files into typed objects.

The field tables below are *the* definition of the record format: the loader converts with
them and :mod:`sphinx_incidents.core.schema` turns them into the JSON Schema.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sphinx_incidents.core.fieldtypes import (
    INVALID,
    Boolean,
    Choice,
    Context,
    Date,
    Email,
    Field,
    Fields,
    Handle,
    ListOf,
    ListOrMapping,
    OneOf,
    PersonHandle,
    Record,
    SeverityLevel,
    Text,
    Timestamp,
    Url,
    did_you_mean,
)
from sphinx_incidents.core.model import (
    VISIBILITIES,
    FollowUp,
    Incident,
    Link,
    Person,
    Retrospective,
    Roster,
    RotationCycle,
    RotationWeek,
    TimelineEvent,
)
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.safefiles import UnreadableFile, read_limited
from sphinx_incidents.core.yamlnodes import MAX_BYTES, MappingNode, SequenceNode, load_nodes

MAX_TIMELINE_EVENTS = 500
"""Events one record may have (INC015).  An incident updated every hour for three weeks has
about 500; each event is a table row, a chart bar and JSON on several pages, and a 1 MiB
record of 23,000 tiny events took 20 s and 663 MB to build before the limit."""
MAX_SHORT_LIST = 100
"""Services, follow-ups, links, five whys, improvements: a few each in practice."""
MAX_MARKDOWN_FIELD = 10_000
MAX_MARKDOWN_TOTAL = 50_000
"""Characters of Markdown one field, and one record in all (summary, impact, notes, root
cause), may hold (INC004, INC016).  Parsing Markdown is fast for prose but can cost 30 us a
character, and more than linear time, for runs of delimiters (``[[[``, ``**a**a``, and with
MyST's linkify on, URL-like runs): 450 KB of them took 17 s to build.  10,000 characters a
field keeps each parse near linear; 50,000 in all is a long postmortem (8,000 words), at
worst about 2 s of CPU."""

EVENT = Record(
    "timeline event",
    (
        Field("at", Timestamp(), True, "When it happened (ISO 8601 with a UTC offset)."),
        Field("status", Choice(source="statuses"), False, "The incident moved to this status."),
        Field(
            "severity", SeverityLevel(), False, "The incident was reclassified to this severity."
        ),
        Field("lead", PersonHandle(role="lead"), False, "The lead was handed over to this person."),
        Field(
            "note",
            Text(markdown=True, max_length=MAX_MARKDOWN_FIELD),
            False,
            "What happened; required when the event sets no status, severity or lead.",
        ),
        Field("by", PersonHandle(role="by"), False, "Who did it."),
    ),
)

FOLLOW_UP = Record(
    "follow-up",
    (
        Field("title", Text(), True, "What the ticket is about."),
        Field("url", Url(), True, "The ticket (http or https)."),
        Field(
            "purpose",
            Choice(source="follow_up_purposes"),
            True,
            "stabilization, prevention, investigation or process.",
        ),
        Field("priority", Choice(source="priorities"), False, "The ticket's priority label."),
        Field("done", Boolean(), False, "Whether the ticket is closed (default false)."),
    ),
)

RETROSPECTIVE = Record(
    "retrospective",
    (
        Field("date", Date(), True, "When it was held (YYYY-MM-DD)."),
        Field(
            "host",
            PersonHandle(role="retrospective host"),
            True,
            "Who hosted it: the lead when the incident was resolved.",
        ),
        Field(
            "root_cause",
            Text(markdown=True, max_length=MAX_MARKDOWN_FIELD),
            False,
            "The root cause, or that it is unknown.",
        ),
        Field("five_whys", ListOf(Text(), max_items=MAX_SHORT_LIST), False, "The 5-whys chain."),
        Field(
            "improvements",
            ListOf(Text(), max_items=MAX_SHORT_LIST),
            False,
            "Process improvements identified.",
        ),
        Field("notes_url", Url(), False, "The retrospective's notes."),
    ),
)

LINK = Record(
    "link",
    (
        Field("title", Text(), True, "What the link is."),
        Field("url", Url(), True, "Where it goes (http or https)."),
    ),
)

INCIDENT_FIELDS: tuple[Field, ...] = (
    Field("title", Text(max_length=120), True, "One line a reader understands (1-120 characters)."),
    Field("severity", SeverityLevel(), True, "Severity when recorded."),
    Field("category", Choice(source="categories"), False, "Default technical."),
    Field(
        "services",
        ListOf(Choice(source="services"), max_items=MAX_SHORT_LIST, noun="services"),
        False,
        "Affected services; required for technical incidents.",
    ),
    Field("detected", Timestamp(), True, "When the incident began or was noticed."),
    Field("detected_via", Choice(source="detection_channels"), True, "How it was detected."),
    Field("recorded_by", PersonHandle(role="recorded_by"), True, "Who recorded it."),
    Field(
        "lead",
        PersonHandle(role="lead"),
        False,
        "Lead at the time of recording; may be omitted when the rotation names a runner.",
    ),
    Field(
        "summary",
        Text(markdown=True, max_length=MAX_MARKDOWN_FIELD),
        True,
        "What happened, for users (Markdown).",
    ),
    Field(
        "impact",
        Text(markdown=True, max_length=MAX_MARKDOWN_FIELD),
        False,
        "Who was affected and how (Markdown).",
    ),
    Field(
        "timeline",
        ListOf(EVENT, 1, MAX_TIMELINE_EVENTS, "timeline events"),
        True,
        f"Events, oldest first; the first sets a status (at most {MAX_TIMELINE_EVENTS}).",
    ),
    Field(
        "follow_ups",
        ListOf(FOLLOW_UP, max_items=MAX_SHORT_LIST, noun="follow-ups"),
        False,
        "Tickets filed in the Stabilize, Resolve, Review steps.",
    ),
    Field("retrospective", RETROSPECTIVE, False, "The Review step."),
    Field(
        "links",
        ListOf(LINK, max_items=MAX_SHORT_LIST, noun="links"),
        False,
        "Discussion thread, chat thread, dashboards.",
    ),
    Field(
        "related",
        ListOf(Text(), max_items=MAX_SHORT_LIST, noun="related ids"),
        False,
        "Ids of related incidents, e.g. the earlier incident this one is a recurrence of; "
        "both pages link to each other.",
    ),
    Field(
        "visibility",
        OneOf(values=VISIBILITIES, description="public or private"),
        False,
        "private: left out of the site's normal build entirely (no page, row, feed entry "
        "or data); default: the category's visibility in the policy, else public.",
    ),
)
INCIDENT = Record("incident", INCIDENT_FIELDS)

PERSON = Record(
    "person",
    (
        Field("handle", Handle(), True, "The handle used in records."),
        Field("name", Text(), False, "Display name."),
        Field(
            "email",
            Email(),
            False,
            "Matched with `git config user.email`: who is logging when --by and "
            "SPHINX_INCIDENTS_USER are not given.",
        ),
        Field("url", Url(), False, "A profile page (GitHub, say); pages link the person to it."),
    ),
)
ROTATION_WEEK = Record(
    "rotation week",
    (
        Field("week", Date(), True, "The Monday the week starts on."),
        Field("runner", Handle(), True, "Who runs support that week."),
    ),
)
ROTATION_OVERRIDE = Record(
    "rotation override",
    (
        Field("week", Date(), True, "The Monday of the swapped week."),
        Field("runner", Handle(), True, "Who runs support that week instead."),
        Field("note", Text(), False, "Why (a swap, a holiday)."),
    ),
)
ROTATION_CYCLE = Record(
    "rotation",
    (
        Field("start", Date(), False, "The Monday of the cycle's first week (with `order`)."),
        Field(
            "order",
            ListOf(Handle(), 1),
            False,
            "Runners in turn, one week each, from `start` on, repeating (with `start`).",
        ),
        Field("weeks", ListOf(ROTATION_WEEK), False, "Explicit weeks; they win over the cycle."),
        Field(
            "overrides",
            ListOf(ROTATION_OVERRIDE),
            False,
            "Swapped weeks; they win over the cycle and explicit weeks.",
        ),
    ),
)
ROSTER = Record(
    "roster",
    (
        Field("people", ListOf(PERSON), True, "Everyone who may record or lead."),
        Field(
            "rotation",
            ListOrMapping(ListOf(ROTATION_WEEK), ROTATION_CYCLE),
            False,
            "The weekly support rotation: a list of weeks, or a cycle (start, order) with "
            "overrides and explicit weeks.",
        ),
    ),
)


def read_bytes(path: Path, ctx: Context) -> bytes | None:
    """The file's bytes, or None and INC001 when it is not a regular file of at most
    :data:`~sphinx_incidents.core.yamlnodes.MAX_BYTES` (checked before reading)."""
    try:
        return read_limited(path, MAX_BYTES)
    except UnreadableFile as exc:
        ctx.report((1, 1), "INC001", exc.reason, exc.hint)
        return None


def load_roster(path: Path, shown: str) -> tuple[Roster | None, Context]:
    """Read ``_roster.yaml``; a roster with errors is still used for what it does say."""
    ctx = Context(shown)
    data = read_bytes(path, ctx)
    if data is None:
        return None, ctx
    root, diagnostics = load_nodes(data, shown)
    ctx.diagnostics.extend(diagnostics)
    if root is None:
        return None, ctx
    fields = ROSTER.convert(root, ctx)
    if fields is INVALID:
        return None, ctx
    roster = Roster(shown)
    known = _people(fields.get("people", []), roster, ctx)
    rotation = fields.get("rotation")
    if isinstance(rotation, list):  # the list form: explicit weeks only
        roster.rotation = _weeks(rotation, known, ctx, "week")
    elif isinstance(rotation, Fields):
        roster.rotation = _weeks(rotation.get("weeks", []), known, ctx, "week")
        roster.overrides = _weeks(rotation.get("overrides", []), known, ctx, "override")
        roster.cycle = _cycle(rotation, known, ctx)
    return roster, ctx


def _people(items: list[Fields], roster: Roster, ctx: Context) -> set[str]:
    known: set[str] = set()
    emails: dict[str, str] = {}
    for person in items:
        handle = person.get("handle")
        if handle is None:
            continue
        if handle in known:
            ctx.report(person.pos("handle"), "INC004", f"handle '{handle}' is listed twice")
            continue
        known.add(handle)
        email = person.get("email")
        if email is not None:
            folded = email.casefold()
            if folded in emails:
                ctx.report(
                    person.pos("email"),
                    "INC004",
                    f"e-mail '{email}' is also {emails[folded]}'s",
                    "an e-mail names one person (it tells who is logging)",
                )
                email = None
            else:
                emails[folded] = handle
        roster.people.append(Person(handle, person.get("name") or handle, email, person.get("url")))
    return known


def _monday(week: Fields, name: str, ctx: Context) -> date | None:
    day: date | None = week.get(name)
    if day is None:
        return None
    if day.weekday() != 0:
        ctx.report(
            week.pos(name),
            "INC004",
            f"week {day} is not a Monday",
            f"a week starts on its Monday: {day.fromordinal(day.toordinal() - day.weekday())}",
        )
        return None
    return day


def _runner(handle: str, fields: Fields, name: str, known: set[str], ctx: Context) -> None:
    if handle not in known:
        ctx.report(
            fields.pos(name),
            "INC031",
            f"runner '{handle}' is not in the roster's people",
            did_you_mean(handle, sorted(known)),
        )


def _weeks(items: list[Fields], known: set[str], ctx: Context, what: str) -> list[RotationWeek]:
    result: list[RotationWeek] = []
    seen: dict[date, int] = {}
    for week in items:
        day, runner = _monday(week, "week", ctx), week.get("runner")
        if day is None or runner is None:
            continue
        if day in seen:
            ctx.report(
                week.pos("week"),
                "INC004",
                f"{what} {day} is listed twice (first at line {seen[day]})",
                "keep one runner per week",
            )
            continue
        seen[day] = week.pos("week")[0]
        _runner(runner, week, "runner", known, ctx)
        result.append(RotationWeek(day, runner, week.get("note")))
    return result


def _cycle(rotation: Fields, known: set[str], ctx: Context) -> RotationCycle | None:
    pairs = rotation.node.pairs
    if ("start" in pairs) != ("order" in pairs):
        missing, given = ("order", "start") if "start" in pairs else ("start", "order")
        ctx.report(
            rotation.key_pos(given),
            "INC003",
            f"rotation '{given}' needs '{missing}' too",
            "a cycle is a first Monday (start) and the runners in turn (order)",
        )
        return None
    start = _monday(rotation, "start", ctx)
    order: list[str] | None = rotation.get("order")
    if start is None or not order:
        return None
    node = pairs["order"][1]
    for index, handle in enumerate(order):
        if handle not in known:
            item = node.items[index] if isinstance(node, SequenceNode) else node
            ctx.at(
                item,
                "INC031",
                f"runner '{handle}' is not in the roster's people",
                did_you_mean(handle, sorted(known)),
            )
    return RotationCycle(start, list(order))


def build_incident(
    incident_id: str,
    shown: str,
    fields: Fields,
    policy: Policy,
    roster: Roster | None,
    complete_timeline: bool,
) -> Incident | None:
    """Typed incident from converted fields; None when the essentials are unusable."""
    values: dict[str, Any] = fields.values
    if "severity" not in values or "detected" not in values or not values.get("timeline"):
        return None
    lead = values.get("lead")
    from_rotation = False
    if lead is None and roster is not None:
        lead = roster.runner_for(values["detected"])
        from_rotation = lead is not None
    events = [
        TimelineEvent(
            e.get("at"),
            e.get("status"),
            e.get("severity"),
            e.get("lead"),
            e.get("note"),
            e.get("by"),
            e,
        )
        for e in values["timeline"]
        # An event whose `at` is missing or unreadable (already reported) has no place in
        # time: keep it out, so that rules and pages only ever compare real datetimes.
        if e.get("at") is not None
    ]
    if not events:
        return None
    follow_ups = [
        FollowUp(
            f.get("title"),
            f.get("url"),
            f.get("purpose"),
            f.get("priority"),
            bool(f.get("done", False)),
            f,
        )
        for f in values.get("follow_ups", [])
        if f.get("purpose") is not None
    ]
    retro_fields = values.get("retrospective")
    retrospective = None
    if retro_fields is not None and retro_fields.get("date") and retro_fields.get("host"):
        retrospective = Retrospective(
            retro_fields.get("date"),
            retro_fields.get("host"),
            retro_fields.get("root_cause"),
            retro_fields.get("five_whys", []),
            retro_fields.get("improvements", []),
            retro_fields.get("notes_url"),
            retro_fields,
        )
    links = [
        Link(link.get("title"), link.get("url"))
        for link in values.get("links", [])
        if link.get("url")
    ]
    incident = Incident(
        id=incident_id,
        path=shown,
        title=values.get("title", incident_id),
        severity=values["severity"],
        category=values.get("category", "technical"),
        services=values.get("services", []),
        detected=values["detected"],
        detected_via=values.get("detected_via", "other"),
        recorded_by=values.get("recorded_by", ""),
        lead=lead,
        lead_from_rotation=from_rotation,
        summary=values.get("summary", ""),
        impact=values.get("impact"),
        timeline=events,
        follow_ups=follow_ups,
        retrospective=retrospective,
        links=links,
        policy=policy,
        source=fields,
        related=list(dict.fromkeys(values.get("related", []))),
        visibility=values.get("visibility")
        or policy.category_visibility(values.get("category", "technical")),
    )
    incident.complete_timeline = complete_timeline
    return incident


def _markdown_fits(fields: Fields, ctx: Context) -> bool:
    """INC016 (and no incident) when the record's Markdown adds up to more than the limit."""
    pieces: list[tuple[Fields, str]] = [(fields, "summary"), (fields, "impact")]
    pieces += [(event, "note") for event in fields.get("timeline") or []]
    retrospective = fields.get("retrospective")
    if isinstance(retrospective, Fields):
        pieces.append((retrospective, "root_cause"))
    total = 0
    for owner, name in pieces:
        total += len(owner.get(name) or "")
        if total > MAX_MARKDOWN_TOTAL:
            ctx.report(
                owner.pos(name),
                "INC016",
                f"the record's Markdown text (summary, impact, notes, root cause) is longer "
                f"than {MAX_MARKDOWN_TOTAL} characters in all",
                "link to a longer document (a postmortem, a ticket) instead",
            )
            return False
    return True


def load_incident(
    path: Path,
    shown: str,
    incident_id: str,
    policy: Policy,
    roster: Roster | None,
    ctx: Context,
    data: bytes | None = None,
) -> Incident | None:
    """Read one record file (or its already-read ``data``); problems go to ``ctx``, never raise."""
    if data is None:
        data = read_bytes(path, ctx)
    if data is None:
        return None
    root, diagnostics = load_nodes(data, shown)
    ctx.diagnostics.extend(diagnostics)
    if root is None:
        return None
    ctx.people = set(roster.handles) if roster is not None else None  # INC031 while reading
    fields = INCIDENT.convert(root, ctx)
    if fields is INVALID or not _markdown_fits(fields, ctx):
        return None
    timeline_node = root.value("timeline") if isinstance(root, MappingNode) else None
    timeline: list[Fields] = fields.get("timeline") or []
    # Order and transition rules only make sense when every event was read in full.
    complete = (
        isinstance(timeline_node, SequenceNode)
        and len(timeline) == len(timeline_node.items)
        and all(event.node.pairs.keys() <= event.values.keys() for event in timeline)
    )
    return build_incident(incident_id, shown, fields, policy, roster, complete)
