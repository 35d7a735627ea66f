"""docs/runbook.md shows a whole incident in the terminal: its outputs are the real ones.

docs/_tools/runbook_transcript.py runs every command of the runbook's transcript blocks in a
fresh repository and compares; when a message changes on purpose, run the script to update
the runbook.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "_tools" / "runbook_transcript.py"


def transcript() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runbook_transcript", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_runbook_shows_the_real_output() -> None:
    current = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    fresh = transcript().regenerate(current)
    assert fresh == current, (
        "docs/runbook.md is out of date: python docs/_tools/runbook_transcript.py"
    )


def test_the_walk_through_covers_a_whole_incident() -> None:
    text = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    for step in (
        "$ sphinx-incidents new ",
        "(backfilled before 1 later event)",  # the alert, remembered later
        "status stabilization-pending -> stabilized",
        "status stabilized -> stabilization-pending",  # a recurrence
        "--lead dhruv --by zack",  # a handover
        "$ sphinx-incidents follow-up ",
        "-> resolved",
        "$ sphinx-incidents retro 2026-11-24-image-search-fails-for-most-queries --draft",
        "recorded the retrospective",
        "$ sphinx-incidents due",
    ):
        assert step in text, step
