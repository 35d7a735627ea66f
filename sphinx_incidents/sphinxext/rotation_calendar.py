"""``rotation.ics`` in the HTML output: the support rotation, one all-day event per week.

Maintainers subscribe to ``<site>/rotation.ics`` in their calendar.  The events and their
horizon come from the roster and the records (see :mod:`sphinx_incidents.core.ical`), never
from the clock; the file is rewritten only when its content changes.  Without a roster, or
a roster without a rotation, there is no calendar (and one written by an earlier build is
removed).  ``incidents_calendar = False`` turns it off.
"""

from __future__ import annotations

from datetime import date

from sphinx.application import Sphinx

from sphinx_incidents.core.ical import rotation_ics, rotation_weeks
from sphinx_incidents.sphinxext.feed import base_url
from sphinx_incidents.sphinxext.outputs import (
    inputs_key,
    register_site_file,
    write_output,
    writes_site,
)
from sphinx_incidents.sphinxext.state import get_state

CALENDAR = "rotation.ics"


def calendar_name(app: Sphinx) -> str:
    return f"{app.config.project} support rotation"


def _weeks(app: Sphinx) -> list[tuple[date, str]]:
    """The calendar's weeks with a runner (none: no calendar is written)."""
    if not app.config.incidents_calendar or not writes_site(app.builder):
        return []
    state = get_state(app)
    roster = state.result.roster
    return rotation_weeks(roster, state.incidents) if roster is not None else []


def _write_calendar(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or not app.config.incidents_calendar or not writes_site(app.builder):
        return
    roster = get_state(app).result.roster
    name = calendar_name(app)
    url = base_url(app)

    def produce() -> str | None:
        weeks = _weeks(app)
        return rotation_ics(weeks, roster, name, url) if weeks else None

    write_output(app, CALENDAR, inputs_key(app, name, repr(url)), produce)


def setup_rotation_calendar(app: Sphinx) -> None:
    # the horizon is cheap to compute: two comparisons per week, once per page with a link
    register_site_file(CALENDAR, lambda app: bool(_weeks(app)))
    app.connect("build-finished", _write_calendar)
