"""Filtering, sorting and displaying incidents in tables (no eval: parsed options)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sphinx_incidents.core.analytics.basics import (
    NO_VALUE,
    format_duration,
    format_timestamp,
    in_window,
    utc,
)
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy

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
DEFAULT_COLUMNS = ("title", "severity", "status", "lead", "detected")
"""The title links to the incident's page; the long id is shown only when asked for."""
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
        if not in_window(incident, since, until):
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
