"""The incidents as an Atom 1.0 feed (RFC 4287), for people who follow them without the site.

One entry per incident: its title, severity and current status, what happened last (the
latest events), ``updated`` at its latest event and a link to its page.  Nothing depends on
the clock: the feed's own ``updated`` is its newest entry's (the Unix epoch for an empty
feed), and every id is the page's permanent address, so a reader never sees an entry twice.

Record text is untrusted: every value is escaped for XML, characters XML 1.0 cannot carry
are dropped, and entries carry plain text (``type="text"``), never markup a feed reader
would render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sphinx_incidents import __version__
from sphinx_incidents.core.analytics import format_timestamp
from sphinx_incidents.core.model import Incident, TimelineEvent
from sphinx_incidents.core.policy import Policy

LATEST_EVENTS = 3
"""How many of an incident's latest events its entry summarizes."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ATOM_TYPE = "application/atom+xml"

# Characters XML 1.0 cannot hold at all (controls other than tab and newlines, surrogates,
# U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` as XML character data or attribute text (quotes escaped as well)."""
    value = _NOT_XML.sub("", value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def atom_time(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second: ``2024-03-01T09:12:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def severity_text(policy: Policy, level: int) -> str:
    severity = policy.severity(level)
    return f"Severity {level} ({severity.name})" if severity else f"Severity {level}"


def _event_line(event: TimelineEvent, policy: Policy) -> str:
    parts = []
    if event.status is not None:
        parts.append(policy.status_label(event.status))
    if event.severity is not None:
        parts.append(f"reclassified to {severity_text(policy, event.severity)}")
    if event.lead is not None:
        parts.append(f"lead handed over to @{event.lead}")
    if event.note:
        parts.append(" ".join(event.note.split()))
    return f"{format_timestamp(event.at)}: {'; '.join(parts) or 'update'}"


def entry_summary(incident: Incident, policy: Policy, latest: int = LATEST_EVENTS) -> str:
    """Severity and status, then the latest events, newest first, one per line."""
    status = policy.status_label(incident.current_status) if incident.current_status else "—"
    state = "open" if incident.is_open else "closed"
    lines = [
        f"{severity_text(policy, incident.current_severity)}, {status} ({state}); "
        f"detected {format_timestamp(incident.detected)}.",
        "Latest events:",
    ]
    lines += [f"- {_event_line(e, policy)}" for e in reversed(incident.timeline[-latest:])]
    return "\n".join(lines)


def feed_order(incidents: Iterable[Incident]) -> list[Incident]:
    """Most recently updated first (ties: by id), as feed readers list them."""
    return sorted(incidents, key=lambda i: (-i.last_event_at.timestamp(), i.id))


def atom_feed(
    incidents: Sequence[Incident],
    policy: Policy,
    title: str,
    feed_url: str,
    site_url: str,
    page_url: Callable[[Incident], str],
    author: str | None = None,
) -> str:
    """The feed document.  ``feed_url`` is its own address (its id and ``rel="self"``),
    ``site_url`` the page listing the incidents, ``page_url`` each incident's page (also
    its entry's id), ``author`` who publishes it (default: ``title``)."""
    ordered = feed_order(incidents)
    updated = ordered[0].last_event_at if ordered else EPOCH
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>{xml_text(feed_url)}</id>",
        f"  <title>{xml_text(title)}</title>",
        f"  <updated>{atom_time(updated)}</updated>",
        f'  <link rel="self" type="{ATOM_TYPE}" href="{xml_text(feed_url)}"/>',
        f'  <link rel="alternate" type="text/html" href="{xml_text(site_url)}"/>',
        f"  <author><name>{xml_text(author or title)}</name></author>",
        f'  <generator uri="https://pypi.org/project/sphinx-incidents/" '
        f'version="{__version__}">sphinx-incidents</generator>',
    ]
    for incident in ordered:
        url = page_url(incident)
        heading = f"[Private] {incident.title}" if incident.is_private else incident.title
        status = incident.current_status
        out += [
            "  <entry>",
            f"    <id>{xml_text(url)}</id>",
            f'    <title type="text">{xml_text(heading)}</title>',
            f"    <updated>{atom_time(incident.last_event_at)}</updated>",
            f"    <published>{atom_time(incident.detected)}</published>",
            f'    <link rel="alternate" type="text/html" href="{xml_text(url)}"/>',
            f'    <category term="severity-{incident.current_severity}" '
            f'label="{xml_text(severity_text(policy, incident.current_severity))}"/>',
        ]
        if status is not None:
            out.append(
                f'    <category term="{xml_text(status)}" '
                f'label="{xml_text(policy.status_label(status))}"/>'
            )
        out += [
            f'    <summary type="text">{xml_text(entry_summary(incident, policy))}</summary>',
            "  </entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"
