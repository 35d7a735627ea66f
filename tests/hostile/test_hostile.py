"""The hostile corpus (``hostile_cases.py``), each case in a subprocess, within bounds.

For every case: no traceback, the expected code and exit status, nothing it must not print,
at most :data:`~hostile_runner.TIME_S` seconds of CPU (builds: on top of an empty site's
build) and :data:`~hostile_runner.MEMORY_MB` MB of peak memory, no hang.  Cases that build
HTML from hostile text are also opened in Chromium (``browser`` marker): no dialog opens, no
script error, no element a record could have injected.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hostile_cases import CASES, Case
from hostile_runner import Outcome, baseline_build, problems, run

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def baseline_cpu(tmp_path_factory: pytest.TempPathFactory) -> float:
    outcome = baseline_build(tmp_path_factory.mktemp("hostile-baseline"))
    assert outcome.returncode == 0, outcome.stderr
    return outcome.cpu_s


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_case(case: Case, tmp_path: Path, baseline_cpu: float) -> None:
    if case.requires is not None:
        pytest.importorskip(case.requires)
    outcome = run(case, tmp_path / "case")
    if _only_cpu(problems(outcome, baseline_cpu)):
        # CPU seconds stretch on a machine busy with other work (shared caches, frequency):
        # measure once more and keep the faster run, as a benchmark takes its best of N.
        again = run(case, tmp_path / "again")
        outcome = min(outcome, again, key=lambda o: o.cpu_s)
    report = (
        f"{case.name}: {case.note}\n"
        f"exit {outcome.returncode}, {outcome.cpu_s:.2f} s CPU, {outcome.wall_s:.2f} s wall, "
        f"{outcome.peak_mb:.0f} MB peak\n"
    )
    wrong = problems(outcome, baseline_cpu)
    assert not wrong, report + "\n".join(wrong) + "\n--- output:\n" + outcome.output[-3000:]


def _only_cpu(found: list[str]) -> bool:
    return bool(found) and all(" s of CPU, more than " in problem for problem in found)


# --- in the browser -------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


INJECTED = """() => ({
    img: document.querySelectorAll('img[src="x"]').length,
    frames: document.querySelectorAll('iframe, object, embed').length,
    handlers: Array.from(document.querySelectorAll('*')).filter(
        el => Array.from(el.attributes).some(a => /^on/i.test(a.name))).length,
    scripts: Array.from(document.scripts).filter(s => s.textContent.includes('alert(')).length,
    jsLinks: Array.from(document.querySelectorAll('a[href]')).filter(
        a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
})"""


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")
@pytest.mark.parametrize("case", [c for c in CASES if c.browser], ids=lambda c: c.name)
def test_hostile_html_runs_nothing_in_chromium(case: Case, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    outcome: Outcome = run(case, tmp_path / "case")
    assert outcome.returncode == 0, outcome.stderr
    out = tmp_path / "case" / "out"
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    pages = [p for p in pages if not p.startswith(("_static/", "_sources/"))]
    assert pages
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright, serve(out) as base:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(base) else route.abort()
                ),
            )
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("pageerror", lambda error: errors.append(str(error)))
            for path in pages:
                page.goto(base + path, wait_until="load")
                for element in page.locator("a, img, b, span").all()[:40]:
                    if element.is_visible():
                        element.hover()
                page.wait_for_timeout(300)  # late handlers, Mermaid
                assert page.evaluate(INJECTED) == {
                    "img": 0,
                    "frames": 0,
                    "handlers": 0,
                    "scripts": 0,
                    "jsLinks": 0,
                }, path
        finally:
            browser.close()
    assert dialogs == [] and errors == []
