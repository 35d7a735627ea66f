"""``incidents.json`` in the HTML output: every incident with its derived facts.

For dashboards and scripts: the same numbers the pages show, computed by the core.

The file is a function of the records, the policy, the roster, the settings and the page
addresses, all of which the state already fingerprints; not of the build's clock: ``now``
in the header is the project's fixed ``incidents_now`` or ``null`` (the reader's).  A build
that changes none of them (most incremental builds) leaves the file alone instead of
encoding it again: at 1,000 incidents the pretty-printed encoding was a tenth of a
no-change rebuild.  It is written like the feed and the calendar, by
:func:`~sphinx_incidents.sphinxext.outputs.write_output`, whose stamp in the doctree folder
records the inputs and the file they produced, so a deleted, edited or other output
folder's file is always written afresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

from sphinx_incidents import __version__
from sphinx_incidents.core.analytics import utc
from sphinx_incidents.core.model import Incident
from sphinx_incidents.sphinxext.layout import index_order
from sphinx_incidents.sphinxext.outputs import inputs_key, write_output
from sphinx_incidents.sphinxext.state import get_state


def _seconds(value: Any) -> float | None:
    return value.total_seconds() if value is not None else None


def _time(value: Any) -> str | None:
    return utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def incident_json(incident: Incident, page: str | None) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "page": page,
        "severity": incident.current_severity,
        "severity_recorded": incident.severity,
        "status": incident.current_status,
        "open": incident.is_open,
        "category": incident.category,
        "visibility": incident.visibility,
        "services": incident.services,
        "lead": incident.current_lead,
        "leads": incident.leads,
        "lead_from_rotation": incident.lead_from_rotation,
        "detected": _time(incident.detected),
        "detected_via": incident.detected_via,
        "stabilized": _time(incident.stabilized_at),
        "resolved": _time(incident.resolved_at),
        "time_to_stabilize_seconds": _seconds(incident.time_to_stabilize),
        "time_to_resolve_seconds": _seconds(incident.time_to_resolve),
        "recurrences": incident.recurrences,
        "related": incident.related,
        "status_history": [
            {"at": _time(change.at), "status": change.after, "recurrence": change.recurrence}
            for change in incident.status_changes
        ],
        "follow_ups": [
            {
                "title": f.title,
                "url": f.url,
                "purpose": f.purpose,
                "priority": f.priority,
                "done": f.done,
            }
            for f in incident.follow_ups
        ],
        "retrospective": None
        if incident.retrospective is None
        else {
            "date": incident.retrospective.date.isoformat(),
            "host": incident.retrospective.host,
        },
    }


def encode(header: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """``header`` plus ``"incidents": records``, one incident per line.

    Compact lines use the C encoder (``indent`` forces the pure-Python one, 0.35 profiled
    seconds at 1,000 incidents); one incident per line keeps the file readable and its
    diffs small.
    """
    head = json.dumps(header, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    return f'{head}, "incidents": [\n{body}\n]}}\n' if records else f'{head}, "incidents": []}}\n'


GENERATOR = b'{"generator": "sphinx-incidents '
logger = logging.getLogger(__name__)


def _written_by_us(target: Path) -> bool:
    """Whether ``target`` is absent or a file this extension wrote (never replace a file of
    the project's own, copied from ``html_extra_path`` say)."""
    try:
        with target.open("rb") as handle:
            return handle.read(len(GENERATOR)) == GENERATOR
    except FileNotFoundError:
        return True
    except OSError:
        return False


def write_json(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    state = get_state(app)
    if not state.config.json:
        return
    pages = state.config.pages
    target = Path(app.outdir) / "incidents.json"
    if not _written_by_us(target):
        logger.warning(
            "%s exists and was not written by sphinx-incidents (html_extra_path?); not "
            "overwriting it. Rename that file, or set incidents_json = False",
            target,
            type="incidents",
            subtype="json",
        )
        return

    def produce() -> str:
        header = {
            "generator": f"sphinx-incidents {__version__}",
            "policy": state.policy.name,
            "now": _time(state.page_now),
        }
        records = [
            incident_json(
                incident, app.builder.get_target_uri(f"{pages}/{incident.id}") if pages else None
            )
            for incident in index_order(state.incidents)
        ]
        return encode(header, records)

    # what incidents.json is computed from beyond the records: "now" as pages show it and
    # the page URLs, which depend on the builder (dirhtml) and incidents_pages
    uri = app.builder.get_target_uri(f"{pages}/x") if pages else ""
    write_output(
        app, "incidents.json", inputs_key(app, repr(state.page_now), repr(pages), uri), produce
    )


def setup_json_output(app: Sphinx) -> None:
    app.connect("build-finished", write_json)
