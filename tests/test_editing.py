"""Unit tests of sphinx_incidents.core.editing: text insertion, quoting, ids, safe writes."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sphinx_incidents.core import editing
from sphinx_incidents.core.diagnostics import Diagnostic, Level
from sphinx_incidents.core.editing import (
    EditError,
    NewRecord,
    added,
    append_event,
    check_record_bytes,
    create_exclusive,
    event_index,
    format_timestamp,
    incident_id,
    insert_event,
    locked,
    slugify,
    write_atomic,
    yaml_quoted,
    yaml_word,
)
from sphinx_incidents.core.model import Person, Roster, RotationWeek
from sphinx_incidents.core.policy import load_policy
from sphinx_incidents.core.yamledit import insert_item, set_fields
from sphinx_incidents.core.yamlnodes import MappingNode, ScalarNode, SequenceNode, load_nodes

EVENT = {"at": "2024-03-01T10:00:00Z", "status": "stabilized", "by": "olga", "note": "Rolled back."}
NEW_LINES = [
    "- at: 2024-03-01T10:00:00Z",
    "  status: stabilized",
    "  by: olga",
    '  note: "Rolled back."',
]
NOW = datetime(2024, 3, 2, tzinfo=UTC)


def block(indent: int, dash_gap: int = 1) -> str:
    """The expected new event, at ``indent`` with ``dash_gap`` spaces after the dash."""
    key = indent + 1 + dash_gap
    first = " " * indent + "-" + " " * dash_gap + NEW_LINES[0][2:]
    return "\n".join([first] + [" " * key + line[2:] for line in NEW_LINES[1:]]) + "\n"


def only_inserted(before: str, after: str) -> str:
    """The one run of whole lines ``after`` adds to ``before``; fails if anything else changed."""
    added_length = len(after) - len(before)
    assert added_length > 0
    starts = [0] + [i + 1 for i, char in enumerate(after) if char == "\n"]
    for start in starts:
        chunk = after[start : start + added_length]
        if after[:start] + after[start + added_length :] == before and chunk.endswith("\n"):
            return chunk
    raise AssertionError(f"not a pure insertion of lines:\n{after}")


def timeline_items(text: str) -> list[MappingNode]:
    root, problems = load_nodes(text.encode("utf-8"), "x.yaml")
    assert isinstance(root, MappingNode), problems
    timeline = root.value("timeline")
    assert isinstance(timeline, SequenceNode)
    return [item for item in timeline.items if isinstance(item, MappingNode)]


# --- appending ------------------------------------------------------------------------------

TWO_SPACE = """\
title: "t"
timeline:
  - at: 2024-03-01T09:00:00Z
    status: stabilization-pending
follow_ups: []
"""
FOUR_SPACE = """\
title: "t"
timeline:
    - at: 2024-03-01T09:00:00Z
      status: stabilization-pending
links: []
"""
WIDE_DASH = """\
timeline:
  -   at: 2024-03-01T09:00:00Z
      status: stabilization-pending
title: t
"""
INDENTLESS = """\
timeline:
- at: 2024-03-01T09:00:00Z
  status: stabilization-pending
title: t
"""


@pytest.mark.parametrize(
    ("text", "indent", "gap"),
    [(TWO_SPACE, 2, 1), (FOUR_SPACE, 4, 1), (WIDE_DASH, 2, 3), (INDENTLESS, 0, 1)],
    ids=["2-space", "4-space", "dash-3-spaces", "indentless"],
)
def test_indentation_follows_the_last_item(text: str, indent: int, gap: int) -> None:
    result = append_event(text, EVENT)
    assert only_inserted(text, result) == block(indent, gap)
    items = timeline_items(result)
    assert len(items) == 2
    assert {k: v[1].value for k, v in items[1].pairs.items()} == {  # type: ignore[union-attr]
        k: str(v) for k, v in EVENT.items()
    }


def test_last_item_style_wins_over_earlier_ones() -> None:
    text = "timeline:\n  - at: 1\n    note: a\n  -   at: 2\n      note: b\nx: 1\n"
    assert only_inserted(text, append_event(text, EVENT)) == block(2, 3)


def test_comments_after_the_timeline_stay_after_the_new_event() -> None:
    text = (
        "timeline:\n"
        "  - at: 2024-03-01T09:00:00Z  # first page\n"
        "    status: stabilization-pending\n"
        "    # still part of the event\n"
        "\n"
        "# Tickets, filed later\n"
        "follow_ups: []\n"
    )
    result = append_event(text, EVENT)
    assert only_inserted(text, result) == block(2)
    assert result.index("# still part of the event") < result.index("status: stabilized")
    assert result.index("status: stabilized") < result.index("\n\n# Tickets, filed later")


def test_timeline_as_the_last_key_with_trailing_comments() -> None:
    text = "title: t\ntimeline:\n  - at: 1\n    note: a\n# the end\n#   - at: commented out\n"
    result = append_event(text, EVENT)
    assert result == "title: t\ntimeline:\n  - at: 1\n    note: a\n" + block(2) + (
        "# the end\n#   - at: commented out\n"
    )


def test_file_without_a_final_newline_keeps_it_that_way() -> None:
    text = 'title: t\ntimeline:\n  - at: 1\n    note: "a"  # trailing'
    result = append_event(text, EVENT)
    assert result == text + "\n" + block(2).rstrip("\n")
    assert len(timeline_items(result)) == 2


def test_crlf_line_endings_are_kept() -> None:
    text = TWO_SPACE.replace("\n", "\r\n")
    result = append_event(text, EVENT)
    assert only_inserted(text, result) == block(2).replace("\n", "\r\n")
    assert "\n" not in result.replace("\r\n", "")


def test_block_scalar_trailing_blank_lines_stay_after_the_event() -> None:
    text = "timeline:\n  - at: 1\n    note: |\n      two\n      lines\n\n\nlinks: []\n"
    result = append_event(text, EVENT)
    assert result == (
        "timeline:\n  - at: 1\n    note: |\n      two\n      lines\n" + block(2) + "\n\nlinks: []\n"
    )
    first = timeline_items(result)[0].value("note")
    assert isinstance(first, ScalarNode) and first.value == "two\nlines\n"


def test_keep_chomping_block_scalar_is_not_changed() -> None:
    text = "timeline:\n  - at: 1\n    note: |+\n      kept\n\nlinks: []\n"
    result = append_event(text, EVENT)
    first = timeline_items(result)[0].value("note")
    assert isinstance(first, ScalarNode) and first.value == "kept\n\n"
    only_inserted(text, result)


def test_block_scalar_at_end_of_file() -> None:
    text = "timeline:\n  - at: 1\n    note: >\n      folded"
    result = append_event(text, EVENT)
    assert result == text + "\n" + block(2).rstrip("\n")


def test_flow_mapping_item_and_bare_dash_item() -> None:
    flow = "timeline:\n  - {at: 1,\n     note: a}  # flow\nx: 1\n"
    assert only_inserted(flow, append_event(flow, EVENT)) == block(2)
    bare = "timeline:\n  -\n    at: 1\n    note: a\nx: 1\n"
    assert only_inserted(bare, append_event(bare, EVENT)) == block(2)


def test_byte_order_mark_and_document_markers() -> None:
    text = "\ufeff---\ntimeline:\n  - at: 1\n    note: a\n...\n"
    result = append_event(text, EVENT)
    assert result == "\ufeff---\ntimeline:\n  - at: 1\n    note: a\n" + block(2) + "...\n"


def test_duplicate_timeline_key_appends_to_the_one_the_loader_reads() -> None:
    text = "timeline:\n  - at: 1\n    note: a\ntimeline:\n  - at: 2\n    note: b\n"
    result = append_event(text, EVENT)
    assert result.index("status: stabilized") < result.index("timeline:", 5)


def test_tricky_values_are_quoted() -> None:
    event = {
        "at": "2024-03-01T10:00:00+02:00",
        "lead": "no",
        "by": "2024",
        "note": 'a: b # not a comment\n- "quoted" \\ \t',
    }
    result = append_event(TWO_SPACE, event)
    assert 'lead: "no"' in result and 'by: "2024"' in result
    item = timeline_items(result)[-1]
    assert {k: v[1].value for k, v in item.pairs.items()} == event  # type: ignore[union-attr]
    assert yaml.safe_load(result)["timeline"][-1]["note"] == event["note"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: t\ntimeline: [{at: 1, note: a}]\n", "flow style"),
        ("title: t\ntimeline:\n", "not a list"),
        ("title: t\ntimeline: {at: 1}\n", "not a list"),
        ("title: t\n", "no `timeline:`"),
        ("- a\n", "not readable"),
        ("title: [\n", "not readable"),
        ("a: &x 1\ntimeline:\n  - *x\n", "not readable"),
    ],
)
def test_refuses_what_it_cannot_edit_safely(text: str, message: str) -> None:
    with pytest.raises(EditError, match=message):
        append_event(text, EVENT)


def test_an_empty_flow_timeline_becomes_a_block_list() -> None:
    result = append_event("title: t\ntimeline: []\n", EVENT)
    assert result == "title: t\ntimeline:\n" + block(2)


def test_nested_timeline_key_is_not_the_timeline() -> None:
    text = "retrospective:\n  timeline:\n    - at: 1\ntitle: t\n"
    with pytest.raises(EditError, match="no `timeline:`"):
        append_event(text, EVENT)


# --- scalars, ids, timestamps -----------------------------------------------------------------


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_quoted_text_reads_back_exactly(value: str) -> None:
    text = f"note: {yaml_quoted(value)}\n"
    root, problems = load_nodes(text.encode("utf-8"), "x.yaml")
    assert isinstance(root, MappingNode), problems
    node = root.value("note")
    assert isinstance(node, ScalarNode) and node.value == value and not node.plain
    assert "\n" not in text[:-1]  # one line, whatever the text


def test_quoting_refuses_lone_surrogates() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        yaml_quoted("bad \udcff byte")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("olga", "olga"),
        ("stabilization-pending", "stabilization-pending"),
        ("no", '"no"'),
        ("On", '"On"'),
        ("12", '"12"'),
        ("1.5", '"1.5"'),
        ("2024-03-01", '"2024-03-01"'),
        ("a b", '"a b"'),
        ("x: y", '"x: y"'),
        ("", '""'),
        (2, "2"),
    ],
)
def test_words_are_plain_only_when_safe(value: str | int, written: str) -> None:
    assert yaml_word(value) == written


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("API search returns 500s", "api-search-returns-500s"),
        ("  Frontend: 502s -- after deploy!! ", "frontend-502s-after-deploy"),
        ("Can't log in (users' reports)", "cant-log-in-users-reports"),
        ("Café crème in São Paulo", "cafe-creme-in-sao-paulo"),
        ("검색 장애", "incident"),
        ("???", "incident"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_long_slugs_are_cut_at_a_word() -> None:
    slug = slugify("elasticsearch " * 10)
    assert len(slug) <= 60 and slug.endswith("elasticsearch") and "--" not in slug
    assert len(slugify("x" * 100)) == 60


def test_id_uses_the_utc_day_of_detection() -> None:
    detected = datetime(2026, 11, 19, 21, 48, tzinfo=timezone(timedelta(hours=-5)))
    assert incident_id(detected, "API down") == "2026-11-20-api-down"


def test_format_timestamp() -> None:
    assert format_timestamp(datetime(2024, 3, 1, 9, 12, tzinfo=UTC)) == "2024-03-01T09:12:00Z"
    plus_two = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2024, 3, 1, 9, tzinfo=plus_two)) == "2024-03-01T09:00:00+02:00"
    with pytest.raises(ValueError):
        format_timestamp(datetime(2024, 3, 1, 9))


# --- validation -----------------------------------------------------------------------------


def roster() -> Roster:
    people = [Person("olga", "Olga"), Person("zack", "Zack")]
    return Roster("_roster.yaml", people, [RotationWeek(datetime(2024, 2, 26).date(), "zack")])


def new_record(**changes: object) -> NewRecord:
    values: dict[str, object] = dict(
        title='Search "fails": no results',
        severity=1,
        detected=datetime(2024, 3, 1, 9, 12, tzinfo=UTC),
        detected_via="automated-alert",
        recorded_by="olga",
        lead="zack",
        status="stabilization-pending",
        services=["api"],
    )
    values.update(changes)
    return NewRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"status": "stabilized", "summary": "yes"},
        {"category": "community", "services": []},
        {"lead_comment": "the rotation runner", "schema": None},
    ],
)
def test_new_records_pass_check(changes: dict[str, object]) -> None:
    data = new_record(**changes).render().encode("utf-8")
    policy = load_policy()
    incident, diagnostics = check_record_bytes(
        data, "2024-03-01-x", "x.yaml", policy, roster(), NOW
    )
    assert diagnostics == []
    assert incident is not None and incident.title == 'Search "fails": no results'
    assert data.startswith(b"# yaml-language-server: $schema=_schema.json\n") == (
        "schema" not in changes
    )


def test_new_record_with_an_unknown_service_fails_check() -> None:
    data = new_record(services=["apii"]).render().encode("utf-8")
    _, diagnostics = check_record_bytes(data, "x", "x.yaml", load_policy(), None, NOW)
    assert [d.code for d in diagnostics] == ["INC021"]


def test_added_ignores_moved_lines_and_counts_repeats() -> None:
    def diag(line: int, code: str, message: str, level: Level = Level.ERROR) -> Diagnostic:
        return Diagnostic("x", line, 1, code, level, message)

    before = [diag(3, "INC002", "unknown field 'a'"), diag(9, "INC044", "stale", Level.WARNING)]
    after = [
        diag(3, "INC002", "unknown field 'a'"),
        diag(7, "INC002", "unknown field 'a'"),
        diag(12, "INC023", "bad move"),
    ]
    assert [d.line for d in added(before, after, Level.ERROR)] == [7, 12]
    assert added(before, after, Level.WARNING) == []


# --- writing --------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_write_atomic_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    write_atomic(link, b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_failure_before_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"old\n")

    def boom(target: Path) -> None:
        assert leftovers(tmp_path)  # the new bytes are in a temp file by now
        raise failure

    monkeypatch.setattr(editing, "_before_replace", boom)
    with pytest.raises(type(failure)):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_create_exclusive_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    create_exclusive(path, b"first\n")
    with pytest.raises(FileExistsError):
        create_exclusive(path, b"second\n")
    assert path.read_bytes() == b"first\n"
    assert leftovers(tmp_path) == []
    mode = stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_create_exclusive_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "r.yaml"
    create_exclusive(path, b"data\n")
    assert path.read_bytes() == b"data\n"
    with pytest.raises(FileExistsError):
        create_exclusive(path, b"other\n")
    assert path.read_bytes() == b"data\n" and leftovers(tmp_path) == []


def test_locked_follows_a_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"a\n")
    with locked(path):
        write_atomic(path, b"b\n")
    with locked(path):
        assert path.read_bytes() == b"b\n"
    with pytest.raises(FileNotFoundError), locked(tmp_path / "missing.yaml"):
        pass  # pragma: no cover


def test_locked_removes_temp_files_of_killed_writers_only(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"a\n")
    (tmp_path / ".r.yaml.k1ll3d.tmp").write_bytes(b"half")
    (tmp_path / ".other.yaml.abc.tmp").write_bytes(b"someone else's")
    with locked(path):
        assert leftovers(tmp_path) == [".other.yaml.abc.tmp"]


# --- inserting at a place in time, adding items, setting fields -------------------------------


THREE = """\
title: t  # keep me
timeline:
  - at: 2024-03-01T09:00:00Z
    status: stabilization-pending
    # about the first event
  # about the second event
  - at: 2024-03-01T10:00:00Z  # ten
    note: "b"
  - at: 2024-03-01T11:00:00+01:00
    note: c
links: []
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("moment", "index"),
    [
        ("2024-03-01T08:00:00Z", 0),
        ("2024-03-01T09:00:00Z", 1),  # the same time: after the events already there
        ("2024-03-01T09:30:00Z", 1),
        ("2024-03-01T10:00:00Z", 3),  # 11:00+01:00 is 10:00 UTC too
        ("2024-03-01T12:00:00Z", 3),
    ],
)
def test_event_index(moment: str, index: int) -> None:
    assert event_index(THREE, at(moment)) == index


def test_an_unreadable_time_stays_with_the_event_before_it() -> None:
    text = THREE.replace("at: 2024-03-01T10:00:00Z", "at: yesterday")
    assert event_index(text, at("2024-03-01T09:30:00Z")) == 2


def test_insert_in_the_middle_keeps_comments_with_their_events() -> None:
    result = insert_event(THREE, EVENT, 1)
    assert only_inserted(THREE, result) == block(2)
    assert result.index("# about the first event") < result.index("status: stabilized")
    assert result.index("status: stabilized") < result.index("# about the second event")
    assert [item.value("at").value for item in timeline_items(result)] == [  # type: ignore[union-attr]
        "2024-03-01T09:00:00Z",
        "2024-03-01T10:00:00Z",
        "2024-03-01T10:00:00Z",
        "2024-03-01T11:00:00+01:00",
    ]


def test_insert_first_goes_before_the_first_dash() -> None:
    result = insert_event(INDENTLESS, EVENT, 0)
    assert result.startswith("timeline:\n" + block(0))


def test_insert_before_a_bare_dash_item() -> None:
    text = "timeline:\n  -\n    at: 1\n    note: a\nx: 1\n"
    assert insert_event(text, EVENT, 0) == "timeline:\n" + block(2) + text[len("timeline:\n") :]


@given(
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=50),
)
def test_inserted_events_keep_the_timeline_sorted(minutes: list[int], new: int) -> None:
    lines = ["title: t", "timeline:"]
    for minute in sorted(minutes):
        lines += [f"  - at: 2024-03-01T09:{minute:02d}:00Z", f"    note: m{minute}"]
    text = "\n".join(lines) + "\n"
    moment = f"2024-03-01T09:{new:02d}:00Z"
    result = insert_event(text, {"at": moment, "note": "new"}, event_index(text, at(moment)))
    times = [item.value("at").value for item in timeline_items(result)]  # type: ignore[union-attr]
    assert times == sorted(times) and len(times) == len(minutes) + 1
    assert result.replace(f'  - at: {moment}\n    note: "new"\n', "", 1) == text


def test_insert_item_creates_the_list_at_the_end() -> None:
    result = insert_item(
        FOUR_SPACE, "follow_ups", {"title": '"t"', "purpose": "prevention"}, create=True
    )
    assert result == FOUR_SPACE + 'follow_ups:\n    - title: "t"\n      purpose: prevention\n'
    assert yaml.safe_load(result)["follow_ups"] == [{"title": "t", "purpose": "prevention"}]


def test_insert_item_appends_to_an_existing_list() -> None:
    text = "follow_ups:\n  - title: a  # first\n    url: u\ntimeline:\n  - at: 1\n    note: x\n"
    result = insert_item(text, "follow_ups", {"title": "b", "url": "v"})
    assert result == text.replace("url: u\n", "url: u\n  - title: b\n    url: v\n")


def test_insert_item_turns_an_empty_flow_list_into_a_block_list() -> None:
    result = insert_item(TWO_SPACE, "follow_ups", {"title": "b"})
    assert result == TWO_SPACE.replace("follow_ups: []\n", "follow_ups:\n  - title: b\n")
    text = "title: t\nfollow_ups: []  # none yet\nlinks: []\n"
    assert insert_item(text, "follow_ups", {"title": "b"}) == (
        "title: t\nfollow_ups: # none yet\n  - title: b\nlinks: []\n"
    )
    with pytest.raises(EditError, match="flow style"):
        insert_item("follow_ups: [{title: a}]\n", "follow_ups", {"title": "b"})


def test_set_fields_replaces_and_adds_keeping_comments() -> None:
    text = (
        "follow_ups:\n"
        "  - title: a\n"
        "    done: false  # still open\n"
        "  - title: b  # second\n"
        "    # about b\n"
        "links: []\n"
    )
    result = set_fields(text, ("follow_ups", 0), {"done": "true"})
    assert result == text.replace("done: false", "done: true")
    result = set_fields(text, ("follow_ups", 1), {"done": "true"})
    assert result == text.replace("    # about b\n", "    # about b\n    done: true\n")


def test_set_fields_adds_a_missing_mapping_at_the_end() -> None:
    text = "title: t\n# the end\n"
    result = set_fields(text, ("retrospective",), {"date": "2024-03-08", "host": "olga"})
    assert result == text + "retrospective:\n  date: 2024-03-08\n  host: olga\n"


def test_set_fields_refuses_block_scalars_and_missing_items() -> None:
    with pytest.raises(EditError, match="one-line"):
        set_fields("r:\n  host: |\n    x\n", ("r",), {"host": "y"})
    with pytest.raises(EditError, match="nothing to change"):
        set_fields("follow_ups: []\n", ("follow_ups", 3), {"done": "true"})
