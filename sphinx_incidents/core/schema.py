"""The JSON Schema of a record, generated from the loader's own field tables.

Editors (yaml-language-server) use it for completion and inline errors.  Enumerations
(statuses, services, ...) come from the active policy.  The schema is a convenience for
editors; the validator is stricter (it also knows YAML 1.1 pitfalls and the policy graph).
"""

from __future__ import annotations

from typing import Any

from sphinx_incidents import __version__
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.records import INCIDENT, ROSTER

SCHEMA_ID = "https://sphinx-incidents.invalid/schema/record.json"
ROSTER_SCHEMA_ID = "https://sphinx-incidents.invalid/schema/roster.json"


def record_schema(policy: Policy) -> dict[str, Any]:
    schema = INCIDENT.json_schema(policy)
    schema["properties"]["category"]["default"] = "technical"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"sphinx-incidents record ({policy.name} policy)",
        "description": f"An incident record, as read by sphinx-incidents {__version__}.",
        **schema,
    }


def roster_schema() -> dict[str, Any]:
    """The JSON Schema of ``_roster.yaml``: people, and the rotation in either form (a list
    of weeks, or a cycle with overrides and explicit weeks)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": ROSTER_SCHEMA_ID,
        "title": "sphinx-incidents roster",
        "description": f"The roster (_roster.yaml), as read by sphinx-incidents {__version__}.",
        **ROSTER.json_schema(None),
    }
