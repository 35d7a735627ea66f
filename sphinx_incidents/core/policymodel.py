"""The response policy as typed data: what a policy file says, once it has been read.

Reading the file (``extends:``, merging, located errors) is
:mod:`sphinx_incidents.core.policy`; the file's field tables are
:mod:`sphinx_incidents.core.policyschema`.  Everything here is plain frozen data, so a
policy can be compared, hashed into fingerprints and shared by the CLI and the build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property

from sphinx_incidents.core.codes import CODES, level_of
from sphinx_incidents.core.diagnostics import Diagnostic, Level


class PolicyError(Exception):
    """The policy file is unusable; ``diagnostics`` say where and why (code ``POLICY``)."""

    def __init__(self, diagnostics: list[Diagnostic], unreadable: bool = False) -> None:
        self.diagnostics = diagnostics
        self.unreadable = unreadable  # the file named could not be read at all
        super().__init__("\n".join(d.format_text() for d in diagnostics))


@dataclass(frozen=True)
class Severity:
    level: int
    name: str
    description: str
    tag: str | None = None


@dataclass(frozen=True)
class Keyed:
    """A status, service, category or follow-up purpose: a key with a label and a description."""

    key: str
    label: str
    description: str


@dataclass(frozen=True)
class Category(Keyed):
    """An incident category; ``visibility`` is the default of its records (``private``:
    left out of the site's normal build unless a record says ``visibility: public``)."""

    visibility: str = "public"


@dataclass(frozen=True)
class Status(Keyed):
    """A status; ``requires`` names record fields that must be present to enter it."""

    tag: str | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    name: str
    goal: str
    status_after: tuple[str, ...]
    tag: str | None = None
    status_note: str | None = None  # e.g. "then Review, if needed"


@dataclass(frozen=True)
class RuleSettings:
    """The policy's rule parameters; ``None`` is "off" (``retro_due_days: off``)."""

    retro_due_days: int | None = 14
    stale_days: int | None = 7
    recurrence_window_hours: int | None = None  # None: any recurrence is the same incident
    critical_followup_severities: tuple[int, ...] = (1, 2)
    critical_followup_priority: str = "critical"
    prevention_purpose: str = "prevention"
    stabilization_purpose: str = "stabilization"

    @property
    def recurrence_window(self) -> timedelta | None:
        hours = self.recurrence_window_hours
        return timedelta(hours=hours) if hours is not None else None


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str
    severities: tuple[Severity, ...]
    statuses: tuple[Status, ...]
    transitions: tuple[tuple[str, str], ...]
    first_statuses: tuple[str, ...]
    stabilized_status: str
    resolved_status: str
    recurrence_status: str
    closed_statuses: tuple[str, ...]
    steps: tuple[Step, ...]
    services: tuple[Keyed, ...]
    categories: tuple[Category, ...]
    detection_channels: tuple[str, ...]
    follow_up_purposes: tuple[Keyed, ...]
    priorities: tuple[str, ...]
    id_pattern: str
    rules: RuleSettings
    levels: Mapping[str, Level | None] = field(default_factory=dict, hash=False)
    """Codes whose level the policy changed (``None``: off); see :meth:`level`."""

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

    def status(self, key: str) -> Status | None:
        for status in self.statuses:
            if status.key == key:
                return status
        return None

    def status_label(self, key: str) -> str:
        status = self.status(key)
        return status.label if status is not None else key

    def requires(self, key: str) -> tuple[str, ...]:
        """Record fields that must be present to enter status ``key``."""
        status = self.status(key)
        return status.requires if status is not None else ()

    def edge_condition(self, before: str, after: str) -> str | None:
        """What a move needs besides the arrow, in words (graphs and tables show it):
        ``within 48 hours`` back from a closed status, ``needs retrospective``."""
        parts = []
        window = self.rules.recurrence_window_hours
        if window is not None and self.is_closed(before) and self.is_recurrence(before, after):
            parts.append(f"within {window} hours")
        requires = self.requires(after)
        if requires:
            parts.append("needs " + ", ".join(requires))
        return "; ".join(parts) or None

    def category_visibility(self, key: str) -> str:
        """The default visibility of a record of category ``key`` (public when unknown)."""
        for category in self.categories:
            if category.key == key:
                return category.visibility
        return "public"

    def severity(self, level: int) -> Severity | None:
        for severity in self.severities:
            if severity.level == level:
                return severity
        return None

    def is_closed(self, status: str | None) -> bool:
        return status in self.closed_statuses

    # --- rule levels ----------------------------------------------------------------------

    def level(self, code: str) -> Level | None:
        """The level of ``code`` under this policy; ``None`` when the policy turned it off."""
        if code in self.levels:
            return self.levels[code]
        return level_of(code) if code in CODES else Level.ERROR

    def is_on(self, code: str) -> bool:
        return self.level(code) is not None

    def apply_levels(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """``diagnostics`` at the policy's levels, without the ones of codes it turned off.

        The one place every tool (check, new, log, the build) applies ``rules: {CODE: ...}``,
        so they cannot disagree.  Codes outside the catalogue (``POLICY``) pass unchanged.
        """
        levels = self.levels
        if not levels:
            return list(diagnostics)
        result = []
        for diagnostic in diagnostics:
            if diagnostic.code not in levels:
                result.append(diagnostic)
                continue
            wanted = levels[diagnostic.code]
            if wanted is None:
                continue
            if wanted is not diagnostic.level:
                diagnostic = replace(diagnostic, level=wanted)
            result.append(diagnostic)
        return result
