"""The catalogue of rule codes: level and one-line meaning, as in the record-format contract.

Docs (the rule reference), the Sphinx warning subtypes and the tests all read this table.
The level here is the default; a policy may turn a code off or change its level
(``rules: {INC041: off}``), within two limits kept here too:

- :data:`FIXED` codes stay errors: they mean the record, or a value in it, could not be read
  as a record at all, so silencing them would hide a record (or part of one) from every page
  while ``check`` passes;
- :data:`TIME_DEPENDENT` codes are warnings or off, never errors: a build must not start
  failing because the clock moved (``sphinx-incidents due --strict`` is the place for a
  scheduled job that should fail).
"""

from __future__ import annotations

from sphinx_incidents.core.diagnostics import Level

E, W = Level.ERROR, Level.WARNING

CODES: dict[str, tuple[Level, str]] = {
    "INC001": (
        E,
        "not readable as a YAML mapping: syntax error, bad encoding, empty file, too "
        "large, too deep, aliases/anchors used, custom tags",
    ),
    "INC002": (E, "unknown field (with did-you-mean)"),
    "INC003": (E, "required field missing"),
    "INC004": (
        E,
        "wrong type or format (string where a number goes, bad timestamp, timestamp "
        "without offset, bad URL, bool-looking words like `no` where text goes)",
    ),
    "INC005": (E, "duplicate key in one mapping"),
    "INC010": (E, "file name is not a valid incident id"),
    "INC011": (
        E,
        "two files with the same id (`.yaml` and `.yml`, or in two folders); names both files",
    ),
    "INC012": (E, "`related` names an incident that does not exist (or the incident itself)"),
    "INC013": (
        W,
        "entry in the records folder skipped: dangling symlink, FIFO or device, folder named "
        "like a record, upper-case suffix, symlink to a folder, folder nested too deeply",
    ),
    "INC014": (E, "symlink that leads outside the records folder (not read)"),
    "INC015": (
        E,
        "list longer than its limit: 500 timeline events, 100 services, follow-ups, links, "
        "whys or improvements, 1000 items elsewhere",
    ),
    "INC016": (
        E,
        "Markdown text of a record longer than 50,000 characters in all (summary, impact, "
        "notes, root cause)",
    ),
    "INC020": (E, "severity not in the policy"),
    "INC021": (E, "unknown status, category, service, purpose or priority (with did-you-mean)"),
    "INC022": (
        E,
        "first timeline event has no status, or a status that is not an allowed first status",
    ),
    "INC023": (
        E,
        "status transition not in the policy graph (names both ends and lists the "
        "allowed next statuses)",
    ),
    "INC024": (E, "timeline events out of chronological order, or an event before `detected`"),
    "INC025": (W, 'timestamp in the future (relative to the build\'s "now")'),
    "INC026": (
        E,
        "back to the recurrence status later than the policy's recurrence window after the "
        "incident was resolved: that is a new incident",
    ),
    "INC027": (E, "entered a status that requires a field the record does not have"),
    "INC030": (E, "no lead, and no rotation runner for that week"),
    "INC031": (E, "person handle not in the roster (only with a roster)"),
    "INC040": (
        E,
        "severity 1 or 2 incident with a `stabilization` follow-up not marked `critical`",
    ),
    "INC041": (E, "resolved without any `prevention` follow-up"),
    "INC042": (
        E,
        "retrospective hosted by someone who was not the lead when the incident was resolved",
    ),
    "INC043": (W, 'resolved more than `retro_due_days` days before "now" and no retrospective'),
    "INC044": (W, 'open and no timeline event for more than `stale_days` days before "now"'),
    "INC045": (
        E,
        "follow-up URL is a placeholder (`OWNER/REPO`, `/N`, an `example.com` address), "
        "not a real ticket",
    ),
    "INC046": (
        W,
        "closed incident whose summary is still a placeholder (`TODO: ...`, as `new` writes it)",
    ),
}


FIXED = frozenset(
    {
        "INC001",
        "INC003",
        "INC004",
        "INC005",
        "INC010",
        "INC011",
        "INC014",
        "INC015",
        "INC016",
        "INC020",
        "INC021",
    }
)
"""Codes a policy cannot turn off or make warnings (see the module docstring)."""

TIME_DEPENDENT = frozenset({"INC025", "INC043", "INC044"})
"""Codes whose finding depends on "now": a policy may make them ``off``, never ``error``."""

_WHY_FIXED = {
    "INC001": "the file is not readable as a record",
    "INC003": "a record without a required field is left out of every page",
    "INC004": "a value that cannot be read is dropped from the record",
    "INC005": "which of the two values is meant cannot be known",
    "INC010": "the file name is the id every page and link uses",
    "INC011": "two files cannot be one incident",
    "INC014": "the file is not read: it lies outside the records folder",
    "INC015": "a record over the limit is left out of every page",
    "INC016": "a record over the limit is left out of every page",
    "INC020": "an incident with an unknown severity is left out of every page",
    "INC021": "a value the policy does not define is dropped from the record",
}


def level_of(code: str) -> Level:
    return CODES[code][0]


def why_fixed(code: str) -> str:
    """Why a :data:`FIXED` code cannot be turned off, for messages and the docs."""
    return _WHY_FIXED[code]


def allowed_settings(code: str) -> tuple[str, ...]:
    """The values ``rules: {CODE: ...}`` accepts in a policy for this code."""
    if code in FIXED:
        return ("error",)
    if code in TIME_DEPENDENT:
        return ("warning", "off")
    return ("error", "warning", "off")
