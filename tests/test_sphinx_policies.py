"""What the build shows of the policy language: related incidents both ways, policies side
by side (``incident-policy :policy:``), tags, and conditions on transitions."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from sphinx_incidents.core.policy import load_policy
from sphinx_incidents.sphinxext.directives.graph import transition_table

HERE = Path(__file__).parent
BACKBONE = HERE / "roots" / "test-backbone"
OLD, NEW = "2024-03-01-api-search-timeouts", "2024-05-20-search-slow"
POLICIES_PAGE = """\
# Policies

## Five steps

```{incident-policy}
:policy: openverse-five-steps
```

## Four statuses

```{incident-policy}
:policy: openverse
:part: steps
```
"""


def build(srcdir: Path) -> tuple[Path, str]:
    app = SphinxTestApp(
        "html", srcdir=srcdir, status=io.StringIO(), warning=io.StringIO(), freshenv=True
    )
    try:
        app.build()
        return Path(app.outdir), app.warning.getvalue()
    finally:
        app.cleanup()


def page(out: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((out / name).read_text(encoding="utf-8"), "html.parser")


@pytest.fixture
def backbone(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(BACKBONE, src)
    (src / "policies.md").write_text(POLICIES_PAGE)
    index = src / "index.rst"
    index.write_text(index.read_text().replace("   refs\n", "   refs\n   policies\n", 1))
    return src


def test_related_incidents_link_both_ways(backbone: Path) -> None:
    out, warnings = build(backbone)
    assert "WARNING" not in warnings, warnings
    later = page(out, f"incidents/{NEW}.html").find(id=f"incident-{NEW}-related")
    earlier = page(out, f"incidents/{OLD}.html").find(id=f"incident-{OLD}-related")
    assert later is not None and earlier is not None
    [link] = later.select("a.reference")
    assert link["href"] == f"{OLD}.html#incident-{OLD}"
    assert link.get_text() == "API search times out"
    [back] = earlier.select("a.reference")
    assert back["href"] == f"{NEW}.html#incident-{NEW}"
    assert "its record names this incident as related" in earlier.get_text()
    assert "names this incident" not in later.get_text()


def test_a_related_id_that_does_not_exist_is_text_not_a_dangling_link(backbone: Path) -> None:
    record = backbone / "records" / f"{NEW}.yaml"
    record.write_text(record.read_text().replace(OLD, "2024-03-01-no-such-incident"))
    out, warnings = build(backbone)
    assert "INC012 related incident '2024-03-01-no-such-incident' does not exist" in warnings
    assert "unknown incident id" not in warnings  # reported once, as INC012
    related = page(out, f"incidents/{NEW}.html").find(id=f"incident-{NEW}-related")
    assert related.select("a.reference") == []
    assert "2024-03-01-no-such-incident (no such incident)" in related.get_text()


def test_policies_side_by_side_with_tags_and_conditions(backbone: Path) -> None:
    out, warnings = build(backbone)
    assert "WARNING" not in warnings, warnings
    soup = page(out, "policies.html")
    steps = soup.select("table.incident-steps")
    assert len(steps) == 2
    five_headers = [th.get_text(strip=True) for th in steps[0].select("thead th")]
    four_headers = [th.get_text(strip=True) for th in steps[1].select("thead th")]
    assert five_headers == ["Step", "Tag", "Goal", "Status after"]
    assert four_headers == ["Step", "Goal", "Status after"]  # no tags: no Tag column
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in steps[0].select("tbody tr")
    ]
    assert [row[1] for row in rows] == [
        "#status-recorded",
        "#status-stabilized",
        "#status-investigating",
        "#status-resolved",
        "#status-reviewed",
    ]
    assert rows[3][3] == "Resolved, then Review, if needed"
    statuses = soup.select_one("table.incident-statuses").get_text(" ", strip=True)
    assert "entering it needs: retrospective" in statuses
    assert "more than 48 hours after resolution: a new incident" in statuses
    graphs = " ".join(node.get_text() for node in soup.select("pre.mermaid, div.mermaid"))
    assert "within 48 hours" in graphs and "needs retrospective" in graphs


def test_transition_tables_show_conditions_only_when_there_are_some() -> None:
    # the table that replaces the graph outside HTML
    five = transition_table(load_policy("openverse-five-steps"), None, None).astext()
    assert "Condition" in five
    assert "within 48 hours" in five and "needs retrospective" in five
    assert "Condition" not in transition_table(load_policy(), None, None).astext()


def test_an_unknown_policy_name_warns_at_the_directive(backbone: Path) -> None:
    (backbone / "policies.md").write_text(
        "# Policies\n\n```{incident-policy}\n:policy: openverse-5-steps\n```\n"
    )
    _, warnings = build(backbone)
    assert "policies.md:3: WARNING: incident-policy: :policy:" in warnings
    assert "[incidents.directive]" in warnings


def test_a_policy_file_relative_to_the_document(backbone: Path) -> None:
    (backbone / "team.yaml").write_text(
        "extends: openverse\nseverities:\n  - {level: 1, name: Critical, tag: '#sev1'}\n"
    )
    (backbone / "policies.md").write_text(
        "# Policies\n\n```{incident-policy}\n:policy: team.yaml\n:part: severities\n```\n"
    )
    out, warnings = build(backbone)
    assert "WARNING" not in warnings, warnings
    table = page(out, "policies.html").select_one("table.incident-severities")
    assert [th.get_text(strip=True) for th in table.select("thead th")][:2] == ["Level", "Tag"]
    assert "#sev1" in table.get_text()
