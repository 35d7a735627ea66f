"""Private records: which incidents a build shows, and what the shown ones may say of the rest.

A record is private when it says ``visibility: private``, or when it says nothing and its
category is private in the policy (Openverse's ``community``).  ``check`` validates private
records like any other; only what is *published* differs.  A public build leaves them out
entirely, so every page, table, chart, feed and data file is computed from the shown
incidents alone; and since a shown record may name a private one in ``related``, the shown
copy forgets that id (the record file itself is unchanged).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from sphinx_incidents.core.model import Incident, TimelineEvent

ANONYMOUS_ID = "private incident"
"""The id of every anonymous copy (:func:`anonymous`): no real id has a space."""


def split_private(
    incidents: Iterable[Incident], include_private: bool
) -> tuple[list[Incident], list[Incident]]:
    """``(shown, hidden)``: with ``include_private`` (an internal build) every incident is
    shown; otherwise the private ones are hidden, and the ``related`` lists of the shown
    ones name no hidden incident."""
    everything = list(incidents)
    if include_private:
        return everything, []
    hidden = [incident for incident in everything if incident.is_private]
    if not hidden:
        return everything, []
    hidden_ids = {incident.id for incident in hidden}
    shown = []
    for incident in everything:
        if incident.is_private:
            continue
        if hidden_ids.intersection(incident.related):
            related = [other for other in incident.related if other not in hidden_ids]
            incident = replace(incident, related=related)
        shown.append(incident)
    return shown, hidden


def anonymous(incident: Incident, people: Collection[str]) -> Incident:
    """A copy of a private incident that can only be *counted*: what metrics and the lead
    distribution need (severity, category, detection, status times) and nothing else: no
    id, title, text, services, links, follow-ups or notes.  Its leads and retrospective
    host are kept only when they are among ``people`` (the roster's, and whoever leads a
    shown incident): a handle only a private record names is not published either.

    ``incidents_count_private`` passes these to the views, so whatever a view prints of an
    incident it counts ("led the latest incident (...)") can only be this placeholder.
    """

    def known(handle: str | None) -> str | None:
        return handle if handle in people else None

    retrospective = incident.retrospective
    if retrospective is not None:
        retrospective = (
            replace(retrospective, root_cause=None, five_whys=[], improvements=[], notes_url=None)
            if retrospective.host in people
            else None
        )
    return replace(
        incident,
        id=ANONYMOUS_ID,
        path="",
        title="a private incident",
        services=[],
        recorded_by="",
        lead=known(incident.lead),
        summary="",
        impact=None,
        timeline=[
            TimelineEvent(e.at, e.status, e.severity, known(e.lead), None, None)
            for e in incident.timeline
        ],
        follow_ups=[],
        retrospective=retrospective,
        links=[],
        related=[],
        source=None,
    )


def is_anonymous(incident: Incident) -> bool:
    return incident.id == ANONYMOUS_ID
