"""The support rotation as an iCalendar file (RFC 5545) that maintainers can subscribe to.

One all-day event per week, Monday to Sunday, named after its runner, for every week in the
horizon that the roster gives a runner (:meth:`~sphinx_incidents.core.model.Roster.
runner_for`, whichever way the roster says it: listed weeks, a repeating cycle, overrides).

The horizon is data, never the clock: from the first week the rotation names to 52 weeks
after the later of the last week it lists and the week of the latest incident.  So the
same roster and records give the same file, byte for byte, wherever and whenever it is
written; a calendar client subscribed to it sees the coming year.

Written by hand rather than with a library: the subset needed (text escaping, line
folding at 75 octets, CRLF) is small, and the output must be deterministic, ``DTSTAMP``
included (derived from the week itself, as RFC 5545 leaves no room for "unknown").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sphinx_incidents.core.model import Incident, Roster

HORIZON_WEEKS = 52
"""Weeks after the last listed week (or the latest incident) that the calendar covers."""
PRODID = "-//sphinx-incidents//support rotation//EN"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _listed_weeks(roster: Roster) -> list[date]:
    """Every Monday the roster names: listed weeks, overrides and a cycle's start."""
    weeks = [week.week for week in roster.rotation]
    weeks += [week.week for week in roster.overrides]
    if roster.cycle is not None:
        weeks.append(roster.cycle.start)
    return weeks


def rotation_horizon(
    roster: Roster, incidents: Iterable[Incident] = (), weeks_after: int = HORIZON_WEEKS
) -> tuple[date, date] | None:
    """The first and the last Monday the calendar covers (``None``: no rotation at all)."""
    listed = _listed_weeks(roster)
    if not listed:
        return None
    first = _monday(min(listed))
    latest = [_monday(incident.detected.astimezone(UTC).date()) for incident in incidents]
    last = max([_monday(max(listed)), *latest]) + timedelta(weeks=weeks_after)
    return first, last


def rotation_weeks(
    roster: Roster, incidents: Iterable[Incident] = (), weeks_after: int = HORIZON_WEEKS
) -> list[tuple[date, str]]:
    """``(monday, runner)`` for every week of the horizon that has a runner."""
    horizon = rotation_horizon(roster, incidents, weeks_after)
    if horizon is None:
        return []
    first, last = horizon
    found = []
    monday = first
    while monday <= last:
        runner = roster.runner_for(monday)
        if runner:
            found.append((monday, runner))
        monday += timedelta(weeks=1)
    return found


_SLUG = re.compile(r"[^a-z0-9]+")


def calendar_slug(name: str) -> str:
    """A short, stable word for UIDs: ``Openverse docs`` -> ``openverse-docs``."""
    return _SLUG.sub("-", name.lower()).strip("-") or "rotation"


def _text(value: str) -> str:
    """An iCalendar TEXT value: backslash, comma, semicolon and newlines escaped; control
    characters (never valid in a record or roster anyway) dropped."""
    value = "".join(ch for ch in value if ch >= " " or ch == "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts = []
    start = 0
    limit = 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start = end
        limit = 74  # continuation lines begin with a space
    return "\r\n ".join(parts)


def _stamp(day: date) -> str:
    return datetime(day.year, day.month, day.day).strftime("%Y%m%dT%H%M%SZ")


def rotation_ics(
    weeks: Iterable[tuple[date, str]],
    roster: Roster | None,
    name: str,
    url: str | None = None,
) -> str:
    """The calendar of ``weeks`` (:func:`rotation_weeks`), titled ``name``; ``url`` (the
    page about the rotation, optional) goes into every event.

    UIDs are ``<monday>-<slug of name>@sphinx-incidents``: the same week of the same
    calendar keeps its UID from one build to the next, so a client updates it in place.
    """
    slug = calendar_slug(name)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    for monday, runner in weeks:
        who = roster.display_name(runner) if roster is not None else runner
        shown = f"{who} (@{runner})" if who != runner else f"@{runner}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{monday.isoformat()}-{slug}@sphinx-incidents",
            f"DTSTAMP:{_stamp(monday)}",
            f"DTSTART;VALUE=DATE:{monday.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(monday + timedelta(weeks=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_text(f'Support rotation: {shown}')}",
            f"DESCRIPTION:{_text(f'{shown} runs support in the week of {monday.isoformat()}.')}",
            "TRANSP:TRANSPARENT",
        ]
        if url and url.isprintable():
            lines.append(f"URL:{url}")  # a URI value: not escaped like text
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
