"""Run hostile cases in a subprocess and measure them: CPU time, wall time, peak memory.

The child is waited for with :func:`os.wait4`, which returns *that* child's resource usage
(``ru_maxrss`` is its peak resident memory), so nothing is shared with other children of the
test process.  Time is held to the bound as CPU time (user + system), which a machine busy
with other work does not inflate; a wall-clock limit of :data:`HANG_S` catches hangs, which
use no CPU at all (a FIFO opened for reading).

``python tests/hostile/hostile_runner.py [NAME ...]`` prints the table of every case (or the
named ones): the numbers the closing notes of hardening work quote.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from hostile_cases import CASES, Case

TIME_S = 2.0
"""CPU seconds a case may take; for a build, on top of an empty site's build."""
MEMORY_MB = 200
"""Peak resident memory of the process running a case."""
HANG_S = float(os.environ.get("HOSTILE_HANG_S", "60"))
"""Wall-clock seconds after which a case is killed and reported as hanging."""


@dataclass
class Outcome:
    case: Case
    root: Path
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float
    wall_s: float
    peak_mb: float
    hung: bool

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def argv_for(case: Case, args: list[str]) -> list[str]:
    if case.command == "build":
        return [sys.executable, "-m", "sphinx", "-E", "-b", "html", *args]
    return [sys.executable, "-m", "sphinx_incidents.cli.main", case.command, *args]


def run(case: Case, root: Path) -> Outcome:
    """Lay the case out in ``root`` (an empty folder) and run its command there."""
    root.mkdir(parents=True, exist_ok=True)
    args = case.setup(root)
    env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "NO_COLOR": "1",
        "SPHINX_INCIDENTS_USER": "alex",
    }
    env.pop("SOURCE_DATE_EPOCH", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            argv_for(case, args),
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        pid = process.pid
        hung = threading.Event()

        def kill() -> None:
            hung.set()
            os.kill(pid, signal.SIGKILL)

        timer = threading.Timer(HANG_S, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(pid, 0)  # this child's own resource usage
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Outcome(
        case,
        root,
        process.returncode,
        stdout,
        stderr,
        usage.ru_utime + usage.ru_stime,
        wall,
        usage.ru_maxrss / 1024,  # KiB on Linux
        hung.is_set(),
    )


def baseline_build(root: Path) -> Outcome:
    """An empty site's build: what every build case costs before its attack."""
    from hostile_cases import records, site

    empty = Case("empty-site", "build", lambda r: (records(r), site(r))[1])
    return run(empty, root)


def problems(outcome: Outcome, baseline_cpu: float = 0.0) -> list[str]:
    """Everything wrong with an outcome, in words (empty when the case passed)."""
    case = outcome.case
    found = []
    if outcome.hung:
        found.append(f"hung: killed after {HANG_S:.0f} s")
    if "Traceback" in outcome.output:
        found.append("a traceback:\n" + outcome.stderr[-2000:])
    if outcome.returncode not in case.exit:
        found.append(f"exit status {outcome.returncode}, expected one of {case.exit}")
    for code in case.codes:
        if code not in outcome.output:
            found.append(f"{code!r} is not in the output")
    for text in case.absent:
        if text in outcome.output:
            found.append(f"{text!r} is in the output")
    if case.browser:
        found += injected_markup(outcome.root / "out")
    budget = TIME_S + (baseline_cpu if case.command == "build" else 0.0)
    if outcome.cpu_s > budget:
        found.append(f"{outcome.cpu_s:.2f} s of CPU, more than {budget:.2f} s")
    if outcome.peak_mb > MEMORY_MB:
        found.append(f"peak memory {outcome.peak_mb:.0f} MB, more than {MEMORY_MB} MB")
    return found


class _Markup(HTMLParser):
    """Elements and attributes a hostile record would have injected, had it got through."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("iframe", "object", "embed", "svg") or (
            tag == "img" and values.get("src") == "x"
        ):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script and "alert(" in data:
            self.found.append("<script> calling alert")

    def handle_endtag(self, tag: str) -> None:
        self._script = False


def injected_markup(out: Path) -> list[str]:
    """Markup from records in the built HTML (escaped text such as ``&lt;script`` is fine)."""
    found = []
    pages = sorted(out.rglob("*.html"))
    if not pages:
        return [f"no HTML was written in {out}"]
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        parser = _Markup()
        parser.feed(text)
        found += [f"{page.relative_to(out)}: {what}" for what in parser.found]
        if "\x1b" in text or "\x07" in text:
            found.append(f"{page.relative_to(out)}: a control character")
    return found


def main(names: list[str]) -> int:
    chosen = [c for c in CASES if not names or c.name in names]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        base = baseline_build(Path(tmp) / "_baseline")
        print(f"{'case':42} {'cmd':6} {'exit':>4} {'cpu s':>6} {'wall s':>6} {'peak MB':>7}")
        print(
            f"{'(empty site build)':42} {'build':6} {base.returncode:>4} {base.cpu_s:6.2f} "
            f"{base.wall_s:6.2f} {base.peak_mb:7.0f}"
        )
        for case in chosen:
            outcome = run(case, Path(tmp) / case.name)
            wrong = problems(outcome, base.cpu_s)
            failed += bool(wrong)
            print(
                f"{case.name:42} {case.command:6} {outcome.returncode:>4} {outcome.cpu_s:6.2f} "
                f"{outcome.wall_s:6.2f} {outcome.peak_mb:7.0f}" + ("  FAIL" if wrong else "")
            )
            for line in wrong:
                print("    " + line)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
