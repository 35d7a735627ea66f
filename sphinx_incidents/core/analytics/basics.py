"""Shared basics of the analytics: UTC days, windows, durations, percentiles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.policy import Policy

NO_VALUE = "—"
"""What a missing value (no duration yet, no lead) is displayed as."""


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (records keep the offset they were written in)."""
    return moment.astimezone(UTC)


def utc_day(moment: datetime) -> date:
    return utc(moment).date()


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``"1 incident"``, ``"2 incidents"``, ``"0 people"`` (with ``plural="people"``)."""
    word = noun if number == 1 else (plural or noun + "s")
    return f"{number} {word}"


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


def format_since(delta: timedelta) -> str:
    """Time since detection as a timeline shows it: ``"at detection"``, ``"< 1 min"``,
    ``"+12 min"``, ``"+1 d 2 h"`` (``-`` before detection, only in an invalid record)."""
    if not delta:
        return "at detection"
    text = format_duration(delta)
    return text if text.startswith(("-", "<")) else "+" + text


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


def in_window(incident: Incident, since: date | None, until: date | None = None) -> bool:
    day = utc_day(incident.detected)
    return (since is None or day >= since) and (until is None or day <= until)


def severity_levels_of(incidents: Sequence[Incident], policy: Policy | None) -> tuple[int, ...]:
    if policy is None and incidents:
        policy = incidents[0].policy
    levels = list(policy.severity_levels) if policy is not None else []
    extra = sorted({i.current_severity for i in incidents} - set(levels))
    return tuple(levels + extra)


def format_timestamp(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM UTC``: how tables and timelines show an instant."""
    moment = utc(moment)
    return f"{moment.date().isoformat()} {moment:%H:%M} UTC"  # isoformat pads every year


def related_from(incidents: Iterable[Incident]) -> dict[str, list[str]]:
    """For each incident id, the ids of the incidents whose ``related`` names it (sorted).

    The reverse of ``related``: an incident page links both ways, so the earlier incident
    of a recurrence shows the later one although only the later record names it.
    """
    found: dict[str, list[str]] = {}
    for incident in incidents:
        for other in incident.related:
            if other != incident.id:
                found.setdefault(other, []).append(incident.id)
    return {key: sorted(ids) for key, ids in found.items()}
