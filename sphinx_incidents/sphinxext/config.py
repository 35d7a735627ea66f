"""Configuration values (names as in the interface contract) and their typed view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

NAVIGATION_LIMIT = 100
"""Above this many incidents, their pages leave the site-wide navigation (see layout.py)."""

# name, default, rebuild scope, accepted types.  "env": a change re-reads every document,
# since any page may show incidents; the pages and data they feed are then never stale.
CONFIG_VALUES: tuple[tuple[str, object, Any, tuple[type, ...]], ...] = (
    ("incidents_dir", "../incident_records", "env", (str,)),
    ("incidents_policy", None, "env", (str, type(None))),
    ("incidents_roster", None, "env", (str, type(None))),
    ("incidents_pages", "incidents", "env", (str, type(None))),
    ("incidents_now", None, "env", (str, type(None))),
    ("incidents_json", True, "html", (bool,)),
    ("incidents_freeze_gc", True, "", (bool,)),  # build speed only: see gc_freeze.py
    # rule warnings become Sphinx warnings (-W fails on them), like `check --strict`
    ("incidents_strict", False, "", (bool,)),
    # incident pages in the site-wide toctree while there are at most this many (None: always)
    ("incidents_navigation_limit", NAVIGATION_LIMIT, "env", (int, type(None))),
    # private records: shown (marked) in an internal build; counted anonymously in metrics
    # and leads of a public one (see privacy.py)
    ("incidents_include_private", False, "env", (bool,)),
    ("incidents_count_private", False, "env", (bool,)),
    # readers: the Atom feed, the open-incident banner, the rotation calendar (readers.py);
    # "html": each puts a link or script on every page, so a change rewrites them all
    ("incidents_feed", True, "html", (bool,)),
    ("incidents_banner_severity", 2, "html", (int, type(None))),
    ("incidents_calendar", True, "html", (bool,)),
)


def setup_config(app: Sphinx) -> None:
    for name, default, rebuild, types in CONFIG_VALUES:
        app.add_config_value(name, default, rebuild, types=types)


@dataclass(frozen=True)
class IncidentsConfig:
    """The ``incidents_*`` values with paths resolved against conf.py's folder."""

    records_dir: Path
    policy: str | None  # None: the folder's _policy.yaml, else the shipped default
    roster: Path | None
    pages: str | None
    now: str | None
    json: bool
    strict: bool
    navigation_limit: int | None = NAVIGATION_LIMIT
    include_private: bool = False
    count_private: bool = False

    @classmethod
    def from_sphinx(cls, config: Config, confdir: Path) -> IncidentsConfig:
        records_dir = (confdir / config.incidents_dir).resolve()
        roster = None
        if config.incidents_roster:
            roster = (confdir / config.incidents_roster).resolve()
        pages = config.incidents_pages.strip("/") if config.incidents_pages else None
        return cls(
            records_dir,
            config.incidents_policy or None,
            roster,
            pages or None,
            config.incidents_now,
            bool(config.incidents_json),
            bool(config.incidents_strict),
            _limit(config.incidents_navigation_limit),
            bool(config.incidents_include_private),
            bool(config.incidents_count_private),
        )


def _limit(value: object) -> int | None:
    """``incidents_navigation_limit``: a count (negative: 0), or ``None`` for no limit."""
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return None if value is None else NAVIGATION_LIMIT
    return max(0, value)
