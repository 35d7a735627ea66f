"""What depends on "now" is computed in the reader's browser, from the page's timestamps.

The views test root is built once without ``incidents_now`` (so its pages do not depend on
the build's clock; see test_sphinx_clock.py) and opened in Chromium with the page's clock
fixed by Playwright (``page.clock.set_fixed_time``) at two moments: the figures follow the
reader's clock, from the very same HTML.

Needs ``/usr/bin/chromium`` and the ``playwright`` package (never ``playwright install``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

CHROMIUM = "/usr/bin/chromium"
T = TypeVar("T")
ROOT = Path(__file__).parent / "roots" / "test-views"
OPEN = "2024-05-29-reclassification"  # open since 2024-05-29 14:00; last move 05-30 10:00

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

# The Gantt source as the page's script left it, before Mermaid replaced it with a drawing
# (this script is deferred; Mermaid draws on "load", after DOMContentLoaded).
RECORD_GANTTS = """
document.addEventListener("DOMContentLoaded", () => {
  window.__gantts = Array.from(document.querySelectorAll("pre.mermaid"))
    .map(pre => pre.textContent).filter(text => text.includes("gantt"));
});
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# The test roster's five listed weeks as a cycle (the same runners from 2024-04-29 on, then
# round and round), with one swapped week far ahead: what the page holds for unlisted weeks.
CYCLE = """\
rotation:
  start: 2024-04-29
  order: [alex, blair, casey, devi, emery]
  overrides:
    - week: 2030-01-07
      runner: casey
"""


def _serve(tmp: Path, cycle: bool) -> Iterator[str]:
    src = tmp / "src"
    shutil.copytree(ROOT, src)
    if cycle:
        roster = src / "records" / "_roster.yaml"
        text = roster.read_text("utf-8")
        roster.write_text(text[: text.index("rotation:")] + CYCLE, "utf-8")
    conf = src / "conf.py"
    conf.write_text(
        "".join(
            line
            for line in conf.read_text("utf-8").splitlines(keepends=True)
            if not line.startswith("incidents_now")
        ),
        encoding="utf-8",
    )
    out = tmp / "out"
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("clock-site"), cycle=False)


@pytest.fixture(scope="module")
def cycle_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("cycle-site"), cycle=True)


class Chromium:
    """Chromium driven from a thread of its own: another module's Playwright may be running
    in this one, and the sync API allows one per thread."""

    def __init__(self) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1)
        self.playwright, self.browser = self.thread.submit(self._start).result()

    @staticmethod
    def _start() -> tuple[Any, Any]:
        playwright = sync_api.sync_playwright().start()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        return playwright, browser

    def run(self, work: Callable[[Any], T]) -> T:
        """``work(browser)`` in the browser's thread."""
        return self.thread.submit(work, self.browser).result()

    def close(self) -> None:
        self.thread.submit(lambda: (self.browser.close(), self.playwright.stop())).result()
        self.thread.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium()
    try:
        yield chromium
    finally:
        chromium.close()


def open_at(browser: Any, url: str, moment: datetime) -> Any:
    """A page at ``url`` whose clock reads ``moment``; errors fail the test (call this in
    the browser's thread)."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    page.clock.set_fixed_time(moment)
    page.add_init_script(RECORD_GANTTS)
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('pre.mermaid'))"
        ".every(pre => pre.querySelector('svg'))",
        timeout=20_000,
    )
    assert errors == []
    return page


def visit(chromium: Chromium, url: str, moment: datetime, read: Callable[[Any], T]) -> T:
    """What ``read(page)`` finds on ``url`` opened at ``moment``."""
    return chromium.run(lambda browser: read(open_at(browser, url, moment)))


def texts(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_durations_follow_the_reader_s_clock(browser: Chromium, site: str) -> None:
    def opened(page: Any) -> tuple[list[str], str]:
        title = page.locator("ul.incident-open-list time").first.get_attribute("title")
        return texts(page, "ul.incident-open-list time.incident-elapsed"), title

    june, title = visit(browser, site + "md/metrics.html", datetime(2024, 6, 1, tzinfo=UTC), opened)
    # 2024-05-27 16:00 and 2024-05-29 14:00 to 2024-06-01 00:00
    assert june == [", open for 4 d 8 h", ", open for 2 d 10 h"]
    assert title == ", still open"  # what the page said without the script
    later, _ = visit(browser, site + "md/metrics.html", datetime(2025, 6, 2, tzinfo=UTC), opened)
    assert later[1] == ", open for 368 d 10 h"


def _next_lead(page: Any) -> tuple[list[str], str]:
    days = texts(page, "table.incident-leads >> nth=0 >> time.incident-elapsed")
    return days, page.locator("p.incident-next-lead:visible").first.inner_text()


def test_days_since_and_the_next_lead_follow_the_reader_s_week(
    browser: Chromium, site: str
) -> None:
    url = site + "md/leads.html"
    # Saturday 2024-06-01: the week of 2024-05-27, whose runner (emery) led the latest incident
    days, shown = visit(browser, url, datetime(2024, 6, 1, tzinfo=UTC), _next_lead)
    assert days[0] == "23"  # alex, last on 2024-05-08 09:00
    assert "Next lead: Alex Example (@alex)" in shown and "emery led the latest" in shown
    # Wednesday 2024-05-08: blair's week
    _, shown = visit(browser, url, datetime(2024, 5, 8, 12, tzinfo=UTC), _next_lead)
    assert "Next lead: Blair Example (@blair), because: support rotation runner" in shown
    # a week the rotation does not cover
    _, shown = visit(browser, url, datetime(2030, 1, 1, tzinfo=UTC), _next_lead)
    assert "no rotation runner this week" in shown


def test_the_next_lead_follows_a_rotation_cycle(browser: Chromium, cycle_site: str) -> None:
    """Weeks a cycle names are not listed in the page; the script computes them as
    Roster.runner_for does, and an override still wins."""
    from sphinx_incidents.core.records import load_roster

    roster, _ = load_roster(ROOT / "records" / "_roster.yaml", "roster")
    assert roster is not None
    url = cycle_site + "md/leads.html"
    for moment, runner in (
        (datetime(2024, 5, 8, 12, tzinfo=UTC), "Blair Example (@blair)"),  # as listed before
        (datetime(2027, 3, 17, tzinfo=UTC), None),  # the cycle, years on (alex)
        (datetime(2030, 1, 9, tzinfo=UTC), "Casey Example (@casey)"),  # the override
    ):
        _, shown = visit(browser, url, moment, _next_lead)
        if runner is None:  # not emery, who led the latest incident (then someone else leads)
            weeks = (moment.date() - datetime(2024, 4, 29).date()).days // 7
            handle = ["alex", "blair", "casey", "devi", "emery"][weeks % 5]
            runner = f"{roster.display_name(handle)} (@{handle})"
        assert f"Next lead: {runner}, because: support rotation runner" in shown, shown


def _gantts(page: Any) -> list[str]:
    return list(page.evaluate("window.__gantts"))


def test_the_ongoing_bar_ends_at_the_reader_s_clock(browser: Chromium, site: str) -> None:
    url = site + f"incidents/{OPEN}.html"
    (chart,) = visit(browser, url, datetime(2024, 6, 1, tzinfo=UTC), _gantts)
    assert "2024-05-30T10:00:00+00:00, 2024-06-01T00:00:00+00:00" in chart
    assert "axisFormat %m-%d %H:%M" in chart  # 2.4 days: several ticks a day, hours shown
    (chart,) = visit(browser, url, datetime(2024, 6, 20, tzinfo=UTC), _gantts)
    assert "axisFormat %m-%d\n" in chart + "\n"  # three weeks: days
    # half an hour after the last move: a short chart, by the hour
    (chart,) = visit(browser, url, datetime(2024, 5, 30, 10, 30, tzinfo=UTC), _gantts)
    assert "2024-05-30T10:00:00+00:00, 2024-05-30T10:30:00+00:00" in chart
    assert "axisFormat %H:%M" in chart


def test_events_after_the_reader_s_clock_are_marked_future(browser: Chromium, site: str) -> None:
    url = site + f"incidents/{OPEN}.html"

    def when(page: Any) -> list[str]:
        return texts(page, "table.incident-timeline time.incident-moment")

    assert visit(browser, url, datetime(2024, 5, 29, 16, tzinfo=UTC), when) == [
        "2024-05-29 14:00 UTC",
        "2024-05-29 15:00 UTC",
        "2024-05-29 18:00 UTC (future)",
        "2024-05-30 09:00 UTC (future)",
        "2024-05-30 10:00 UTC (future)",
    ]
    later = visit(browser, url, datetime(2024, 6, 1, tzinfo=UTC), when)
    assert not any("future" in text for text in later)
