"""Diagnostics: what every rule produces, and how they are printed.

A diagnostic always carries a position (1-based line and column) so that users can jump
to the offending node; rules never raise, they report.  Its path, message and hint are made
printable when it is created (control characters escaped, long echoes of record values cut;
see :mod:`~sphinx_incidents.core.safetext`), so no output format can carry a terminal escape
sequence or a forged line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum

from sphinx_incidents.core.safetext import MESSAGE_MAX, printable


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem in one file."""

    path: str
    line: int
    column: int
    code: str
    level: Level
    message: str
    hint: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", printable(self.path))
        object.__setattr__(self, "message", printable(self.message, MESSAGE_MAX))
        if self.hint is not None:
            object.__setattr__(self, "hint", printable(self.hint, MESSAGE_MAX))

    def format_text(self) -> str:
        """``path:line:column: CODE message (hint)``, the form editors understand."""
        text = f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def format_github(self) -> str:
        """A GitHub Actions workflow command, shown as an annotation on the pull request."""
        kind = "error" if self.level is Level.ERROR else "warning"
        message = self.message + (f" ({self.hint})" if self.hint else "")
        return (
            f"::{kind} file={_gh_property(self.path)},line={self.line},col={self.column},"
            f"title={_gh_property(self.code)}::{_gh_data(message)}"
        )

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["level"] = str(self.level)
        return data


def _gh_data(value: str) -> str:
    # https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def format_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in diagnostics], indent=2, ensure_ascii=False)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.level is Level.ERROR for d in diagnostics)
