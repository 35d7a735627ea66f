"""The "now" our docs say the demo site is computed at is the one docs/conf.py sets.

The demo records are evaluated at a fixed ``incidents_now``; the home page and the metrics
page state it in words.  They once said 2026-11-20 while conf.py said 2026-11-27.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path

DOCS = Path(__file__).parent.parent / "docs"
STATED = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")
PAGES = ("index.md", "metrics.md")


def conf_now() -> datetime:
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "incidents_now" for t in node.targets
        ):
            assert isinstance(node.value, ast.Constant)
            return datetime.fromisoformat(str(node.value.value).replace("Z", "+00:00"))
    raise AssertionError("docs/conf.py sets no incidents_now")


def test_the_docs_state_the_now_conf_py_sets() -> None:
    now = conf_now().strftime("%Y-%m-%d %H:%M")
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        # the paragraph that speaks of the fixed "now"
        paragraph = next(p for p in text.split("\n\n") if '"now"' in p)
        assert STATED.findall(paragraph) == [now], (page, paragraph)
    configuration = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    assert f'incidents_now = "{conf_now().strftime("%Y-%m-%dT%H:%M:%SZ")}"' in configuration
