"""The response policy: loaded from YAML shipped in the package or written by the team.

Everything that differs between teams (severities, statuses, the status graph, steps,
services, rule settings and levels) lives in the policy file, so validation, graphs, tables
and docs follow it.  A policy file may ``extends:`` a shipped policy by name
(``extends: openverse-five-steps``) or another file by a path relative to itself, and say
only what differs: its top-level keys replace the base's, and ``rules:`` merges key by key.

A broken policy file is refused with :class:`PolicyError`, whose diagnostics are located in
the file that holds the problem (``_policy.yaml:12:3: POLICY ...``, or the base file), all
with the code ``POLICY``: record codes are about records, and a policy can turn those off.

The typed result is :class:`~sphinx_incidents.core.policymodel.Policy` (re-exported here);
the file's field tables are :mod:`sphinx_incidents.core.policyschema`.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.fieldtypes import INVALID, Context, Fields, did_you_mean
from sphinx_incidents.core.policymodel import (
    Category,
    Keyed,
    Policy,
    PolicyError,
    RuleSettings,
    Severity,
    Status,
    Step,
)
from sphinx_incidents.core.policyschema import CODE_RE, OFF, POLICY, REQUIRABLE, REQUIRED
from sphinx_incidents.core.project import POLICY_NAME
from sphinx_incidents.core.recordfiles import escaping_symlink
from sphinx_incidents.core.safefiles import UnreadableFile, read_limited
from sphinx_incidents.core.yamlnodes import MAX_BYTES, load_nodes

__all__ = [
    "DEFAULT_ID_PATTERN",
    "POLICY_DIR",
    "Category",
    "Keyed",
    "Policy",
    "PolicyError",
    "RuleSettings",
    "Severity",
    "Status",
    "Step",
    "load_policy",
    "parse_policy",
    "resolve_policy_path",
    "shipped_policies",
    "shipped_policy_path",
]

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
MAX_RULE_DAYS = 36_500  # rule settings in days become timedeltas: keep them in range
MAX_WINDOW_HOURS = MAX_RULE_DAYS * 24
MAX_EXTENDS = 8  # a chain longer than this is a mistake, not a policy
DEFAULT_ID_PATTERN = r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$"
PATH_SUFFIXES = (".yaml", ".yml")


def shipped_policies() -> tuple[str, ...]:
    """Names of the policies shipped in the package (``policies/<name>.yaml``)."""
    return tuple(sorted(path.stem for path in POLICY_DIR.glob("*.yaml")))


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


def _unreadable(shown: str, message: str, hint: str | None = None) -> PolicyError:
    return PolicyError([Diagnostic(shown, 1, 1, "POLICY", Level.ERROR, message, hint)], True)


def load_policy(spec: str | Path = "openverse", base: Path | None = None) -> Policy:
    """Load and check a policy; raise :class:`PolicyError` when it is broken or unreadable."""
    path = resolve_policy_path(spec, base)
    shown = str(path)
    escape = escaping_symlink(path, path.parent) if path.name == POLICY_NAME else None
    if escape is not None:  # a records folder's own policy: never a file of the machine
        raise _unreadable(shown, escape.message, "share a policy with extends: instead")
    try:
        data = read_limited(path, MAX_BYTES)
    except UnreadableFile as exc:
        shipped = shipped_policies()
        listed = ", ".join(shipped)
        reason = exc.reason.removeprefix("cannot read file: ")
        message = f"cannot read policy file: {reason}"
        hint = (
            exc.hint
            if exc.too_large
            else f"use a shipped policy ({listed}) or a path to a YAML file"
        )
        name = str(spec)
        looks_like_a_name = not any(c in name for c in "/\\") and not name.endswith(PATH_SUFFIXES)
        if not path.exists() and looks_like_a_name:  # a typo, likely
            message = f"'{name}' is not a shipped policy ({listed}), nor a policy file ({shown})"
            close = difflib.get_close_matches(name, shipped, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else hint
        raise _unreadable(shown, message, hint) from None
    return parse_policy(data, shown, path)


def parse_policy(data: bytes, path: str, file: Path | None = None) -> Policy:
    """The policy in ``data``, shown as ``path``; ``file`` (default: ``path``) is where a
    relative ``extends:`` is resolved from."""
    reader = _Reader()
    layers = reader.layers(data, path, Path(path) if file is None else file, [])
    if layers is None or reader.diagnostics():
        raise PolicyError(reader.diagnostics())
    merged = _Merged(layers)
    merged.check_required()
    if reader.diagnostics():
        raise PolicyError(reader.diagnostics())
    policy = _build(merged)
    if reader.diagnostics():
        raise PolicyError(reader.diagnostics())
    return policy


# --- reading files and what they extend -------------------------------------------------------


@dataclass
class _Layer:
    """One file of an ``extends:`` chain, converted on its own (errors located in it)."""

    shown: str
    ctx: Context
    fields: Fields


class _Reader:
    def __init__(self) -> None:
        self.contexts: list[Context] = []

    def diagnostics(self) -> list[Diagnostic]:
        """Everything reported so far, as ``POLICY`` errors, in file order."""
        found = [d for ctx in self.contexts for d in ctx.diagnostics]
        return [replace(d, code="POLICY", level=Level.ERROR) for d in found]

    def layers(self, data: bytes, shown: str, file: Path, chain: list[str]) -> list[_Layer] | None:
        """The layers of ``data`` and of what it extends, base first; ``None`` when one
        cannot be read at all (its problems are reported)."""
        root, problems = load_nodes(data, shown)
        ctx = Context(shown, None, problems)
        self.contexts.append(ctx)
        if root is None:
            return None
        fields = POLICY.convert(root, ctx)
        if fields is INVALID:
            return None
        assert isinstance(fields, Fields)
        layer = _Layer(shown, ctx, fields)
        spec = fields.get("extends")
        if spec is None:
            return None if "extends" in fields.node.pairs else [layer]
        here = os.path.realpath(file)
        base = self._base(spec, file, shown, layer, [*chain, here])
        if base is None:
            return None
        base_file, base_shown, data_of_base = base
        below = self.layers(data_of_base, base_shown, base_file, [*chain, here])
        return None if below is None else [*below, layer]

    def _base(
        self, spec: str, file: Path, shown: str, layer: _Layer, chain: list[str]
    ) -> tuple[Path, str, bytes] | None:
        """The file ``extends: spec`` names, its shown path and bytes; ``None`` (reported)
        when it is unknown, unreadable, or part of a cycle."""
        where = layer.fields.pos("extends")
        names = shipped_policies()
        if spec.endswith(PATH_SUFFIXES) or "/" in spec or os.sep in spec:
            target = file.parent / spec
            target_shown = os.path.normpath(os.path.join(os.path.dirname(shown), spec))
        elif spec in names:
            target = shipped_policy_path(spec)
            target_shown = str(target)
        else:
            layer.ctx.report(
                where,
                "POLICY",
                f"extends: '{spec}' is not a shipped policy",
                (did_you_mean(spec, names) or "shipped: " + ", ".join(names))
                + "; a file is named by a path ending in .yaml, relative to this file",
            )
            return None
        real = os.path.realpath(target)
        if real in chain:
            cycle = [*chain[chain.index(real) :], real]
            layer.ctx.report(
                where,
                "POLICY",
                "extends: a cycle: " + " -> ".join(Path(p).name for p in cycle),
                "a policy cannot extend itself, directly or through another file",
            )
            return None
        if len(chain) >= MAX_EXTENDS:
            layer.ctx.report(where, "POLICY", f"extends: more than {MAX_EXTENDS} files deep")
            return None
        try:
            data = read_limited(target, MAX_BYTES)
        except UnreadableFile as exc:
            layer.ctx.report(
                where,
                "POLICY",
                f"extends: cannot read '{target_shown}': "
                + exc.reason.removeprefix("cannot read file: "),
                "the path is relative to this file; shipped: " + ", ".join(names),
            )
            return None
        return target, target_shown, data


class _Merged:
    """The layers merged: each top-level key from the last layer that has it, ``rules``
    key by key; every value remembers its layer, so problems are located in its file."""

    def __init__(self, layers: list[_Layer]) -> None:
        self.child = layers[-1]
        self.values: dict[str, Any] = {}
        self.owners: dict[str, _Layer] = {}
        self.rules: dict[str, Any] = {}
        self.rule_owners: dict[str, tuple[Context, Fields]] = {}
        for layer in layers:
            for key, value in layer.fields.values.items():
                if key == "extends":
                    continue
                if key == "rules":
                    for name, setting in value.values.items():
                        self.rules[name] = setting
                        self.rule_owners[name] = (layer.ctx, value)
                    continue
                self.values[key] = value
                self.owners[key] = layer

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def ctx(self, key: str) -> Context:
        """The context of the file holding ``key`` (reports go to that file)."""
        return self.owners[key].ctx if key in self.owners else self.child.ctx

    def pos(self, key: str) -> tuple[int, int]:
        return self.owners[key].fields.pos(key) if key in self.owners else (1, 1)

    def report(self, key: str, message: str, hint: str | None = None) -> None:
        self.ctx(key).report(self.pos(key), "POLICY", message, hint)

    def report_rule(self, name: str, message: str, hint: str | None = None) -> None:
        ctx, fields = self.rule_owners[name]
        ctx.report(fields.pos(name), "POLICY", message, hint)

    def check_required(self) -> None:
        child = self.child
        for key in REQUIRED:
            if key not in self.values:
                child.ctx.report(
                    (child.fields.node.line, child.fields.node.column),
                    "POLICY",
                    f"required field '{key}' is missing in policy",
                    "add it, or extends: a policy that has it ("
                    + ", ".join(shipped_policies())
                    + " are shipped)",
                )


# --- from merged fields to a Policy -----------------------------------------------------------


def _keyed(merged: _Merged, key: str, what: str) -> tuple[Keyed, ...]:
    seen: set[str] = set()
    result = []
    for item in merged.get(key, []):
        name = item.get("key")
        if name in seen:
            merged.ctx(key).report(item.pos("key"), "POLICY", f"duplicate {what} key '{name}'")
        seen.add(name)
        result.append(Keyed(name, item.get("label") or name, item.get("description") or ""))
    return tuple(result)


def _categories(merged: _Merged) -> tuple[Category, ...]:
    items = merged.get("categories", [])
    return tuple(
        Category(keyed.key, keyed.label, keyed.description, item.get("visibility") or "public")
        for keyed, item in zip(_keyed(merged, "categories", "category"), items, strict=True)
    )


def _statuses(merged: _Merged) -> tuple[Status, ...]:
    ctx = merged.ctx("statuses")
    seen: set[str] = set()
    result = []
    for item in merged.get("statuses", []):
        name = item.get("key")
        if name in seen:
            ctx.report(item.pos("key"), "POLICY", f"duplicate status key '{name}'")
        seen.add(name)
        requires = tuple(item.get("requires", []))
        for field_name in requires:
            if field_name not in REQUIRABLE:
                ctx.report(
                    item.pos("requires"),
                    "POLICY",
                    f"status '{name}' requires '{field_name}', which a status cannot require",
                    did_you_mean(field_name, REQUIRABLE),
                )
        result.append(
            Status(
                name,
                item.get("label") or name,
                item.get("description") or "",
                item.get("tag"),
                requires,
            )
        )
    return tuple(result)


def _unique_words(merged: _Merged, key: str, what: str) -> tuple[str, ...]:
    words: list[str] = merged.get(key, [])
    if len(set(words)) != len(words):
        duplicates = sorted({w for w in words if words.count(w) > 1})
        merged.report(key, f"duplicate {what}: {', '.join(duplicates)}")
    return tuple(words)


def _check_reachable(
    merged: _Merged,
    first: tuple[str, ...],
    closed: tuple[str, ...],
    transitions: list[tuple[str, str]],
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
        merged.report(
            "first_statuses",
            f"no path in the status graph from first status {names} to a closed status "
            f"({', '.join(closed)})",
            "add a transition, so that incidents starting there can be resolved",
        )


def _severities(merged: _Merged) -> tuple[Severity, ...]:
    severities: list[Severity] = []
    for item in merged.get("severities", []):
        level = item.get("level")
        if any(s.level == level for s in severities):
            merged.ctx("severities").report(
                item.pos("level"), "POLICY", f"duplicate severity level {level}"
            )
        severities.append(
            Severity(level, item.get("name"), item.get("description") or "", item.get("tag"))
        )
    return tuple(severities)


def _build(merged: _Merged) -> Policy:
    severities = _severities(merged)
    statuses = _statuses(merged)
    status_keys = sorted(s.key for s in statuses)

    unknown: list[str] = []

    def known(status: str, key: str, where: tuple[int, int], role: str) -> None:
        if status not in status_keys:
            unknown.append(status)
            merged.ctx(key).report(
                where,
                "POLICY",
                f"{role} names unknown status '{status}'",
                "known: " + ", ".join(status_keys),
            )

    transitions: list[tuple[str, str]] = []
    for item in merged.get("transitions", []):
        pair = (item.get("from"), item.get("to"))
        known(pair[0], "transitions", item.pos("from"), "transition")
        known(pair[1], "transitions", item.pos("to"), "transition")
        if pair in transitions:
            merged.ctx("transitions").report(
                item.pos("from"), "POLICY", f"duplicate transition {pair[0]} -> {pair[1]}"
            )
        transitions.append(pair)
    first = _unique_words(merged, "first_statuses", "first status")
    for status in first:
        known(status, "first_statuses", merged.pos("first_statuses"), "first_statuses")
    milestones: Fields = merged.get("milestones")
    for name in ("stabilized", "resolved"):
        known(milestones.get(name), "milestones", milestones.pos(name), f"milestones.{name}")
    recurrence = merged.get("recurrence_status")
    known(recurrence, "recurrence_status", merged.pos("recurrence_status"), "recurrence_status")
    closed = _unique_words(merged, "closed_statuses", "closed status")
    for status in closed:
        known(status, "closed_statuses", merged.pos("closed_statuses"), "closed_statuses")
    if not unknown:  # a graph with unknown statuses is reported already
        _check_reachable(merged, first, closed, transitions)
    steps = []
    for item in merged.get("steps", []):
        for status in item.get("status_after", []):
            known(status, "steps", item.pos("status_after"), f"step {item.get('name')}")
        steps.append(
            Step(
                item.get("name"),
                item.get("goal") or "",
                tuple(item.get("status_after", [])),
                item.get("tag"),
                item.get("status_note"),
            )
        )
    purposes = _keyed(merged, "follow_up_purposes", "follow-up purpose")
    priorities = _unique_words(merged, "priorities", "priority")
    pattern = merged.get("id_pattern") or DEFAULT_ID_PATTERN
    try:
        re.compile(pattern)
    except re.error as exc:
        merged.report("id_pattern", f"id_pattern is not a regular expression: {exc}")
    rules, levels = _rules(merged, {p.key for p in purposes}, priorities)
    return Policy(
        name=merged.get("name"),
        title=merged.get("title") or merged.get("name"),
        source=merged.child.shown,
        severities=severities,
        statuses=statuses,
        transitions=tuple(transitions),
        first_statuses=first,
        stabilized_status=milestones.get("stabilized"),
        resolved_status=milestones.get("resolved"),
        recurrence_status=recurrence,
        closed_statuses=closed,
        steps=tuple(steps),
        services=_keyed(merged, "services", "service"),
        categories=_categories(merged),
        detection_channels=_unique_words(merged, "detection_channels", "detection channel"),
        follow_up_purposes=purposes,
        priorities=priorities,
        id_pattern=pattern,
        rules=rules,
        levels=levels,
    )


def _rules(
    merged: _Merged, purposes: set[str], priorities: tuple[str, ...]
) -> tuple[RuleSettings, dict[str, Level | None]]:
    values: dict[str, Any] = {}
    levels: dict[str, Level | None] = {}
    for name, value in merged.rules.items():
        if CODE_RE.match(name):
            levels[name] = None if value == OFF else Level(value)
        elif name == "critical_followup_severities":
            values[name] = tuple(value)
        else:
            values[name] = None if value == OFF else value
    rules = RuleSettings(**values)
    limits = {
        "retro_due_days": (MAX_RULE_DAYS, "days"),
        "stale_days": (MAX_RULE_DAYS, "days"),
        "recurrence_window_hours": (MAX_WINDOW_HOURS, "hours"),
    }
    for name, (limit, unit) in limits.items():
        value = getattr(rules, name)
        if name in values and value is not None and not 0 <= value <= limit:
            merged.report_rule(name, f"rules.{name} must be between 0 and {limit} {unit}, or off")
    for name, code in (("prevention_purpose", "INC041"), ("stabilization_purpose", "INC040")):
        if getattr(rules, name) not in purposes:
            _report_setting(
                merged,
                name,
                code in levels and levels[code] is None,
                f"rules.{name} names unknown follow-up purpose '{getattr(rules, name)}'",
            )
    if rules.critical_followup_priority not in priorities:
        _report_setting(
            merged,
            "critical_followup_priority",
            "INC040" in levels and levels["INC040"] is None,
            f"rules.critical_followup_priority names unknown priority "
            f"'{rules.critical_followup_priority}'",
        )
    return rules, levels


def _report_setting(merged: _Merged, name: str, rule_off: bool, message: str) -> None:
    """A rule parameter naming a key the policy's own lists do not have.

    A value the policy sets is always wrong; a default only matters while its rule is on.
    """
    if name in merged.rule_owners:
        merged.report_rule(name, message)
    elif not rule_off:
        merged.report(
            "follow_up_purposes" if name.endswith("purpose") else "priorities",
            message + " (the default)",
            f"set rules.{name} to one of the policy's keys, or turn its rule off",
        )
