"""Control characters: refused in record values, escaped wherever text is shown.

A record, a roster or a file name is written by anyone who can open a pull request.  A
value holding ``ESC [ 2 J`` clears the reviewer's terminal, ``ESC ] 0 ; ... BEL`` retitles
it, an embedded newline forges a ``path:line:column:`` diagnostic or a GitHub workflow
command, and ESC or BEL in XHTML makes an EPUB ill-formed.  Two defences, both here:

- :func:`control_character` finds what :class:`~sphinx_incidents.core.fieldtypes.Text`
  refuses in values (C0 controls except tab and newline, DEL, C1 controls), so such text
  never reaches a page;
- :func:`printable` escapes what must not reach a terminal or a one-line message (every
  control character, newlines and tabs included, plus the Unicode line separators and the
  bidirectional overrides of "Trojan Source"), as ``\\x1b``, ``\\n``, ``\\u202e``.  Every
  :class:`~sphinx_incidents.core.diagnostics.Diagnostic` passes its path, message and hint
  through it, so no diagnostic output (text, GitHub annotations, JSON, Sphinx warnings)
  can carry one.
"""

from __future__ import annotations

import re

# C0 except tab and newline, DEL, C1: never valid in record text.
_REFUSED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Everything that can move the cursor, end a line or reorder what a reader sees.
_UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
MESSAGE_MAX = 400
"""Characters of one message or hint; a record value echoed in full could be a megabyte."""


def control_character(text: str) -> int | None:
    """Index of the first character record text may not contain, or None."""
    match = _REFUSED.search(text)
    return match.start() if match is not None else None


def describe(char: str) -> str:
    """``U+001B`` for messages that name a refused character."""
    return f"U+{ord(char):04X}"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for one line of a terminal: control characters escaped, at most
    ``limit`` characters (cut with an ellipsis)."""
    if _UNPRINTABLE.search(text) is not None:
        text = _UNPRINTABLE.sub(_escape, text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
