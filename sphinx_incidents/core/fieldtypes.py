"""Field types: one definition used both to read YAML nodes and to write the JSON Schema.

Each type converts a :mod:`~sphinx_incidents.core.yamlnodes` node into a Python value or
reports a diagnostic, and describes itself as JSON Schema.  Because the loader and
``sphinx-incidents schema`` share these objects, the two cannot drift apart.

Plain (unquoted) scalars are where YAML 1.1 surprises live: ``no`` is a boolean, ``12:30`` is
the number 750, ``2024-03-01`` is a date.  Text fields refuse such plain scalars with a hint
to quote them, rather than silently converting them the way ``yaml.safe_load`` does.

The types read policy files as well as records, so they cannot depend on the policy
module: what they need of a policy (its enumerations and severity levels) is the small
:class:`Vocabulary` protocol defined here, which :class:`~sphinx_incidents.core.policy.Policy`
satisfies.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import urlsplit

from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.safetext import control_character, describe
from sphinx_incidents.core.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, node_kind


class Vocabulary(Protocol):
    """What field types need of a policy: the keys of its enumerations and its severities."""

    @property
    def severity_levels(self) -> tuple[int, ...]: ...

    def choices(self, source: str) -> tuple[str, ...]:
        """The allowed keys of one enumeration (``statuses``, ``services``, ...)."""
        ...


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
"""Returned by a conversion that failed; its diagnostic has been reported."""


@dataclass
class Context:
    """Where diagnostics go while one file is read."""

    path: str
    policy: Vocabulary | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    field: str | None = None  # the field being read, for messages: "'title'"
    people: Collection[str] | None = None  # the roster's handles, when there is a roster

    def naming(self) -> str:
        """`` for 'title'`` while a field is read (messages name it), else nothing."""
        return f" for {self.field}" if self.field else ""

    def report(
        self,
        where: tuple[int, int],
        code: str,
        message: str,
        hint: str | None = None,
        level: Level = Level.ERROR,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(self.path, where[0], where[1], code, level, message, hint)
        )

    def at(
        self,
        node: Node,
        code: str,
        message: str,
        hint: str | None = None,
        level: Level = Level.ERROR,
    ) -> None:
        self.report((node.line, node.column), code, message, hint, level)


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """A hint naming the closest choices, or listing them when few."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(choices) <= 8:
        return "allowed: " + ", ".join(choices)
    return None


# --- what YAML 1.1 would make of a plain scalar ---------------------------------------------

_BOOL_WORDS = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    ]
)
_NULL_WORDS = frozenset(["", "~", "null", "Null", "NULL"])
_INT_RE = re.compile(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_YAML_TIMESTAMP_RE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9].*)?$")


# The first characters of every null, bool, number and timestamp word above ("" is null).
_SPECIAL_FIRST = frozenset(["", *"~nNyYtTfFoO+-.0123456789"])


def yaml11_reading(node: ScalarNode) -> str | None:
    """What a YAML 1.1 loader would turn this plain scalar into, if not text."""
    if not node.plain:
        return None
    value = node.value
    if value[:1] not in _SPECIAL_FIRST:  # fast path: most text starts with another letter
        return None
    if value in _NULL_WORDS:
        return "nothing (null)"
    if value in _BOOL_WORDS:
        return "a boolean"
    if _INT_RE.match(value) or _FLOAT_RE.match(value):
        return "a number"
    if _YAML_TIMESTAMP_RE.match(value):
        return "a date"
    return None


# --- the types --------------------------------------------------------------------------------


class FieldType:
    """Base class: ``convert`` reads a node, ``json_schema`` describes the accepted values."""

    description = "a value"

    def convert(self, node: Node, ctx: Context) -> Any:
        raise NotImplementedError

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        raise NotImplementedError

    def _scalar(self, node: Node, ctx: Context) -> ScalarNode | None:
        if isinstance(node, ScalarNode):
            return node
        ctx.at(node, "INC004", f"expected {self.description}, found {node_kind(node)}")
        return None


@dataclass
class Text(FieldType):
    """A string.  Plain scalars YAML 1.1 would read as something else are refused."""

    min_length: int = 1
    max_length: int | None = None
    markdown: bool = False
    description: str = "text"

    def convert(self, node: Node, ctx: Context) -> Any:
        scalar = self._scalar(node, ctx)
        if scalar is None:
            return INVALID
        reading = yaml11_reading(scalar)
        if reading is not None:
            if reading.startswith("nothing"):
                ctx.at(
                    scalar,
                    "INC004",
                    f"expected {self.description}{ctx.naming()}, found nothing",
                    "fill the value in or remove the key",
                )
            else:
                ctx.at(
                    scalar,
                    "INC004",
                    f"'{scalar.value}' is read by YAML as {reading}, not {self.description}",
                    f'quote it: "{scalar.value}"',
                )
            return INVALID
        value = scalar.value
        bad = control_character(value)
        if bad is not None:
            ctx.at(
                scalar,
                "INC004",
                f"{self.description} contains the control character {describe(value[bad])}",
                "remove it: escapes such as \\e, \\a or \\x1b have no place in a record",
            )
            return INVALID
        if len(value.strip()) < self.min_length:
            ctx.at(
                scalar,
                "INC004",
                f"expected {self.description}{ctx.naming()}, found an empty string",
            )
            return INVALID
        if self.max_length is not None and len(value) > self.max_length:
            ctx.at(
                scalar,
                "INC004",
                f"too long: {len(value)} characters (at most {self.max_length})",
                "link to a longer document instead"
                if self.markdown
                else "keep it to one line a reader understands",
            )
            return INVALID
        return self.check(value, scalar, ctx)

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": self.min_length}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema


_HANDLE_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,38})")


@dataclass
class Handle(Text):
    """A person's handle, as in the roster (letters, digits, ``_ . -``)."""

    description: str = "a person handle"

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        if not _HANDLE_RE.fullmatch(value):
            ctx.at(
                node,
                "INC004",
                f"'{value}' is not a person handle",
                "use the handle from the roster: letters, digits, '_', '.', '-'",
            )
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{_HANDLE_RE.pattern}$"}


@dataclass
class PersonHandle(Handle):
    """A handle in a record that names someone (who recorded, led, did, hosted): with a roster,
    INC031 when the roster does not know them.

    Checked as the field is read, not by a rule on the loaded incident, so that a record with
    other errors (a missing field, a bad severity) reports its unknown people in the same run.
    """

    role: str = "person"

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        handle = super().check(value, node, ctx)
        if handle is not INVALID and ctx.people is not None and handle not in ctx.people:
            ctx.at(
                node,
                "INC031",
                f"{self.role} '{handle}' is not in the roster",
                did_you_mean(handle, sorted(ctx.people)),
            )
        return handle


# Printable ASCII only, no '[' ']' '@' in the host: urlsplit would give scheme http(s), a
# non-empty netloc, and no error; nothing in it is whitespace.  Anything else takes the full check.
_SIMPLE_URL_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?")
_WHITESPACE_RE = re.compile(r"\s")


@dataclass
class Url(Text):
    """An absolute http(s) URL; other schemes (``javascript:``) never reach a page."""

    description: str = "an http(s) URL"

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        if _SIMPLE_URL_RE.fullmatch(value):  # the common case, accepted without urlsplit
            return value
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. "Invalid IPv6 URL" for an unbalanced '['
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or _WHITESPACE_RE.search(value)  # \s is exactly str.isspace()
        ):
            ctx.at(
                node,
                "INC004",
                f"'{value}' is not an http(s) URL",
                "write the full address, starting with https://",
            )
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "pattern": r"^https?://[^\s/]+\S*$"}


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Email(Text):
    """An e-mail address (``name@example.org``), as ``git config user.email`` gives it."""

    description: str = "an e-mail address"

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        if not _EMAIL_RE.match(value):
            ctx.at(
                node,
                "INC004",
                f"'{value}' is not an e-mail address",
                "write it as `git config user.email` prints it, e.g. olga@example.org",
            )
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "string", "format": "email", "pattern": _EMAIL_RE.pattern}


@dataclass
class OneOf(Text):
    """One word from a fixed list the format itself defines (``visibility: private``)."""

    values: tuple[str, ...] = ()
    description: str = "a word"

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        if value not in self.values:
            ctx.at(
                node,
                "INC004",
                f"expected {' or '.join(self.values)}, found '{value}'",
                did_you_mean(value, self.values),
            )
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


_CHOICE_NOUNS = {
    "statuses": "status",
    "services": "service",
    "categories": "category",
    "detection_channels": "detection channel",
    "follow_up_purposes": "follow-up purpose",
    "priorities": "priority",
}


@dataclass
class Choice(Text):
    """One key from a list the policy defines (statuses, services, ...): INC021 otherwise."""

    source: str = ""
    description: str = "a key"

    def check(self, value: str, node: ScalarNode, ctx: Context) -> Any:
        if ctx.policy is None:
            return value
        allowed = ctx.policy.choices(self.source)
        if value not in allowed:
            noun = _CHOICE_NOUNS.get(self.source, self.source)
            ctx.at(node, "INC021", f"unknown {noun} '{value}'", did_you_mean(value, allowed))
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        if policy is None:
            return {"type": "string"}
        return {"type": "string", "enum": list(policy.choices(self.source))}


_WHOLE_RE = re.compile(r"[-+]?[0-9]+")
MAX_INT_DIGITS = 9
"""Digits a whole number in a record or policy may have, checked before ``int()``."""


@dataclass
class Integer(FieldType):
    description: str = "a whole number"

    def convert(self, node: Node, ctx: Context) -> Any:
        scalar = self._scalar(node, ctx)
        if scalar is None:
            return INVALID
        value = scalar.value
        if not scalar.plain:
            hint = "remove the quotes" if _WHOLE_RE.fullmatch(value) else None
            ctx.at(
                scalar, "INC004", f"expected {self.description}, found the string '{value}'", hint
            )
            return INVALID
        if not _WHOLE_RE.fullmatch(value):
            reading = yaml11_reading(scalar) or "text"
            ctx.at(scalar, "INC004", f"expected {self.description}, found {reading} '{value}'")
            return INVALID
        digits = len(value.lstrip("+-"))
        if digits > MAX_INT_DIGITS:  # int() of 4,300+ digits raises; any this long is wrong
            ctx.at(
                scalar,
                "INC004",
                f"number too large: {digits} digits (at most {MAX_INT_DIGITS})",
                "severities, levels and days are small numbers",
            )
            return INVALID
        return self.check(int(value), scalar, ctx)

    def check(self, value: int, node: ScalarNode, ctx: Context) -> Any:
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "integer"}


@dataclass
class SeverityLevel(Integer):
    """A severity level of the policy (INC020 when the policy has no such level)."""

    description: str = "a severity level"

    def check(self, value: int, node: ScalarNode, ctx: Context) -> Any:
        if ctx.policy is not None and value not in ctx.policy.severity_levels:
            levels = ", ".join(str(level) for level in ctx.policy.severity_levels)
            ctx.at(node, "INC020", f"severity {value} is not in the policy", f"allowed: {levels}")
            return INVALID
        return value

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        if policy is None:
            return {"type": "integer"}
        return {"type": "integer", "enum": list(policy.severity_levels)}


@dataclass
class Boolean(FieldType):
    description: str = "true or false"

    def convert(self, node: Node, ctx: Context) -> Any:
        scalar = self._scalar(node, ctx)
        if scalar is None:
            return INVALID
        if scalar.plain and scalar.value.lower() in ("true", "false"):
            return scalar.value.lower() == "true"
        hint = "write true or false"
        if not scalar.plain:
            hint = "remove the quotes: true or false"
        ctx.at(scalar, "INC004", f"expected true or false, found '{scalar.value}'", hint)
        return INVALID

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "boolean"}


MIN_YEAR = 1000
"""Years before 1000 are refused: formats and charts assume four-digit years (strftime writes
year 1 as ``1-01-01``; Mermaid's Gantt says "Invalid date")."""
_TIMESTAMP_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|z|[+-]\d{2}:?\d{2})$"
)


def parse_timestamp(value: str) -> datetime | str:
    """An aware datetime, or the reason the text is not an ISO 8601 timestamp with offset."""
    match = _TIMESTAMP_RE.match(value.strip())
    if not match:
        if _DATE_RE.match(value.strip()):
            return "a date without a time"
        return "not an ISO 8601 timestamp"
    day, clock, offset = match.groups()
    if offset is None:
        return "a timestamp without a UTC offset"
    if int(day[:4]) < MIN_YEAR:
        return f"a time before the year {MIN_YEAR}"
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}{offset}")
        moment.astimezone(UTC)  # year 1 or 9999 plus an offset leaves the calendar
    except ValueError as exc:
        return f"not a valid timestamp ({exc})"
    except OverflowError:
        return "out of range once converted to UTC"
    return moment


@dataclass
class Timestamp(FieldType):
    """ISO 8601 with an explicit offset; a missing offset is an error, never guessed."""

    description: str = "a timestamp with a UTC offset"

    def convert(self, node: Node, ctx: Context) -> Any:
        scalar = self._scalar(node, ctx)
        if scalar is None:
            return INVALID
        result = parse_timestamp(scalar.value)
        if isinstance(result, str):
            ctx.at(
                scalar,
                "INC004",
                f"'{scalar.value}' is {result}",
                "write e.g. 2024-03-01T09:12:00Z or 2024-03-01T11:12:00+02:00",
            )
            return INVALID
        return result

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "string", "pattern": TIMESTAMP_PATTERN}


@dataclass
class Date(FieldType):
    description: str = "a date (YYYY-MM-DD)"

    def convert(self, node: Node, ctx: Context) -> Any:
        scalar = self._scalar(node, ctx)
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if _DATE_RE.match(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if day.year >= MIN_YEAR:
                    return day
                ctx.at(scalar, "INC004", f"'{value}' is before the year {MIN_YEAR}")
                return INVALID
        ctx.at(scalar, "INC004", f"'{scalar.value}' is not a date", "write YYYY-MM-DD")
        return INVALID

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


MAX_ITEMS = 1000
"""Items any list may have, unless it says otherwise (see :class:`ListOf`)."""


@dataclass
class ListOf(FieldType):
    """A list of ``item``; more than ``max_items`` is INC015, checked before any item is read,
    so that a 1 MiB file of tiny items costs no more than its parse (every item becomes
    rows, chart bars and JSON on a page)."""

    item: FieldType = field(default_factory=Text)
    min_items: int = 0
    max_items: int = MAX_ITEMS
    noun: str = "items"

    @property
    def description(self) -> str:  # type: ignore[override]
        return "a list"

    def convert(self, node: Node, ctx: Context) -> Any:
        if not isinstance(node, SequenceNode):
            ctx.at(
                node,
                "INC004",
                f"expected a list, found {node_kind(node)}",
                "write one item per line, each starting with '- '",
            )
            return INVALID
        if len(node.items) < self.min_items:
            ctx.at(node, "INC004", f"expected at least {self.min_items} item(s), found none")
            return INVALID
        if len(node.items) > self.max_items:
            ctx.at(
                node,
                "INC015",
                f"too many {self.noun}: {len(node.items)} (at most {self.max_items})",
                "keep the record to what readers need; the limit bounds build time and memory",
            )
            return INVALID
        outer = ctx.field
        ctx.field = f"an item of {outer}" if outer else None
        try:
            values = [self.item.convert(item, ctx) for item in node.items]
        finally:
            ctx.field = outer
        return [value for value in values if value is not INVALID]

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema(policy)}
        if self.min_items:
            schema["minItems"] = self.min_items
        schema["maxItems"] = self.max_items
        return schema


@dataclass
class ListOrMapping(FieldType):
    """Either form of one field: a list (``as_list``) or a mapping (``as_mapping``)."""

    as_list: FieldType = field(default_factory=lambda: ListOf())
    as_mapping: FieldType = field(default_factory=lambda: Record())

    @property
    def description(self) -> str:  # type: ignore[override]
        return "a list or a mapping"

    def convert(self, node: Node, ctx: Context) -> Any:
        if isinstance(node, SequenceNode):
            return self.as_list.convert(node, ctx)
        if isinstance(node, MappingNode):
            return self.as_mapping.convert(node, ctx)
        ctx.at(node, "INC004", f"expected {self.description}, found {node_kind(node)}")
        return INVALID

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {"oneOf": [self.as_list.json_schema(policy), self.as_mapping.json_schema(policy)]}


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    required: bool = False
    description: str = ""


@dataclass
class Fields:
    """A converted mapping: values by field name, with the nodes that held them."""

    node: MappingNode
    values: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def pos(self, name: str) -> tuple[int, int]:
        """Line and column of a field's value, or of the mapping when it is absent."""
        pair = self.node.pairs.get(name)
        node: Node = pair[1] if pair else self.node
        return node.line, node.column

    def key_pos(self, name: str) -> tuple[int, int]:
        pair = self.node.pairs.get(name)
        node: Node = pair[0] if pair else self.node
        return node.line, node.column


TOP_LEVEL = frozenset(["incident", "roster", "policy", "rotation"])
"""Records whose fields messages name alone (``'title'``, not ``'title' of the incident``)."""


@dataclass
class Record(FieldType):
    """A mapping with known fields: INC002 for unknown keys, INC003 for missing ones."""

    name: str = "record"
    fields: tuple[Field, ...] = ()
    build: Callable[[Fields, Context], Any] | None = None

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"a mapping ({self.name})"

    @cached_property
    def _known(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def _required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def convert(self, node: Node, ctx: Context) -> Any:
        if not isinstance(node, MappingNode):
            ctx.at(node, "INC004", f"expected {self.description}, found {node_kind(node)}")
            return INVALID
        known = self._known
        values: dict[str, Any] = {}
        for key, (key_node, value_node) in node.pairs.items():
            spec = known.get(key)
            if spec is None:
                ctx.at(
                    key_node,
                    "INC002",
                    f"unknown field '{key}' in {self.name}",
                    did_you_mean(key, list(known)),
                )
                continue
            outer = ctx.field
            ctx.field = f"'{key}'" if self.name in TOP_LEVEL else f"'{key}' of the {self.name}"
            try:
                value = spec.type.convert(value_node, ctx)
            finally:
                ctx.field = outer
            if value is not INVALID:
                values[key] = value
        pairs = node.pairs
        for name in self._required:
            if name not in pairs:
                ctx.at(node, "INC003", f"required field '{name}' is missing in {self.name}")
        fields = Fields(node, values)
        return self.build(fields, ctx) if self.build else fields

    def json_schema(self, policy: Vocabulary | None) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in self.fields if f.required],
            "properties": {
                f.name: {"description": f.description, **f.type.json_schema(policy)}
                for f in self.fields
            },
        }
