"""The transitions incidents took through the status graph."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sphinx_incidents.core.model import Incident

# --- status graph -----------------------------------------------------------------------------


def incident_path(incident: Incident) -> list[tuple[str, str]]:
    """The status transitions the incident took, in order, as ``(from, to)`` pairs.

    A recurrence appears as the move back (e.g. ``resolved -> stabilization-pending``), and an
    edge taken twice appears twice.  The first status is not a transition (see
    :func:`visited_statuses`); an event repeating the current status moves nowhere and is left
    out.
    """
    return [
        (change.before, change.after)
        for change in incident.status_changes
        if change.before is not None and change.before != change.after
    ]


def visited_statuses(incident: Incident) -> list[str]:
    """Every status the incident was in, in order of first visit, without repeats."""
    seen: list[str] = []
    for change in incident.status_changes:
        if change.after not in seen:
            seen.append(change.after)
    return seen


def edge_counts(incidents: Iterable[Incident]) -> dict[tuple[str, str], int]:
    """How many times incidents took each transition (every time, recurrences included).

    Keys are ``(from, to)`` pairs as in :func:`incident_path`; transitions nobody took are
    absent (read a missing key as 0).  Sorted by key so that output is reproducible.
    """
    counter: Counter[tuple[str, str]] = Counter()
    for incident in incidents:
        counter.update(incident_path(incident))
    return dict(sorted(counter.items()))
