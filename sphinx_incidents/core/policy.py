"""The response policy, loaded from YAML data shipped in the package or given by the user.

Everything that differs between teams (severities, statuses, the status graph, services,
rule settings) lives in the policy file, so validation, graphs, tables and docs follow it.
A broken policy file is refused with ``path:line:column`` messages (:class:`PolicyError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.fieldtypes import (
    INVALID,
    Context,
    Field,
    Fields,
    Integer,
    ListOf,
    Record,
    Text,
)
from sphinx_incidents.core.safefiles import UnreadableFile, read_limited
from sphinx_incidents.core.yamlnodes import MAX_BYTES, load_nodes

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"


def shipped_policies() -> tuple[str, ...]:
    """Names of the policies shipped in the package (``policies/<name>.yaml``)."""
    return tuple(sorted(path.stem for path in POLICY_DIR.glob("*.yaml")))


class PolicyError(Exception):
    """The policy file is unusable; ``diagnostics`` say where and why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format_text() for d in diagnostics))


@dataclass(frozen=True)
class Severity:
    level: int
    name: str
    description: str


@dataclass(frozen=True)
class Keyed:
    """A status, service, category or follow-up purpose: a key with a label and a description."""

    key: str
    label: str
    description: str


@dataclass(frozen=True)
class Step:
    name: str
    goal: str
    status_after: tuple[str, ...]


@dataclass(frozen=True)
class RuleSettings:
    retro_due_days: int = 14
    stale_days: int = 7
    critical_followup_severities: tuple[int, ...] = (1, 2)
    critical_followup_priority: str = "critical"
    prevention_purpose: str = "prevention"
    stabilization_purpose: str = "stabilization"


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str
    severities: tuple[Severity, ...]
    statuses: tuple[Keyed, ...]
    transitions: tuple[tuple[str, str], ...]
    first_statuses: tuple[str, ...]
    stabilized_status: str
    resolved_status: str
    recurrence_status: str
    closed_statuses: tuple[str, ...]
    steps: tuple[Step, ...]
    services: tuple[Keyed, ...]
    categories: tuple[Keyed, ...]
    detection_channels: tuple[str, ...]
    follow_up_purposes: tuple[Keyed, ...]
    priorities: tuple[str, ...]
    id_pattern: str
    rules: RuleSettings

    @cached_property
    def severity_levels(self) -> tuple[int, ...]:
        return tuple(s.level for s in self.severities)

    @cached_property
    def status_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.statuses)

    @cached_property
    def id_regex(self) -> re.Pattern[str]:
        return re.compile(self.id_pattern)

    @cached_property
    def _choices(self) -> dict[str, tuple[str, ...]]:
        return {
            "statuses": self.status_keys,
            "services": tuple(s.key for s in self.services),
            "categories": tuple(c.key for c in self.categories),
            "detection_channels": self.detection_channels,
            "follow_up_purposes": tuple(p.key for p in self.follow_up_purposes),
            "priorities": self.priorities,
        }

    def choices(self, source: str) -> tuple[str, ...]:
        """The allowed keys of one enumeration (``statuses``, ``services``, ...)."""
        return self._choices[source]

    def next_statuses(self, status: str) -> tuple[str, ...]:
        return tuple(b for a, b in self.transitions if a == status)

    def allows(self, before: str, after: str) -> bool:
        return (before, after) in self.transitions

    def is_recurrence(self, before: str, after: str) -> bool:
        return after == self.recurrence_status and before != after

    def status_label(self, key: str) -> str:
        for status in self.statuses:
            if status.key == key:
                return status.label
        return key

    def severity(self, level: int) -> Severity | None:
        for severity in self.severities:
            if severity.level == level:
                return severity
        return None

    def is_closed(self, status: str | None) -> bool:
        return status in self.closed_statuses


# --- reading the file -------------------------------------------------------------------------

_KEYED = Record(
    "status",
    (
        Field("key", Text(), True),
        Field("label", Text()),
        Field("description", Text()),
    ),
)
_SEVERITY = Record(
    "severity",
    (
        Field("level", Integer(), True),
        Field("name", Text(), True),
        Field("description", Text()),
    ),
)
_TRANSITION = Record("transition", (Field("from", Text(), True), Field("to", Text(), True)))
_STEP = Record(
    "step",
    (
        Field("name", Text(), True),
        Field("goal", Text()),
        Field("status_after", ListOf(Text())),
    ),
)
_MILESTONES = Record(
    "milestones",
    (
        Field("stabilized", Text(), True),
        Field("resolved", Text(), True),
    ),
)
_RULES = Record(
    "rules",
    (
        Field("retro_due_days", Integer()),
        Field("stale_days", Integer()),
        Field("critical_followup_severities", ListOf(Integer())),
        Field("critical_followup_priority", Text()),
        Field("prevention_purpose", Text()),
        Field("stabilization_purpose", Text()),
    ),
)
_POLICY = Record(
    "policy",
    (
        Field("name", Text(), True),
        Field("title", Text()),
        Field("severities", ListOf(_SEVERITY, 1), True),
        Field("statuses", ListOf(_KEYED, 1), True),
        Field("transitions", ListOf(_TRANSITION), True),
        Field("first_statuses", ListOf(Text(), 1), True),
        Field("milestones", _MILESTONES, True),
        Field("recurrence_status", Text(), True),
        Field("closed_statuses", ListOf(Text(), 1), True),
        Field("steps", ListOf(_STEP)),
        Field("services", ListOf(_KEYED)),
        Field("categories", ListOf(_KEYED, 1), True),
        Field("detection_channels", ListOf(Text(), 1), True),
        Field("follow_up_purposes", ListOf(_KEYED, 1), True),
        Field("priorities", ListOf(Text(), 1), True),
        Field("id_pattern", Text()),
        Field("rules", _RULES),
    ),
)

MAX_RULE_DAYS = 36_500  # rule settings in days become timedeltas: keep them in range
DEFAULT_ID_PATTERN = r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$"


def shipped_policy_path(name: str) -> Path:
    return POLICY_DIR / f"{name}.yaml"


def resolve_policy_path(spec: str | Path, base: Path | None = None) -> Path:
    """A shipped policy name (``openverse``) or a path, relative to ``base`` when given."""
    text = str(spec)
    if text in shipped_policies():
        return shipped_policy_path(text)
    path = Path(text)
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def load_policy(spec: str | Path = "openverse", base: Path | None = None) -> Policy:
    """Load and check a policy; raise :class:`PolicyError` when it is broken or unreadable."""
    path = resolve_policy_path(spec, base)
    shown = str(path)
    try:
        data = read_limited(path, MAX_BYTES)
    except UnreadableFile as exc:
        hint = f"use a shipped policy ({', '.join(shipped_policies())}) or a path to a YAML file"
        reason = exc.reason.removeprefix("cannot read file: ")
        raise PolicyError(
            [
                Diagnostic(
                    shown,
                    1,
                    1,
                    "POLICY",
                    Level.ERROR,
                    f"cannot read policy file: {reason}",
                    exc.hint if exc.too_large else hint,
                )
            ]
        ) from None
    return parse_policy(data, shown)


def parse_policy(data: bytes, path: str) -> Policy:
    root, diagnostics = load_nodes(data, path)
    ctx = Context(path, None, diagnostics)
    fields = _POLICY.convert(root, ctx) if root is not None else INVALID
    if ctx.diagnostics or fields is INVALID:
        raise PolicyError(ctx.diagnostics)
    assert isinstance(fields, Fields)
    policy = _build(fields, path, ctx)
    if ctx.diagnostics:
        raise PolicyError(ctx.diagnostics)
    return policy


def _keyed(items: list[Fields], what: str, ctx: Context) -> tuple[Keyed, ...]:
    seen: set[str] = set()
    result = []
    for item in items:
        key = item.get("key")
        if key in seen:
            ctx.report(item.pos("key"), "POLICY", f"duplicate {what} key '{key}'")
        seen.add(key)
        result.append(Keyed(key, item.get("label") or key, item.get("description") or ""))
    return tuple(result)


def _unique_words(
    words: list[str], what: str, fields: Fields, name: str, ctx: Context
) -> tuple[str, ...]:
    if len(set(words)) != len(words):
        duplicates = sorted({w for w in words if words.count(w) > 1})
        ctx.report(fields.pos(name), "POLICY", f"duplicate {what}: {', '.join(duplicates)}")
    return tuple(words)


def _check_reachable(
    first: tuple[str, ...],
    closed: tuple[str, ...],
    transitions: list[tuple[str, str]],
    fields: Fields,
    ctx: Context,
) -> None:
    """Every first status must lead to a closed one, or such incidents can never close."""
    following: dict[str, list[str]] = {}
    for before, after in transitions:
        following.setdefault(before, []).append(after)
    stuck = []
    for start in first:
        seen, todo = {start}, [start]
        while todo:
            for after in following.get(todo.pop(), []):
                if after not in seen:
                    seen.add(after)
                    todo.append(after)
        if not seen & set(closed):
            stuck.append(start)
    if stuck:
        names = ", ".join(f"'{status}'" for status in stuck)
        ctx.report(
            fields.pos("first_statuses"),
            "POLICY",
            f"no path in the status graph from first status {names} to a closed status "
            f"({', '.join(closed)})",
            "add a transition, so that incidents starting there can be resolved",
        )


def _build(fields: Fields, path: str, ctx: Context) -> Policy:
    severities: list[Severity] = []
    for item in fields.get("severities", []):
        level = item.get("level")
        if any(s.level == level for s in severities):
            ctx.report(item.pos("level"), "POLICY", f"duplicate severity level {level}")
        severities.append(Severity(level, item.get("name"), item.get("description") or ""))
    statuses = _keyed(fields.get("statuses", []), "status", ctx)
    status_keys = {s.key for s in statuses}

    def known(status: str, where: tuple[int, int], role: str) -> None:
        if status not in status_keys:
            ctx.report(
                where,
                "POLICY",
                f"{role} names unknown status '{status}'",
                "known: " + ", ".join(sorted(status_keys)),
            )

    transitions: list[tuple[str, str]] = []
    for item in fields.get("transitions", []):
        pair = (item.get("from"), item.get("to"))
        known(pair[0], item.pos("from"), "transition")
        known(pair[1], item.pos("to"), "transition")
        if pair in transitions:
            ctx.report(item.pos("from"), "POLICY", f"duplicate transition {pair[0]} -> {pair[1]}")
        transitions.append(pair)
    first = _unique_words(
        fields.get("first_statuses", []), "first status", fields, "first_statuses", ctx
    )
    for status in first:
        known(status, fields.pos("first_statuses"), "first_statuses")
    milestones: Fields = fields.get("milestones")
    for name in ("stabilized", "resolved"):
        known(milestones.get(name), milestones.pos(name), f"milestones.{name}")
    known(fields.get("recurrence_status"), fields.pos("recurrence_status"), "recurrence_status")
    closed = _unique_words(
        fields.get("closed_statuses", []), "closed status", fields, "closed_statuses", ctx
    )
    for status in closed:
        known(status, fields.pos("closed_statuses"), "closed_statuses")
    if not ctx.diagnostics:  # a graph with unknown statuses is reported already
        _check_reachable(first, closed, transitions, fields, ctx)
    steps = []
    for item in fields.get("steps", []):
        for status in item.get("status_after", []):
            known(status, item.pos("status_after"), f"step {item.get('name')}")
        steps.append(
            Step(item.get("name"), item.get("goal") or "", tuple(item.get("status_after", [])))
        )
    purposes = _keyed(fields.get("follow_up_purposes", []), "follow-up purpose", ctx)
    priorities = _unique_words(fields.get("priorities", []), "priority", fields, "priorities", ctx)
    pattern = fields.get("id_pattern") or DEFAULT_ID_PATTERN
    try:
        re.compile(pattern)
    except re.error as exc:
        ctx.report(
            fields.pos("id_pattern"), "POLICY", f"id_pattern is not a regular expression: {exc}"
        )
    rules_fields: Fields | None = fields.get("rules")
    rules = RuleSettings()
    if rules_fields is not None:
        values = dict(rules_fields.values)
        if "critical_followup_severities" in values:
            values["critical_followup_severities"] = tuple(values["critical_followup_severities"])
        rules = RuleSettings(**values)
        for name in ("retro_due_days", "stale_days"):
            if not 0 <= getattr(rules, name) <= MAX_RULE_DAYS:
                ctx.report(
                    rules_fields.pos(name),
                    "POLICY",
                    f"rules.{name} must be between 0 and {MAX_RULE_DAYS} days",
                )
        purpose_keys = {p.key for p in purposes}
        for name in ("prevention_purpose", "stabilization_purpose"):
            if getattr(rules, name) not in purpose_keys:
                ctx.report(
                    rules_fields.pos(name),
                    "POLICY",
                    f"rules.{name} names unknown follow-up purpose '{getattr(rules, name)}'",
                )
        if rules.critical_followup_priority not in priorities:
            ctx.report(
                rules_fields.pos("critical_followup_priority"),
                "POLICY",
                f"rules.critical_followup_priority names unknown priority "
                f"'{rules.critical_followup_priority}'",
            )
    return Policy(
        name=fields.get("name"),
        title=fields.get("title") or fields.get("name"),
        source=path,
        severities=tuple(severities),
        statuses=statuses,
        transitions=tuple(transitions),
        first_statuses=first,
        stabilized_status=milestones.get("stabilized"),
        resolved_status=milestones.get("resolved"),
        recurrence_status=fields.get("recurrence_status"),
        closed_statuses=closed,
        steps=tuple(steps),
        services=_keyed(fields.get("services", []), "service", ctx),
        categories=_keyed(fields.get("categories", []), "category", ctx),
        detection_channels=_unique_words(
            fields.get("detection_channels", []),
            "detection channel",
            fields,
            "detection_channels",
            ctx,
        ),
        follow_up_purposes=purposes,
        priorities=priorities,
        id_pattern=pattern,
        rules=rules,
    )
