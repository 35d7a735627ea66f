"""Regenerate the terminal session of docs/runbook.md from the real commands.

The runbook walks through a whole incident with ``sphinx-incidents`` commands.  Every
console block right after a ``<!-- transcript at=TIMESTAMP -->`` marker is part of one
session: this script runs the block's ``$ `` commands (in order, blocks in document order) in
a fresh git repository holding a copy of ``incident_records/_roster.yaml``, with "now" set to
the marker's timestamp (``SOURCE_DATE_EPOCH``), and writes their real output (stdout and
stderr, as a terminal shows them) back under each command.

    python docs/_tools/runbook_transcript.py           # rewrite docs/runbook.md
    python docs/_tools/runbook_transcript.py --check   # exit 1 if it is out of date

Commands are ``sphinx-incidents ...`` (run in-process), ``git ...`` and ``export NAME=VALUE``;
a command continues on the next line after a trailing backslash.  tests/test_runbook.py runs
the check, so the runbook cannot drift from what the commands print.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout, suppress
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbook.md"
ROSTER = ROOT / "incident_records" / "_roster.yaml"
GIT_EMAIL = "olga@example.org"  # the roster's Olga: who is logging when nobody says
MARK = re.compile(r"^<!-- transcript at=(?P<at>\S+) -->$")
CLEARED = ("SPHINX_INCIDENTS_USER", "SPHINX_INCIDENTS_DIR", "NO_COLOR", "FORCE_COLOR")


def _epoch(timestamp: str) -> str:
    return str(int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()))


@contextmanager
def _session_env(env: dict[str, str], cwd: Path) -> Iterator[None]:
    saved, here = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


class Session:
    """One shell: a repository with the roster, and the environment commands see."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / "repo"
        records = self.root / "incident_records"
        records.mkdir(parents=True)
        shutil.copy(ROSTER, records / "_roster.yaml")
        gitconfig = folder / "gitconfig"
        gitconfig.write_text("")
        self.env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        self.env.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1")
        self._git("init", "-q")
        self._git("config", "user.email", GIT_EMAIL)

    def _git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True
        )
        return done.stdout + done.stderr

    def run(self, argv: list[str], at: str) -> str:
        if argv[0] == "export":
            name, _, value = argv[1].partition("=")
            self.env[name] = value
            return ""
        if argv[0] == "git":
            return self._git(*argv[1:])
        if argv[0] != "sphinx-incidents":
            raise SystemExit(f"runbook: unknown command {argv[0]!r}")
        from sphinx_incidents.cli.main import main

        out = io.StringIO()
        env = {**self.env, "SOURCE_DATE_EPOCH": _epoch(at)}
        with (
            _session_env(env, self.root),
            redirect_stdout(out),
            redirect_stderr(out),
            suppress(SystemExit),  # argparse errors: the message is in the output
        ):
            main(argv[1:])
        return out.getvalue()


def _commands(lines: list[str]) -> Iterator[tuple[list[str], list[str]]]:
    """(lines as shown, argv) for each ``$ `` command of a block's lines."""
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.startswith("$ "):
            continue  # an old output line
        shown = [line]
        while shown[-1].endswith("\\") and index < len(lines):
            shown.append(lines[index])
            index += 1
        text = " ".join(part.rstrip("\\").strip() for part in shown)[2:]
        yield shown, shlex.split(text)


def regenerate(markdown: str) -> str:
    """``markdown`` with every transcript block's output replaced by the real one."""
    lines = markdown.split("\n")
    result: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        session = Session(Path(tmp))
        index = 0
        while index < len(lines):
            line = lines[index]
            result.append(line)
            index += 1
            mark = MARK.match(line)
            if mark is None:
                continue
            if lines[index] != "```console":
                raise SystemExit(
                    f"runbook line {index + 1}: a transcript marker needs a console block"
                )
            end = lines.index("```", index + 1)
            result.append(lines[index])
            for shown, argv in _commands(lines[index + 1 : end]):
                result += shown
                output = session.run(argv, mark["at"])
                result += output.rstrip("\n").split("\n") if output.strip() else []
            result.append("```")
            index = end + 1
    return "\n".join(result)


def main(argv: list[str]) -> int:
    current = RUNBOOK.read_text(encoding="utf-8")
    fresh = regenerate(current)
    if "--check" in argv:
        if fresh == current:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(), fresh.splitlines(), "docs/runbook.md", "real output", lineterm=""
        )
        print("\n".join(diff))
        print("\ndocs/runbook.md is out of date: run python docs/_tools/runbook_transcript.py")
        return 1
    RUNBOOK.write_text(fresh, encoding="utf-8")
    print(f"wrote {RUNBOOK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
