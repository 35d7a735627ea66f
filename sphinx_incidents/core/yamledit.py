"""Editing a YAML record as text: insert a list item, set fields of a mapping, keep the rest.

The recording commands (``log``, ``follow-up``, ``retro``) must keep everything a person
wrote (comments, quoting, key order, blank lines), so they never re-dump YAML.  They read the
file with the pure-Python parser, whose events carry exact character positions, find where
the new lines go, and splice them in.  Every edit is then verified: the edited text is read
back and must hold exactly the old data plus the intended change (nothing else moved, no
value changed); otherwise :class:`EditError` asks for a hand edit and nothing is written.
Sphinx-free, like the rest of the core.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from sphinx_incidents.core.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, load_nodes


class EditError(Exception):
    """The text cannot be edited safely; the message says why (nothing was written)."""


# --- a positioned tree from the parser's events ----------------------------------------------


@dataclass
class _Node:
    kind: str  # "scalar", "sequence" or "mapping"
    start: int  # character index of the node's first character
    column: int
    flow: bool = False
    value: str = ""
    style: str | None = None
    keep: bool = False  # a block scalar whose header keeps trailing blank lines (`|+`)
    end: int = 0  # index just after the node's content (for collections: of its last child)
    items: list[_Node] = field(default_factory=list)
    pairs: list[tuple[_Node, _Node]] = field(default_factory=list)

    def get(self, key: str) -> _Node | None:
        """The value of ``key`` the loader reads (the first one: duplicates are errors)."""
        for key_node, value in self.pairs:
            if key_node.kind == "scalar" and key_node.value == key:
                return value
        return None


def _index(mark: Any) -> int:
    return int(mark.index)  # the pure-Python parser marks every event


def _column(mark: Any) -> int:
    return int(mark.column)


def _keeps(text: str, event: yaml.ScalarEvent) -> bool:
    """Whether a block scalar's header (``|+``, ``>2+``) keeps its trailing blank lines."""
    header = text[_index(event.start_mark) :].split("\n", 1)[0].split("#", 1)[0]
    return "+" in header


def _tree(text: str) -> _Node:
    """The document's root node with positions; :class:`EditError` when it is not readable."""
    root, problems = load_nodes(text.encode("utf-8"), "record")
    if root is None:
        raise EditError(f"the file is not readable YAML: {problems[0].message}")
    stack: list[_Node] = []
    pending_key: list[_Node | None] = []
    top: _Node | None = None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                done = stack.pop()
                pending_key.pop()
                if done.flow:
                    done.end = _index(event.end_mark)
                _attach(stack, pending_key, done)
                if not stack:
                    top = done
                continue
            if isinstance(event, yaml.AliasEvent):  # pragma: no cover - load_nodes refused it
                raise EditError("the file uses aliases")
            if not isinstance(event, yaml.NodeEvent):
                continue
            start = _index(event.start_mark)
            column = _column(event.start_mark)
            if isinstance(event, yaml.ScalarEvent):
                node = _Node("scalar", start, column, value=event.value, style=event.style)
                node.end = _index(event.end_mark)
                node.keep = event.style in ("|", ">") and _keeps(text, event)
                _attach(stack, pending_key, node)
                if not stack:
                    top = node
            else:
                assert isinstance(event, yaml.CollectionStartEvent)
                kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "sequence"
                stack.append(_Node(kind, start, column, flow=bool(event.flow_style)))
                pending_key.append(None)
    except yaml.YAMLError as exc:  # pragma: no cover - load_nodes read it already
        raise EditError(f"the file is not readable YAML: {exc}") from None
    if top is None or top.kind != "mapping":  # pragma: no cover - load_nodes checked it
        raise EditError("the file is not a YAML mapping")
    return top


def _attach(stack: list[_Node], pending_key: list[_Node | None], node: _Node) -> None:
    if not stack:
        return
    parent = stack[-1]
    if not parent.flow:
        parent.end = max(parent.end, node.end)
    if parent.kind == "sequence":
        parent.items.append(node)
    elif pending_key[-1] is None:
        pending_key[-1] = node
    else:
        key = pending_key[-1]
        pending_key[-1] = None
        parent.pairs.append((key, node))


# --- where new lines go -----------------------------------------------------------------------


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Index of the start of the line after the one holding ``index`` (or the text's end)."""
    newline = text.find("\n", index)
    return len(text) if newline == -1 else newline + 1


def _last_scalar(node: _Node) -> _Node:
    while node.kind != "scalar" and not node.flow:
        children = node.items or [value for _, value in node.pairs]
        node = children[-1]
    return node


def _after(text: str, node: _Node, deeper_than: int) -> int:
    """Where a line placed after ``node``'s content goes: after its last line, after blank
    lines a block scalar swallowed (unless it keeps them), and after comment lines indented
    more than ``deeper_than`` (they belong to ``node``)."""
    end = node.end
    last = _last_scalar(node)
    if end > 0 and text[end - 1] == "\n":
        # a block scalar ends at the start of the next line, after its trailing blank lines
        pos = end
        while not last.keep and pos > 0:
            start = text.rfind("\n", 0, pos - 1) + 1
            if start >= pos or text[start:pos].strip():
                break
            pos = start
    else:
        pos = _line_end(text, end)
    while pos < len(text):
        after = _line_end(text, pos)
        line = text[pos:after].rstrip("\r\n")
        body = line.lstrip(" ")
        if not (body.startswith("#") and len(line) - len(body) > deeper_than):
            break
        pos = after
    return pos


def _dash_before(text: str, item: _Node) -> int:
    """Start of the line holding the ``-`` of a block sequence item."""
    dash = None
    try:
        for token in yaml.scan(text[: item.start], Loader=yaml.SafeLoader):
            if isinstance(token, yaml.BlockEntryToken):
                dash = _index(token.start_mark)
    except yaml.YAMLError:  # pragma: no cover - the text before a list item scans
        dash = None
    if dash is None:  # pragma: no cover
        raise EditError("could not find where the list starts; add the item by hand")
    return _line_start(text, dash)


def _splice(text: str, pos: int, lines: Sequence[str]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    if pos == len(text) and text and not text.endswith("\n"):
        insert = newline + newline.join(lines)  # keep the file's missing final newline
    else:
        insert = newline.join(lines) + newline
    return text[:pos] + insert + text[pos:]


def _item_lines(dash: int, key: int, lines: Sequence[str]) -> list[str]:
    key = max(key, dash + 2)
    block = [" " * dash + "-" + " " * (key - dash - 1) + lines[0]]
    return block + [" " * key + line for line in lines[1:]]


def _key_column(item: _Node | None, dash: int) -> int:
    if item is not None and item.kind == "mapping" and not item.flow:
        return item.column
    return dash + 2


# --- the edits --------------------------------------------------------------------------------


def insert_item(
    text: str,
    key: str,
    fields: Mapping[str, str],
    index: int | None = None,
    create: bool = False,
) -> str:
    """``text`` with a mapping item inserted into the top-level block list ``key``.

    ``fields`` maps field names to their YAML text (already quoted as needed); ``index`` is
    the item's position in the list (``None``: at the end).  The new item follows the
    indentation of its neighbour.  With ``create``, a missing ``key`` is added at the end of
    the file.  All else is unchanged; :class:`EditError` when that cannot be guaranteed.
    """
    root = _tree(text)
    lines = [f"{name}: {value}" for name, value in fields.items()]
    value = root.get(key)
    if value is None:
        if not create:
            raise EditError(f"the record has no `{key}:` list to add to")
        result = _add_top_level(text, root, key, lines)
    else:
        result = _insert_into(text, key, value, lines, index)
    position = len(_list_of(root, key)) if index is None else index
    _verify(text, result, lambda data: _list_insert(data, key, position, dict(fields)))
    return result


def _list_of(root: _Node, key: str) -> list[_Node]:
    value = root.get(key)
    return value.items if value is not None else []


def _insert_into(text: str, key: str, value: _Node, lines: list[str], index: int | None) -> str:
    if value.kind != "sequence":
        raise EditError(f"`{key}` is not a list; add to it by hand")
    if value.flow and not value.items:
        return _replace_empty_flow(text, value, lines)
    if value.flow:
        raise EditError(
            f"{key} is written in flow style ([...]); the command can only add to a block "
            "list (one '- ...' item per line)"
        )
    items = value.items
    dash = value.column
    index = len(items) if index is None else index
    if index > 0:
        neighbour = items[index - 1]
        pos = _after(text, neighbour, dash)
    else:
        neighbour = items[0]
        pos = _dash_before(text, neighbour)
    return _splice(text, pos, _item_lines(dash, _key_column(neighbour, dash), lines))


def _replace_empty_flow(text: str, value: _Node, lines: list[str]) -> str:
    """``key: []`` becomes ``key:`` with a block list of one item (a comment after the
    brackets stays on the key's line)."""
    dash = _line_indent(text, value.start) + 2
    before = text[: value.start].rstrip(" ")
    after = text[value.end :]
    rest = after.lstrip(" ")
    result = before + (" " + rest if rest.startswith("#") else rest)
    pos = _line_end(result, len(before))
    return _splice(result, pos, _item_lines(dash, dash + 2, lines))


def _line_indent(text: str, index: int) -> int:
    start = _line_start(text, index)
    line = text[start:index]
    return len(line) - len(line.lstrip(" "))


def _add_top_level(text: str, root: _Node, key: str, lines: list[str]) -> str:
    """``key:`` with one item, at the end of the file, indented like the timeline's items."""
    timeline = root.get("timeline")
    dash, key_column = 2, 4
    if timeline is not None and timeline.kind == "sequence" and not timeline.flow:
        dash = timeline.column
        key_column = _key_column(timeline.items[-1] if timeline.items else None, dash)
        if dash == 0:  # an indentless list: keep it that way
            key_column = max(key_column, 2)
    result = _splice(text, len(text), [f"{key}:"])
    return _splice(result, len(result), _item_lines(dash, key_column, lines))


def set_fields(text: str, path: Sequence[str | int], fields: Mapping[str, str]) -> str:
    """``text`` with the fields of the block mapping at ``path`` set (replaced or added).

    ``path`` leads from the top level: ``("retrospective",)``, ``("follow_ups", 0)``.  A
    missing top-level mapping (``path`` of one key) is added at the end of the file.  Values
    are YAML text; existing comments stay.  :class:`EditError` when it cannot be done safely.
    """
    root = _tree(text)
    target: _Node | None = root
    for step in path:
        if target is None:
            break
        if isinstance(step, int):
            inside = target.kind == "sequence" and 0 <= step < len(target.items)
            target = target.items[step] if inside else None
        else:
            target = target.get(step) if target.kind == "mapping" else None
    if target is None:
        if len(path) != 1 or not isinstance(path[0], str):
            raise EditError("nothing to change at " + ".".join(str(p) for p in path))
        lines = [f"{name}: {value}" for name, value in fields.items()]
        result = _splice(text, len(text), [f"{path[0]}:"])
        result = _splice(result, len(result), ["  " + line for line in lines])
    else:
        result = _set_in(text, target, fields, path)
    _verify(text, result, lambda data: _mapping_set(data, path, dict(fields)))
    return result


def _set_in(text: str, target: _Node, fields: Mapping[str, str], path: Sequence[str | int]) -> str:
    where = ".".join(str(p) for p in path)
    if target.kind != "mapping" or target.flow:
        raise EditError(f"{where} is not a block mapping; change it by hand")
    replacements: list[tuple[int, int, str]] = []
    added: list[str] = []
    for name, value in fields.items():
        node = target.get(name)
        if node is None:
            added.append(f"{name}: {value}")
        elif node.kind != "scalar" or node.style in ("|", ">"):
            raise EditError(f"{where}.{name} is not a one-line value; change it by hand")
        else:
            replacements.append((node.start, node.end, value))
    result = text
    if added:
        pos = _after(text, target, target.column - 1)
        result = _splice(text, pos, [" " * target.column + line for line in added])
    for start, end, value in sorted(replacements, reverse=True):
        result = result[:start] + value + result[end:]
    return result


# --- checking an edit -------------------------------------------------------------------------

Data = dict[str, Any] | list[Any] | str


def _data(node: Node) -> Data:
    if isinstance(node, ScalarNode):
        # A block scalar that ended the file without a final newline gains one when a line
        # is added after it; Markdown reads both the same, so one final newline is ignored.
        return node.value.removesuffix("\n")
    if isinstance(node, SequenceNode):
        return [_data(item) for item in node.items]
    return {key: _data(value) for key, (_, value) in node.pairs.items()}


def _read(text: str) -> Data | None:
    root, _ = load_nodes(text.encode("utf-8"), "record")
    return None if root is None else _data(root)


def _verify(before: str, after: str, change: Any) -> None:
    """``after`` reads as ``before``'s data with ``change`` applied, and nothing else."""
    old = _read(before)
    expected = copy.deepcopy(old)
    if isinstance(expected, dict):
        change(expected)
    if old is None or _read(after) != expected:
        raise EditError(
            "could not make the change without changing the rest of the file "
            "(an unusual layout); make it by hand"
        )


def _list_insert(data: dict[str, Any], key: str, index: int, item: dict[str, str]) -> None:
    items = data.setdefault(key, [])
    items.insert(index, {name: _scalar_value(value) for name, value in item.items()})


def _mapping_set(data: dict[str, Any], path: Sequence[str | int], fields: dict[str, str]) -> None:
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    last = path[-1]
    if isinstance(target, dict) and last not in target:
        target[last] = {}
    mapping = target[last]
    for name, value in fields.items():
        mapping[name] = _scalar_value(value)


def _scalar_value(text: str) -> str:
    """What the loader reads from one scalar's YAML text (as :func:`_data` shows it)."""
    root, _ = load_nodes(f"v: {text}\n".encode(), "value")
    node = root.value("v") if isinstance(root, MappingNode) else None
    if not isinstance(node, ScalarNode):  # pragma: no cover - callers pass scalars
        raise EditError(f"not a scalar: {text}")
    return str(_data(node))
