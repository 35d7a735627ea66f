"""The README's Quickstart is what CI runs, and it never asks pip to touch a system Python."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1).strip().splitlines()


def test_quickstart_is_two_commands_docs_then_tests() -> None:
    build, tests = quickstart()
    assert build.endswith("nox -s docs") and "pip install nox" in build
    assert tests.endswith("nox -s tests")
    # PEP 668: Debian's and Ubuntu's python3 refuse `pip install` outside a virtual environment
    assert build.startswith("python3 -m venv ") and "python3 -m pip" not in build


def test_ci_runs_the_readme_test_command() -> None:
    _, tests = quickstart()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(line.split("#")[0].strip() == tests for line in ci.splitlines())


def test_the_docs_state_the_demo_now_of_conf_py() -> None:
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    match = re.search(r'^incidents_now = "(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})', conf, re.M)
    assert match is not None
    now = f"{match[1]} {match[2]} UTC"
    for page in ("index.md", "metrics.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        stated = re.findall(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC)", text)
        assert stated and set(stated) == {now}, (page, stated, now)
