"""The roster: people (email, url) and the rotation (explicit weeks, a cycle, overrides)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sphinx_incidents.core.model import Roster
from sphinx_incidents.core.records import load_roster

PEOPLE = """\
people:
  - handle: ana
    email: ana@example.org
    url: https://github.com/ana
  - handle: bo
  - handle: cy
"""


def roster(tmp_path: Path, rotation: str, people: str = PEOPLE) -> tuple[Roster, list[str]]:
    path = tmp_path / "_roster.yaml"
    path.write_text(people + rotation)
    result, ctx = load_roster(path, "_roster.yaml")
    assert result is not None
    return result, [d.format_text() for d in ctx.diagnostics]


def test_the_list_form_is_explicit_weeks(tmp_path: Path) -> None:
    result, problems = roster(tmp_path, "rotation:\n  - week: 2024-03-04\n    runner: bo\n")
    assert problems == []
    assert result.runner_for(date(2024, 3, 10)) == "bo"
    assert result.runner_for(date(2024, 3, 11)) is None


CYCLE = """\
rotation:
  start: 2024-03-04
  order: [ana, bo, cy]
  weeks:
    - week: 2024-02-26
      runner: cy
    - week: 2024-03-18
      runner: ana
  overrides:
    - week: 2024-03-18
      runner: bo
      note: swapped
    - week: 2024-03-25
      runner: cy
"""


def test_cycle_weeks_and_overrides(tmp_path: Path) -> None:
    result, problems = roster(tmp_path, CYCLE)
    assert problems == []
    schedule = result.schedule(date(2024, 2, 28), 6)
    assert [(w.week.isoformat(), w.runner, w.source) for w in schedule] == [
        ("2024-02-26", "cy", "week"),  # before the cycle starts: explicit weeks only
        ("2024-03-04", "ana", "cycle"),
        ("2024-03-11", "bo", "cycle"),
        ("2024-03-18", "bo", "override"),  # the override wins over the explicit week
        ("2024-03-25", "cy", "override"),
        ("2024-04-01", "bo", "cycle"),  # the cycle goes on: ana, bo, cy, ana, bo
    ]
    # weeks are Monday to Sunday, UTC
    sunday_night = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)
    assert result.runner_for(sunday_night) == "ana"
    assert result.runner_for(date(2023, 1, 2)) is None


def test_people_have_email_and_url(tmp_path: Path) -> None:
    result, problems = roster(tmp_path, "")
    assert problems == []
    found = result.by_email("ANA@example.org")
    assert found is not None and found.handle == "ana"
    assert result.by_email("bo@example.org") is None
    assert result.url_of("ana") == "https://github.com/ana"
    assert result.url_of("bo") is None


@pytest.mark.parametrize(
    ("rotation", "message"),
    [
        (
            "rotation:\n  start: 2024-03-05\n  order: [ana]\n",
            "INC004 week 2024-03-05 is not a Monday",
        ),
        ("rotation:\n  start: 2024-03-04\n  order: [ana, bob]\n", "INC031 runner 'bob' is not in"),
        ("rotation:\n  start: 2024-03-04\n", "INC003 rotation 'start' needs 'order' too"),
        ("rotation:\n  order: [ana]\n", "INC003 rotation 'order' needs 'start' too"),
        ("rotation:\n  start: 2024-03-04\n  order: []\n", "INC004 expected at least 1 item"),
        ("rotation:\n  strat: 2024-03-04\n", "INC002 unknown field 'strat' in rotation"),
        ("rotation: weekly\n", "INC004 expected a list or a mapping, found text"),
        (
            "rotation:\n  overrides:\n    - {week: 2024-03-04, runner: ana}\n"
            "    - {week: 2024-03-04, runner: bo}\n",
            "INC004 override 2024-03-04 is listed twice (first at line",
        ),
    ],
)
def test_rotation_problems(tmp_path: Path, rotation: str, message: str) -> None:
    _, problems = roster(tmp_path, rotation)
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    ("people", "message"),
    [
        (
            "people:\n  - handle: a\n    email: not-an-address\n",
            "INC004 'not-an-address' is not an",
        ),
        ("people:\n  - handle: a\n    url: github.com/a\n", "INC004 'github.com/a' is not an http"),
        (
            "people:\n  - handle: a\n    email: x@y.org\n  - handle: b\n    email: X@y.org\n",
            "INC004 e-mail 'X@y.org' is also a's",
        ),
    ],
)
def test_people_problems(tmp_path: Path, people: str, message: str) -> None:
    _, problems = roster(tmp_path, "", people)
    assert any(message in p for p in problems), problems
