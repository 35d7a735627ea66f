"""Hostile and random input: records are data, never code, and checking never crashes."""

from __future__ import annotations

import os
import re
import subprocess
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_incidents.core import fieldtypes
from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.codes import CODES, level_of
from sphinx_incidents.core.fieldtypes import INVALID, Context, Url, yaml11_reading
from sphinx_incidents.core.policy import PolicyError, load_policy, parse_policy
from sphinx_incidents.core.records import load_roster
from sphinx_incidents.core.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, load_nodes

HERE = Path(__file__).parent
RECORDS = HERE / "fixtures" / "records"
ROSTER = RECORDS / "_roster.yaml"
VALID = RECORDS / "valid"
NOW = resolve_now("2024-06-01T00:00:00Z")
POLICY = load_policy()

FAST = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def billion_laughs(levels: int = 10, width: int = 10) -> bytes:
    lines = ['lol0: &l0 "lol"']
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"lol{level}: &l{level} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


def test_billion_laughs_is_refused_fast_and_small() -> None:
    data = billion_laughs()
    tracemalloc.start()
    try:
        started = time.perf_counter()
        root, diagnostics = load_nodes(data, "laughs.yaml")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert root is None
    [d] = diagnostics
    assert (d.code, d.line, d.column) == ("INC001", 1, 7)
    assert "anchors are not allowed" in d.message
    assert elapsed < 1.0
    assert peak < 50 * 1024 * 1024


def test_billion_laughs_as_a_record_roster_and_policy(tmp_path: Path) -> None:
    record = tmp_path / "2024-05-28-laughs.yaml"
    record.write_bytes(billion_laughs())
    started = time.perf_counter()
    result = check_paths([record], POLICY, NOW, find_roster=False, base=tmp_path)
    assert time.perf_counter() - started < 1.0
    assert [(d.code, d.line) for d in result.diagnostics] == [("INC001", 1)]
    roster, ctx = load_roster(record, "roster.yaml")
    assert roster is None and [d.code for d in ctx.diagnostics] == ["INC001"]
    with pytest.raises(PolicyError) as info:
        parse_policy(billion_laughs(), "policy.yaml")
    assert [d.code for d in info.value.diagnostics] == ["POLICY"]


def test_deep_nesting_is_refused_fast(tmp_path: Path) -> None:
    for data in (
        b"a: " + b"[" * 100_000,
        b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(3000)),
    ):
        started = time.perf_counter()
        root, diagnostics = load_nodes(data, "deep.yaml")
        assert time.perf_counter() - started < 1.0
        assert root is None and [d.code for d in diagnostics] == ["INC001"]


@pytest.mark.parametrize(
    "payload",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object/apply:subprocess.check_call [[touch, {marker}]]",
        '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!!python/object:pathlib.Path {{}}",
        "!!python/module:os",
        "!!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]",
    ],
)
def test_python_tags_run_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    calls: list[object] = []

    def spy(*args: object, **kwargs: object) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(os, "system", spy)
    monkeypatch.setattr(subprocess, "Popen", spy)
    monkeypatch.setattr(subprocess, "check_call", spy)
    marker = tmp_path / "pwned"
    text = 'title: "x"\nsummary: ' + payload.format(marker=marker) + "\n"
    for where in ("summary", "nested"):
        if where == "nested":
            text = 'title: "x"\ntimeline:\n  - note: ' + payload.format(marker=marker) + "\n"
        root, diagnostics = load_nodes(text.encode(), "tag.yaml")
        assert root is None
        [d] = diagnostics
        assert d.code == "INC001" and "tags are not allowed" in d.message
        record = tmp_path / "2024-05-28-tag.yaml"
        record.write_text(text, encoding="utf-8")
        result = check_paths([record], POLICY, NOW, find_roster=False, base=tmp_path)
        assert [x.code for x in result.diagnostics] == ["INC001"]
    assert calls == []
    assert not marker.exists()


def test_no_python_objects_in_the_node_tree() -> None:
    text = (VALID / "2024-05-02-recurrence.yaml").read_bytes()
    root, diagnostics = load_nodes(text, "r.yaml")
    assert diagnostics == [] and isinstance(root, MappingNode)

    def walk(node: Node) -> None:
        if isinstance(node, ScalarNode):
            assert type(node.value) is str
        elif isinstance(node, SequenceNode):
            for item in node.items:
                walk(item)
        else:
            for key, (key_node, value) in node.pairs.items():
                assert type(key) is str and key_node.value == key
                walk(value)

    walk(root)


# --- property tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("random-records")


def assert_sane(result: CheckResult) -> None:
    for d in result.diagnostics:
        assert d.line >= 1 and d.column >= 1, d
        assert d.code in CODES, d
        assert d.level is level_of(d.code), d
        assert d.message
    for incident in result.incidents:
        # Everything derived from a loaded incident works, whatever the record said.
        _ = (
            incident.current_status,
            incident.current_severity,
            incident.worst_severity,
            incident.current_lead,
            incident.leads,
            incident.recurrences,
            incident.is_open,
            incident.stabilized_at,
            incident.resolved_at,
            incident.time_to_stabilize,
            incident.time_to_resolve,
            incident.resolving_lead,
            incident.last_event_at,
            incident.time_in_status(NOW),
        )


def run_check(folder: Path, data: bytes, name: str = "2024-05-28-random.yaml") -> CheckResult:
    path = folder / name
    path.write_bytes(data)
    result = check_paths([path], POLICY, NOW, roster_path=ROSTER, base=folder)
    assert_sane(result)
    return result


YAML_PIECES = st.sampled_from(
    [
        "title",
        "severity",
        "timeline",
        "status",
        "at",
        "- ",
        ": ",
        "\n",
        "\n  ",
        "  ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "&a ",
        "*a",
        "!!str ",
        "!t ",
        "'",
        '"',
        "# ",
        "|\n",
        ">-\n",
        "---\n",
        "...\n",
        "? ",
        "%YAML 1.1\n",
        "%TAG ! tag:x,2000:\n",
        "no",
        "12:30",
        "2024-05-28T09:00:00Z",
        "~",
        "@",
        "`",
        "\t",
        "\\",
        "\x00",
        "\ufeff",
        "é",
        "\u2028",
        "\r\n",
    ]
)
YAMLISH = st.lists(YAML_PIECES | st.text(max_size=3), max_size=60).map("".join)


@FAST
@given(text=st.text(max_size=300) | YAMLISH)
def test_random_text_never_raises(workdir: Path, text: str) -> None:
    data = text.encode("utf-8")
    root, diagnostics = load_nodes(data, "random.yaml")
    assert root is None or isinstance(root, MappingNode)
    assert all(d.line >= 1 and d.column >= 1 for d in diagnostics)
    run_check(workdir, data)


@FAST
@given(data=st.binary(max_size=300))
def test_random_bytes_never_raise(workdir: Path, data: bytes) -> None:
    load_nodes(data, "random.yaml")
    run_check(workdir, data)


# Mutations of valid records: data-level ones (delete a key, replace a value, swap events)
# before dumping, text-level ones (duplicate a key, raw YAML 1.1 scalars, random unicode) after.

BASES = [
    yaml.safe_load((VALID / name).read_text(encoding="utf-8"))
    for name in ("2024-05-02-recurrence.yaml", "2024-05-14-rotation-lead.yaml")
]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats()
    | st.text(max_size=20)
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(UTC))
    | st.sampled_from(["stabilized", "resolved", "prevention", "alex", "api", "3", ""])
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["at", "status"]), children, max_size=4
        )
    ),
    max_leaves=8,
)
RAW_SCALARS = st.sampled_from(
    [
        "no",
        "on",
        "yes",
        "12:30",
        "2024-03-01",
        '"3"',
        "~",
        "0x1F",
        ".inf",
        "-.5",
        "&a x",
        "*a",
        "!!str x",
        "[",
        "{a: b}",
        "[]",
        "{}",
        "|",
        "2024-05-28T09:00:00",
        "2024-05-28 09:00:00 +02:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00-23:59",
        "2024-05-28T09:00:00+99:99",
        "https://",
        "javascript:alert(1)",
        "'a''b'",
        "- x",
        "a: b",
        "\ud7ff",
        "\U0001f525",
    ]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.append((*prefix, k))
            found.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.append((*prefix, i))
            found.extend(_paths(v, (*prefix, i)))
    return found


def _parent(record: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        record = record[step]
    return record


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


KEY_LINE = re.compile(r"^( *)(- )?([A-Za-z_]+):(.*)$")


@FAST
@given(data=st.data())
def test_mutated_records_never_raise(workdir: Path, data: st.DataObject) -> None:
    record = _copy(data.draw(st.sampled_from(BASES), label="base"))
    operations = data.draw(
        st.lists(
            st.sampled_from(["delete", "replace", "swap", "duplicate", "raw", "unicode"]),
            min_size=1,
            max_size=3,
        ),
        label="operations",
    )
    for operation in (op for op in operations if op in ("delete", "replace", "swap")):
        paths = _paths(record)
        if operation == "swap":
            events = record.get("timeline")
            if isinstance(events, list) and len(events) >= 2:
                i = data.draw(st.integers(0, len(events) - 1))
                j = data.draw(st.integers(0, len(events) - 1))
                events[i], events[j] = events[j], events[i]
            continue
        if not paths:
            continue
        path = data.draw(st.sampled_from(paths), label="path")
        parent = _parent(record, path)
        if operation == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(VALUES, label="value")
    text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=1000)
    lines = text.splitlines()
    for operation in (op for op in operations if op in ("duplicate", "raw", "unicode")):
        keyed = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
        if operation == "unicode" or not keyed:
            where = data.draw(st.integers(0, len(text)), label="offset")
            text = "\n".join(lines)
            text = text[:where] + data.draw(st.text(min_size=1, max_size=5)) + text[where:]
            lines = text.splitlines()
            continue
        index = data.draw(st.sampled_from(keyed), label="line")
        match = KEY_LINE.match(lines[index])
        assert match is not None
        indent = " " * (len(match[1]) + len(match[2] or ""))
        if operation == "duplicate":
            lines.insert(index + 1, f"{indent}{match[3]}:{match[4]}")
        else:
            lines[index] = f"{match[1]}{match[2] or ''}{match[3]}: {data.draw(RAW_SCALARS)}"
    run_check(workdir, ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))


def test_unmutated_bases_are_valid(workdir: Path) -> None:
    for record in BASES:
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=1000)
        name = f"2024-05-28-{record['title'][:5].lower()}.yaml"
        result = run_check(workdir, text.encode(), name=name.replace(" ", "-"))
        assert result.diagnostics == [], [d.format_text() for d in result.diagnostics]


def test_dates_and_datetimes_survive_the_dump() -> None:
    # The bases hold real datetimes, so dumping them writes timestamps the loader reads.
    assert isinstance(BASES[0]["detected"], datetime)
    assert isinstance(BASES[1]["retrospective"]["date"], date)


# --- fast paths agree with the plain definitions -------------------------------------------------


def _reference_url_ok(value: str) -> bool:
    """The definition of an acceptable URL, written the slow and obvious way."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(c.isspace() for c in value)
    )


URLISH = st.lists(
    st.sampled_from(
        [
            *("http", "https", "HTTPS", "ftp", "javascript", ":", "//", "/", "?", "#", "[", "]"),
            *("@", "x", "a.b", "-", ":80", "é", " ", "\t", "\x00", "\x01", "\u00a0", "%20", "~"),
        ]
    )
    | st.text(max_size=3),
    max_size=12,
).map("".join)


@FAST
@given(value=URLISH | st.text(max_size=40))
def test_url_check_matches_its_definition(value: str) -> None:
    ctx = Context("x.yaml")
    node = ScalarNode(1, 1, value, False)
    accepted = Url().check(value, node, ctx) is not INVALID
    assert accepted is _reference_url_ok(value)
    assert accepted is (ctx.diagnostics == [])


@pytest.mark.parametrize("value", ["https://[x", "http://x]", "https://a:b@[::1"])
def test_url_that_urlsplit_refuses_is_inc004_not_a_crash(value: str) -> None:
    ctx = Context("x.yaml")
    assert Url().check(value, ScalarNode(1, 1, value, False), ctx) is INVALID
    assert [d.code for d in ctx.diagnostics] == ["INC004"]


def _reference_reading(value: str) -> str | None:
    """yaml11_reading without its first-character shortcut: every word list, every pattern."""
    if value in fieldtypes._NULL_WORDS:
        return "nothing (null)"
    if value in fieldtypes._BOOL_WORDS:
        return "a boolean"
    if fieldtypes._INT_RE.match(value) or fieldtypes._FLOAT_RE.match(value):
        return "a number"
    if fieldtypes._YAML_TIMESTAMP_RE.match(value):
        return "a date"
    return None


def _pyyaml_converts(value: str) -> bool:
    """Whether PyYAML's own YAML 1.1 resolver reads this plain scalar as something not text."""
    resolved = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    kinds = ("null", "bool", "int", "float", "timestamp")
    return resolved in {f"tag:yaml.org,2002:{kind}" for kind in kinds}


SCALARISH = st.lists(
    st.sampled_from([*"0123456789+-._:eEoOxXbBnNyYtTfF~ ", "inf", "nan", "ull", "es", "rue"]),
    max_size=10,
).map("".join)


@FAST
@given(value=SCALARISH | st.text(max_size=12))
def test_yaml11_reading_agrees_with_its_definition(value: str) -> None:
    reading = yaml11_reading(ScalarNode(1, 1, value, True))
    assert reading == _reference_reading(value)
    # Whatever PyYAML would silently convert, we refuse as text (we are stricter: y, n).
    if _pyyaml_converts(value):
        assert reading is not None, value
    assert yaml11_reading(ScalarNode(1, 1, value, False)) is None  # quoted: always text
