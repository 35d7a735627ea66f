"""``incidents.json`` in the HTML output: every incident with its derived facts.

For dashboards and scripts: the same numbers the pages show, computed by the core.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from sphinx_incidents import __version__
from sphinx_incidents.core.analytics import utc
from sphinx_incidents.core.model import Incident
from sphinx_incidents.sphinxext.pages import index_order
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


def write_json(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    state = get_state(app)
    if not state.config.json:
        return
    pages = state.config.pages
    data = {
        "generator": f"sphinx-incidents {__version__}",
        "policy": state.policy.name,
        "now": _time(state.now),
        "incidents": [
            incident_json(
                incident, app.builder.get_target_uri(f"{pages}/{incident.id}") if pages else None
            )
            for incident in index_order(state.incidents)
        ],
    }
    target = Path(app.outdir) / "incidents.json"
    tmp = target.with_name(".incidents.json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, target)


def setup_json_output(app: Sphinx) -> None:
    app.connect("build-finished", write_json)
