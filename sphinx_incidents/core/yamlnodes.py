"""Safe YAML loading into a tree of nodes that remember their line and column.

Why not ``yaml.safe_load``: it forgets positions, silently converts YAML 1.1 words (``no``,
``on``, ``12:30``) and expands aliases (billion laughs).  We read the *event stream* of the
libyaml parser instead and build our own small tree, so that:

- aliases, anchors and explicit tags are refused before anything is built or run;
- duplicate keys are reported (INC005), not silently overwritten;
- scalars stay text, with a flag saying whether they were quoted; typing is done by
  :mod:`sphinx_incidents.core.fieldtypes`, which can explain YAML 1.1 surprises;
- size (1 MiB) and depth (20) limits bound time and memory on hostile input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from sphinx_incidents.core.diagnostics import Diagnostic, Level

try:  # libyaml's C parser: same events, several times faster.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20


@dataclass(slots=True)
class ScalarNode:
    line: int
    column: int
    value: str
    plain: bool  # an unquoted, non-block scalar: YAML would try to read it as a bool/number/date


@dataclass(slots=True)
class SequenceNode:
    line: int
    column: int
    items: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class MappingNode:
    line: int
    column: int
    pairs: dict[str, tuple[ScalarNode, Node]] = field(default_factory=dict)

    def value(self, key: str) -> Node | None:
        pair = self.pairs.get(key)
        return pair[1] if pair else None


Node = ScalarNode | SequenceNode | MappingNode


def node_kind(node: Node) -> str:
    """A word for messages: 'text', 'a list', 'a mapping'."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "text"


class _Fatal(Exception):
    def __init__(self, line: int, column: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.line, self.column, self.message, self.hint = line, column, message, hint


def _pos(mark: Any) -> tuple[int, int]:
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def load_nodes(data: bytes, path: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse ``data`` into a node tree.

    Returns ``(None, [INC001])`` when the file cannot be read as one YAML document at all,
    else the root node and any INC005 (duplicate key) or INC004 (non-text key) diagnostics.
    Never raises for any input.
    """
    diagnostics: list[Diagnostic] = []

    def fatal(
        line: int, column: int, message: str, hint: str | None = None
    ) -> tuple[None, list[Diagnostic]]:
        diagnostics.append(Diagnostic(path, line, column, "INC001", Level.ERROR, message, hint))
        return None, diagnostics

    if len(data) > MAX_BYTES:
        return fatal(
            1,
            1,
            f"file is too large ({len(data)} bytes; the limit is {MAX_BYTES})",
            "split the record or move long text to a linked document",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return fatal(line, column, "file is not valid UTF-8", "save the file as UTF-8")
    if not text.strip():
        return fatal(
            1, 1, "file is empty", "a record is a YAML mapping of fields, starting with `title:`"
        )
    try:
        root = _build(text, diagnostics, path)
    except _Fatal as exc:
        return fatal(exc.line, exc.column, exc.message, exc.hint)
    except yaml.MarkedYAMLError as exc:
        line, column = _pos(exc.problem_mark or exc.context_mark)
        if _tab_at(text, line, column):
            return fatal(
                line,
                column,
                "YAML syntax error: a tab character where YAML expects spaces (YAML indents "
                "with spaces only)",
                f"replace the tab on line {line} with spaces; most editors can insert spaces "
                "when Tab is pressed in YAML files",
            )
        problem = exc.problem or "YAML syntax error"
        context = f" {exc.context}" if exc.context else ""
        return fatal(
            line,
            column,
            f"YAML syntax error: {problem}{context}",
            "check indentation; quote values that contain ': ' or start with a special character",
        )
    except yaml.YAMLError as exc:  # ReaderError (control characters) and friends
        position = getattr(exc, "position", None)
        line, column = (1, 1)
        if isinstance(position, int):
            prefix = text[:position]
            line = prefix.count("\n") + 1
            column = position - (prefix.rfind("\n") + 1) + 1
        return fatal(line, column, f"not readable as YAML: {exc}".splitlines()[0])
    except (RecursionError, MemoryError):  # pragma: no cover - the depth limit comes first
        return fatal(1, 1, "file is too deeply nested")
    if root is None:
        return fatal(1, 1, "file is empty", "a record is a YAML mapping of fields")
    if not isinstance(root, MappingNode):
        return fatal(
            root.line,
            root.column,
            f"expected a mapping of fields at the top level, found {node_kind(root)}",
            "a record looks like `title: ...` on its first line",
        )
    return root, diagnostics


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether the error at ``line:column`` (1-based) is a tab in the line's indentation or
    the tab character itself (libyaml says "found character that cannot start any token")."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return False
    here = lines[line - 1]
    indentation = here[: len(here) - len(here.lstrip(" \t"))]
    return "\t" in indentation or here[column - 1 : column] == "\t"


_SCALAR = yaml.ScalarEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_COLLECTION_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _build(text: str, diagnostics: list[Diagnostic], path: str) -> Node | None:
    """Turn the event stream into nodes, refusing what records must never contain.

    This loop runs once per YAML event of every record, so it is written for speed:
    exact class tests instead of ``isinstance`` chains, the parser driven directly rather
    than through the ``yaml.parse`` generator, the common mapping case inlined.
    """
    stack: list[list[Any]] = []  # frames: [container node, pending key or None]
    root: Node | None = None
    documents = 0
    loader = _Loader(text)
    try:
        while True:
            event: Any = loader.get_event()
            if event is None:  # after StreamEndEvent
                break
            cls = event.__class__
            node: Node
            if cls is _SCALAR or cls is _MAPPING_START or cls is _SEQUENCE_START:
                mark = event.start_mark
                line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                if event.anchor is not None:
                    raise _Fatal(
                        line,
                        column,
                        f"anchors are not allowed (&{event.anchor})",
                        "repeat the value instead of using anchors and aliases",
                    )
                if event.tag is not None:
                    raise _Fatal(
                        line,
                        column,
                        f"tags are not allowed ({event.tag})",
                        "records are plain data; remove the tag and quote the value if needed",
                    )
                if cls is _SCALAR:
                    # plain style: the parser marks it implicit for the resolver
                    node = ScalarNode(line, column, event.value, bool(event.implicit[0]))
                elif cls is _MAPPING_START:
                    node = MappingNode(line, column)
                else:
                    node = SequenceNode(line, column)
            elif cls in _COLLECTION_ENDS:
                stack.pop()
                continue
            elif cls is yaml.AliasEvent:
                line, column = _pos(event.start_mark)
                raise _Fatal(
                    line,
                    column,
                    f"aliases are not allowed (*{event.anchor})",
                    "repeat the value instead of using anchors and aliases",
                )
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    line, column = _pos(event.start_mark)
                    raise _Fatal(
                        line,
                        column,
                        "more than one YAML document in the file",
                        "one record per file; remove the extra `---`",
                    )
                continue
            else:  # stream start and end, document end
                continue
            # attach node to its parent
            if stack:
                frame = stack[-1]
                parent = frame[0]
                if parent.__class__ is SequenceNode:
                    parent.items.append(node)
                else:
                    key = frame[1]
                    if key is None:
                        frame[1] = node  # this node is a key
                    else:
                        frame[1] = None
                        pairs = parent.pairs
                        if key.__class__ is ScalarNode and key.value not in pairs:
                            pairs[key.value] = (key, node)
                        else:
                            _add_pair(parent, key, node, diagnostics, path)
            else:
                root = node
            if cls is not _SCALAR:
                if len(stack) >= MAX_DEPTH:
                    raise _Fatal(
                        line,
                        column,
                        f"nesting is deeper than {MAX_DEPTH} levels",
                        "records are flat; this is not an incident record",
                    )
                stack.append([node, None])
    finally:
        loader.dispose()
    return root


def _add_pair(
    parent: MappingNode, key: Node, value: Node, diagnostics: list[Diagnostic], path: str
) -> None:
    if not isinstance(key, ScalarNode):
        diagnostics.append(
            Diagnostic(
                path,
                key.line,
                key.column,
                "INC004",
                Level.ERROR,
                f"a key must be text, found {node_kind(key)}",
            )
        )
        return
    existing = parent.pairs.get(key.value)
    if existing is not None:
        first = existing[0]
        diagnostics.append(
            Diagnostic(
                path,
                key.line,
                key.column,
                "INC005",
                Level.ERROR,
                f"duplicate key '{key.value}' (first at line {first.line})",
                "keep one of them; YAML would silently use the last",
            )
        )
        return
    parent.pairs[key.value] = (key, value)
