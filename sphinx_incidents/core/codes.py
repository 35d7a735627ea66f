"""The catalogue of rule codes: level and one-line meaning, as in the record-format contract.

Docs (the rule reference), the Sphinx warning subtypes and the tests all read this table.
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
}


def level_of(code: str) -> Level:
    return CODES[code][0]
