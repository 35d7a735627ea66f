"""Hypothesis strategies for the fuzz session: hostile record bytes, file names, rosters,
policies and ``log`` arguments.

Values come from pools of what broke things before (control characters, 5,000-digit
numbers, YAML 1.1 words, delimiters, HTML and Mermaid syntax, years before 1000, ids with
newlines) mixed with random text, so that the search spends its budget near the edges.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

BUDGETS = {"short": 0.25, "default": 1.0, "long": 25.0}
"""Examples per test, as a multiple of each test's own count: ``FUZZ_BUDGET=short`` in CI
(about a minute), ``default`` for ``nox -s fuzz``, ``long`` before a release (an hour or
more)."""


def budget(examples: int) -> settings:
    """Hypothesis settings for a fuzz test worth ``examples`` at the default budget."""
    name = os.environ.get("FUZZ_BUDGET", "default")
    if name not in BUDGETS:
        raise ValueError(f"FUZZ_BUDGET={name!r}: one of {', '.join(BUDGETS)}")
    return settings(
        max_examples=max(1, round(examples * BUDGETS[name])),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


ROOT = Path(__file__).resolve().parents[2]
POLICY_TEXT = (ROOT / "sphinx_incidents" / "policies" / "openverse.yaml").read_text("utf-8")
ID = "2024-05-28-search-is-slow"
BASE = """\
title: "Search is slow"
severity: 3
services: [api]
detected: 2024-05-28T09:00:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Search took several seconds for some users."
impact: "Some users waited."
timeline:
  - at: 2024-05-28T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-28T10:00:00Z
    status: stabilized
    note: "Restarted the search pods."
follow_ups:
  - title: "Add a latency alert"
    url: https://github.com/example/site/issues/12
    purpose: prevention
links:
  - title: "Thread"
    url: https://example.org/thread
"""
ROSTER = """\
people:
  - handle: alex
    name: Alex Example
rotation:
  - week: 2024-05-27
    runner: alex
"""

HOSTILE_WORDS = [
    "\x1b[2J",
    "\x1b]0;PWNED\x07",
    "\x9b31m",
    "\x00",
    "\x7f",
    "\r",
    "\n",
    "\u2028",
    "\u202e",
    "\ufeff",
    "9" * 5000,
    "-" + "1" * 30,
    "no",
    "on",
    "~",
    "12:30",
    "0x1F",
    ".inf",
    "0001-01-01T00:00:00Z",
    "0999-12-31",
    "9999-12-31T23:59:59-01:00",
    "2024-02-30T00:00:00Z",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "A-->B[evil]",
    "click B call alert(1)",
    ".. raw:: html",
    "{incident}`x`",
    ":doc:`/etc/passwd`",
    "[" * 50,
    "**a" * 30,
    "`" * 40,
    "&a",
    "*a",
    "!!python/object:os.system",
    "%s%n",
    "{{7*7}}",
    "${x}",
    "../../etc/passwd",
    "stabilized",
    "resolved",
    "stabilization-pending",
    "prevention",
    "critical",
    "api",
    "alex",
    "3",
    "",
]
WORDS = st.sampled_from(HOSTILE_WORDS)
TEXT = st.lists(WORDS | st.text(max_size=12), max_size=6).map("".join)
SCALAR = (
    TEXT
    | st.integers(-(10**30), 10**30)
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=True)
    | st.dates()
)
VALUE = st.recursive(
    SCALAR,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            TEXT | st.sampled_from(["at", "status", "note", "title"]), children, max_size=4
        )
    ),
    max_leaves=12,
)
RECORD_KEYS = [
    "title",
    "severity",
    "category",
    "services",
    "detected",
    "detected_via",
    "recorded_by",
    "lead",
    "summary",
    "impact",
    "timeline",
    "follow_ups",
    "retrospective",
    "links",
    "related",
]


def _dump(data: Any, style: str | None, flow: bool | None) -> str:
    try:
        return yaml.safe_dump(
            data, allow_unicode=True, default_style=style, default_flow_style=flow, width=60
        )
    except (yaml.YAMLError, ValueError, TypeError):
        return ""


@st.composite
def structured_records(draw: st.DrawFn) -> bytes:
    """A YAML mapping of record fields (and others) with hostile values, dumped in a random
    style, starting from the valid record's values."""
    data: dict[Any, Any] = yaml.safe_load(BASE)
    for key in draw(st.lists(st.sampled_from(RECORD_KEYS), max_size=4)):
        data[key] = draw(VALUE)
    if draw(st.booleans()):
        data[draw(TEXT)] = draw(VALUE)
    events = draw(st.integers(0, 3))
    for _ in range(events):
        data.setdefault("timeline", [])
        if isinstance(data["timeline"], list):
            data["timeline"].append(
                {
                    draw(st.sampled_from(["at", "status", "severity", "lead", "note", "by"])): draw(
                        VALUE
                    )
                }
            )
    style = draw(st.sampled_from([None, "'", '"', "|"]))
    return _dump(data, style, draw(st.sampled_from([None, True, False]))).encode("utf-8")


_KEY_LINE = re.compile(r"^( *)(- )?([A-Za-z_]+):(.*)$")


@st.composite
def mutated_text(draw: st.DrawFn, base: str) -> bytes:
    """``base`` with a few lines' values replaced by hostile or random YAML text."""
    lines = base.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        match = _KEY_LINE.match(lines[index])
        if match is None:
            continue
        indent, dash, key, _ = match.groups()
        value = draw(
            st.sampled_from(HOSTILE_WORDS).map(lambda w: repr(w)[1:-1])  # YAML-ish escapes
            | TEXT.map(lambda t: '"' + t.encode("unicode_escape").decode("ascii") + '"')
            | st.text(max_size=20)
        )
        lines[index] = f"{indent}{dash or ''}{key}: {value}"
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=30)))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


RECORD_BYTES = (
    structured_records()
    | mutated_text(BASE)
    | st.binary(max_size=400)
    | st.sampled_from([b"", b"\xff\xfe", b"- 1\n", b"title: [\n", b"a: &a [*a]\n"])
)

# --- file names ---------------------------------------------------------------------------------

NAME_PIECES = st.sampled_from(
    [
        "2024-05-28-",
        "x",
        "-",
        "_",
        ".",
        " ",
        "\n",
        "\t",
        "\x1b[2J",
        "<img>",
        "`",
        ":",
        "é",
        "\u202e",
        "A",
        "..",
        "~",
        "$",
        "'",
        '"',
        "\\",
        "a" * 60,
    ]
)
FILE_NAMES = st.lists(NAME_PIECES | st.text(max_size=4), min_size=1, max_size=12).map("".join)
SUFFIXES = st.sampled_from([".yaml", ".yml", ".YAML", ".Yml", "", ".yaml.bak"])


def usable_name(name: str) -> bool:
    """What the file system lets us create (no '/', no NUL, at most 255 bytes)."""
    if not name or "/" in name or "\x00" in name or name in (".", ".."):
        return False
    try:
        encoded = os.fsencode(name)
    except UnicodeError:
        return False
    return len(encoded) <= 255


# --- rosters and policies ----------------------------------------------------------------------


@st.composite
def roster_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(mutated_text(ROSTER))
    people = draw(
        st.lists(
            st.fixed_dictionaries({"handle": TEXT | st.just("alex"), "name": VALUE}),
            max_size=4,
        )
    )
    rotation = draw(st.lists(st.fixed_dictionaries({"week": VALUE, "runner": TEXT}), max_size=3))
    data: dict[str, Any] = {"people": people, "rotation": rotation}
    if draw(st.booleans()):
        data[draw(TEXT)] = draw(VALUE)
    return _dump(data, draw(st.sampled_from([None, '"'])), None).encode("utf-8")


POLICY_BYTES = mutated_text(POLICY_TEXT) | st.binary(max_size=200)

# --- log arguments ------------------------------------------------------------------------------

OPTION_VALUE = WORDS | st.text(max_size=30) | st.integers(-(10**40), 10**40).map(str)


@st.composite
def log_arguments(draw: st.DrawFn) -> list[str]:
    """``log`` options: at least one of --status, --severity, --lead, --note."""
    args: list[str] = []
    chosen = draw(
        st.lists(
            st.sampled_from(["--status", "--severity", "--lead", "--note", "--by", "--at"]),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    for option in chosen:
        args += [option, draw(OPTION_VALUE)]
    if draw(st.booleans()):
        args.append("--force")
    return args
