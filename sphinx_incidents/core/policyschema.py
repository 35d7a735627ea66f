"""The field tables of a policy file, read with the same field types as records.

Every key of a policy file is optional here: a file that ``extends:`` another names only
what differs, and whether the *merged* policy has everything is checked after merging
(:data:`REQUIRED`).  Two kinds of value are special to policies:

- a numeric rule parameter may be ``off`` (:class:`DaysOrOff`): ``retro_due_days: off``;
- ``rules:`` mixes parameters with rule codes and their level (:class:`RulesMapping`):
  ``rules: {INC041: off, INC043: warning, stale_days: 10}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sphinx_incidents.core.codes import CODES, FIXED, TIME_DEPENDENT, allowed_settings, why_fixed
from sphinx_incidents.core.fieldtypes import (
    INVALID,
    Context,
    Field,
    Fields,
    FieldType,
    Integer,
    ListOf,
    OneOf,
    Record,
    Text,
    Vocabulary,
    did_you_mean,
)
from sphinx_incidents.core.yamlnodes import MappingNode, Node, ScalarNode, node_kind

OFF = "off"
"""The value of a numeric parameter or a rule code that is turned off."""
LEVEL_WORDS = ("error", "warning", OFF)
CODE_RE = re.compile(r"^INC\d{3}$")

REQUIRABLE = ("retrospective", "impact", "follow_ups", "links", "related")
"""Record fields a status may require (``requires: [retrospective]``)."""


@dataclass
class DaysOrOff(Integer):
    """A whole number, or ``off`` (the check it sets is not made)."""

    unit: str = "days"
    description: str = "a whole number"

    def convert(self, node: Node, ctx: Context) -> Any:
        if not isinstance(node, ScalarNode) or re.fullmatch(r"[-+]?[0-9]+", node.value):
            return super().convert(node, ctx)
        value = node.value.strip()
        if value == OFF:
            return OFF
        hint = f"write a number of {self.unit}, or off to turn the check off"
        if node.plain and value in ("", "~", "null", "Null", "NULL"):
            ctx.at(node, "INC004", f"expected a number of {self.unit} or off, found nothing", hint)
        else:
            ctx.at(
                node,
                "INC004",
                f"expected a whole number of {self.unit} or off, found '{node.value}'",
                hint,
            )
        return INVALID

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"oneOf": [{"type": "integer", "minimum": 0}, {"const": OFF}]}


@dataclass
class LevelWord(FieldType):
    """``error``, ``warning`` or ``off`` for one rule code, within what the code allows."""

    code: str = ""
    description: str = "error, warning or off"

    def convert(self, node: Node, ctx: Context) -> Any:
        scalar = self._scalar(node, ctx)
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if value not in LEVEL_WORDS:
            ctx.at(
                scalar,
                "INC004",
                f"{self.code}: expected error, warning or off, found '{scalar.value}'",
                did_you_mean(value.lower(), LEVEL_WORDS),
            )
            return INVALID
        allowed = allowed_settings(self.code)
        if value not in allowed:
            if self.code in FIXED:
                hint = f"{self.code} always stays an error: {why_fixed(self.code)}"
            elif self.code in TIME_DEPENDENT:
                hint = (
                    "a time-dependent rule would fail a build because the clock moved; "
                    "keep it a warning, and let a scheduled job run "
                    "'sphinx-incidents due --strict' to fail on it"
                )
            else:  # pragma: no cover - every other code allows every level
                hint = None
            ctx.at(
                scalar,
                "INC004",
                f"{self.code} cannot be {value} (allowed: {', '.join(allowed)})",
                hint,
            )
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"enum": list(allowed_settings(self.code))}


RULE_PARAMETERS: tuple[Field, ...] = (
    Field(
        "retro_due_days",
        DaysOrOff(),
        False,
        "INC043: a retrospective is due this many days after resolution (off: no deadline).",
    ),
    Field(
        "stale_days",
        DaysOrOff(),
        False,
        "INC044: an open incident without an event for this many days is stale (off: never).",
    ),
    Field(
        "recurrence_window_hours",
        DaysOrOff(unit="hours"),
        False,
        "INC026: moving back to the recurrence status more than this many hours after "
        "resolution is a new incident (off: never).",
    ),
    Field(
        "critical_followup_severities",
        ListOf(Integer()),
        False,
        "INC040: severities whose stabilization follow-ups must have the critical priority.",
    ),
    Field("critical_followup_priority", Text(), False, "INC040: that priority."),
    Field(
        "prevention_purpose",
        Text(),
        False,
        "INC041: the follow-up purpose a resolved incident needs one of.",
    ),
    Field(
        "stabilization_purpose",
        Text(),
        False,
        "INC040: the follow-up purpose of stabilization tickets.",
    ),
)


class RulesMapping(FieldType):
    """``rules:``: rule parameters and ``INCnnn: error|warning|off``, one mapping."""

    description = "a mapping (rules)"

    def __init__(self) -> None:
        self.parameters = {f.name: f for f in RULE_PARAMETERS}

    def convert(self, node: Node, ctx: Context) -> Any:
        if not isinstance(node, MappingNode):
            ctx.at(node, "INC004", f"expected {self.description}, found {node_kind(node)}")
            return INVALID
        values: dict[str, Any] = {}
        for key, (key_node, value_node) in node.pairs.items():
            spec = self.parameters.get(key)
            if spec is not None:
                value = spec.type.convert(value_node, ctx)
            elif key in CODES:
                value = LevelWord(code=key).convert(value_node, ctx)
            else:
                self._unknown(key, key_node, ctx)
                continue
            if value is not INVALID:
                values[key] = value
        return Fields(node, values)

    def _unknown(self, key: str, key_node: ScalarNode, ctx: Context) -> None:
        if key.upper() in CODES:
            ctx.at(key_node, "INC002", f"unknown rule code '{key}'", f"write {key.upper()}")
        elif CODE_RE.match(key.upper()):
            ctx.at(
                key_node,
                "INC002",
                f"unknown rule code '{key}'",
                did_you_mean(key.upper(), list(CODES)) or "see the rules reference",
            )
        else:
            ctx.at(
                key_node,
                "INC002",
                f"unknown field '{key}' in rules",
                did_you_mean(key, list(self.parameters))
                or "rules holds the parameters "
                + ", ".join(self.parameters)
                + " and rule codes (INC041: off)",
            )

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        properties = {
            f.name: {"description": f.description, **f.type.json_schema(policy)}
            for f in RULE_PARAMETERS
        }
        for code in CODES:
            properties[code] = LevelWord(code=code).json_schema(policy)
        return {"type": "object", "additionalProperties": False, "properties": properties}


def _keyed(name: str, *extra: Field) -> Record:
    return Record(
        name,
        (
            Field("key", Text(), True),
            Field("label", Text()),
            Field("description", Text()),
            *extra,
        ),
    )


TAG = Field("tag", Text(), False, "The team's own marker, e.g. a chat or blog tag.")
SEVERITY = Record(
    "severity",
    (
        Field("level", Integer(), True),
        Field("name", Text(), True),
        Field("description", Text()),
        TAG,
    ),
)
STATUS = _keyed(
    "status",
    TAG,
    Field("requires", ListOf(Text()), False, "Record fields needed to enter the status."),
)
SERVICE = _keyed("service")
CATEGORY = _keyed(
    "category",
    Field(
        "visibility",
        OneOf(values=("public", "private"), description="public or private"),
        False,
        "The default visibility of its records: private records are left out of the "
        "site's normal build (a record's own visibility wins).",
    ),
)
PURPOSE = _keyed("follow-up purpose")
TRANSITION = Record("transition", (Field("from", Text(), True), Field("to", Text(), True)))
STEP = Record(
    "step",
    (
        Field("name", Text(), True),
        Field("goal", Text()),
        TAG,
        Field("status_after", ListOf(Text())),
        Field("status_note", Text(), False, "Said after the statuses, e.g. 'then Review'."),
    ),
)
MILESTONES = Record(
    "milestones",
    (
        Field("stabilized", Text(), True),
        Field("resolved", Text(), True),
    ),
)
POLICY = Record(
    "policy",
    (
        Field("extends", Text(), False, "A shipped policy name, or a policy file path."),
        Field("name", Text()),
        Field("title", Text()),
        Field("severities", ListOf(SEVERITY, 1)),
        Field("statuses", ListOf(STATUS, 1)),
        Field("transitions", ListOf(TRANSITION)),
        Field("first_statuses", ListOf(Text(), 1)),
        Field("milestones", MILESTONES),
        Field("recurrence_status", Text()),
        Field("closed_statuses", ListOf(Text(), 1)),
        Field("steps", ListOf(STEP)),
        Field("services", ListOf(SERVICE)),
        Field("categories", ListOf(CATEGORY, 1)),
        Field("detection_channels", ListOf(Text(), 1)),
        Field("follow_up_purposes", ListOf(PURPOSE, 1)),
        Field("priorities", ListOf(Text(), 1)),
        Field("id_pattern", Text()),
        Field("rules", RulesMapping()),
    ),
)
REQUIRED = (
    "name",
    "severities",
    "statuses",
    "transitions",
    "first_statuses",
    "milestones",
    "recurrence_status",
    "closed_statuses",
    "categories",
    "detection_channels",
    "follow_up_purposes",
    "priorities",
)
"""Keys the merged policy must have (in the file itself or in what it extends)."""
