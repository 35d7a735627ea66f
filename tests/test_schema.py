"""The JSON Schema editors use: valid, generated from the loader's own tables, and accepting
every record the checker accepts."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.policy import Policy, load_policy
from sphinx_incidents.core.records import (
    EVENT,
    FOLLOW_UP,
    INCIDENT,
    INCIDENT_FIELDS,
    LINK,
    RETROSPECTIVE,
)
from sphinx_incidents.core.schema import record_schema, roster_schema

HERE = Path(__file__).parent
DEMO = HERE.parent / "incident_records"
VALID = HERE / "fixtures" / "records" / "valid"
FIVE = HERE / "fixtures" / "policies" / "five-statuses.yaml"
RECORDS = sorted(DEMO.glob("[!_]*.yaml")) + sorted(VALID.glob("*.yaml"))


def as_json(value: Any) -> Any:
    """What an editor's YAML reader hands the schema: timestamps and dates as text."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def load(path: Path) -> Any:
    return as_json(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def validator(policy: Policy) -> Draft202012Validator:
    schema = record_schema(policy)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_schema_is_valid_json_schema(policy: Policy) -> None:
    schema = record_schema(policy)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    json.dumps(schema)  # plain JSON data, nothing else


def test_there_are_records_to_validate() -> None:
    assert len([p for p in RECORDS if p.parent == DEMO]) >= 10
    assert len([p for p in RECORDS if p.parent == VALID]) == 6


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_records_validate(validator: Draft202012Validator, path: Path) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(load(path))]
    assert errors == []


def _names(schema: dict[str, Any]) -> set[str]:
    return set(schema["properties"])


def test_schema_properties_are_the_loader_fields(policy: Policy) -> None:
    schema = record_schema(policy)
    assert _names(schema) == {f.name for f in INCIDENT_FIELDS}
    assert set(schema["required"]) == {f.name for f in INCIDENT_FIELDS if f.required}
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    nested = {
        "timeline": (properties["timeline"]["items"], EVENT),
        "follow_ups": (properties["follow_ups"]["items"], FOLLOW_UP),
        "retrospective": (properties["retrospective"], RETROSPECTIVE),
        "links": (properties["links"]["items"], LINK),
    }
    for name, (sub, record) in nested.items():
        assert _names(sub) == {f.name for f in record.fields}, name
        assert set(sub["required"]) == {f.name for f in record.fields if f.required}, name
        assert sub["additionalProperties"] is False, name
    assert INCIDENT.fields == INCIDENT_FIELDS


def test_every_property_is_described(policy: Policy) -> None:
    schema = record_schema(policy)
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name


def test_enumerations_come_from_the_policy(policy: Policy) -> None:
    properties = record_schema(policy)["properties"]
    assert properties["severity"]["enum"] == [1, 2, 3]
    assert properties["services"]["items"]["enum"] == list(policy.choices("services"))
    assert properties["category"]["default"] == "technical"
    statuses = properties["timeline"]["items"]["properties"]["status"]["enum"]
    assert statuses == list(policy.status_keys)
    five = record_schema(load_policy(FIVE))["properties"]
    assert five["timeline"]["items"]["properties"]["status"]["enum"][-1] == "reviewed"


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("severity", "3"),
        ("severity", 4),
        ("title", ""),
        ("title", "x" * 121),
        ("detected", "2024-05-28T09:00:00"),
        ("detected", "2024-05-28"),
        ("services", ["fronted"]),
        ("sumary", "typo"),
        ("timeline", []),
        ("links", [{"title": "x", "url": "javascript:alert(1)"}]),
        ("follow_ups", [{"title": "x", "url": "https://x.org", "purpose": "prevent"}]),
        ("retrospective", {"date": "2024-05-24"}),
    ],
)
def test_schema_rejects_what_the_checker_rejects(
    validator: Draft202012Validator, change: str, value: Any
) -> None:
    record = load(VALID / "2024-05-14-rotation-lead.yaml")
    assert validator.is_valid(record)
    record[change] = value
    assert not validator.is_valid(record)


def test_cli_schema_prints_the_same_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == record_schema(load_policy())
    assert main(["schema", "--policy", str(FIVE)]) == 0
    assert json.loads(capsys.readouterr().out) == record_schema(load_policy(FIVE))


ROSTERS = [DEMO / "_roster.yaml", HERE / "fixtures" / "records" / "_roster.yaml"]


@pytest.mark.parametrize("path", ROSTERS, ids=lambda p: p.parent.name)
def test_roster_schema_accepts_the_rosters_we_ship(path: Path) -> None:
    schema = roster_schema()
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(as_json(yaml.safe_load(path.read_text())))


def test_roster_schema_knows_both_rotation_forms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--for", "roster"]) == 0
    schema = json.loads(capsys.readouterr().out)
    validator = Draft202012Validator(schema)
    people = [{"handle": "ana", "email": "ana@example.org", "url": "https://github.com/ana"}]
    weeks = [{"week": "2024-03-04", "runner": "ana"}]
    cycle = {"start": "2024-03-04", "order": ["ana"], "overrides": weeks, "weeks": weeks}
    for rotation in (weeks, cycle):
        validator.validate({"people": people, "rotation": rotation})
    assert not validator.is_valid({"people": people, "rotation": {"strat": "2024-03-04"}})
    assert not validator.is_valid({"people": [{"handle": "ana", "url": "ana"}]})
