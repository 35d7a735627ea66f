"""Times relative to "now", without making pages depend on when they were built.

A page that said "open for 3 d" would be wrong a day later, and rebuilding it every day
would re-read every incident page on every build (and make ``-W`` builds and diffs change
with no commit).  So, unless the project fixes "now" itself (``incidents_now`` in
``conf.py``: the user asked for that instant, and gets exactly it, server-side), every
clock-dependent bit of a page is written as its timestamp:

- :func:`elapsed_since`: ``<time class="incident-elapsed" datetime="...">`` whose text is
  the absolute time (what readers without JavaScript, and the text and LaTeX builders,
  see); ``sphinx-incidents.js`` replaces it with the duration up to the reader's clock;
- :func:`moment`: a timestamp that the script marks " (future)" when it is after the
  reader's clock;
- :func:`by_week`: one variant per rotation runner; the script shows the one of the
  reader's week (the next lead depends on who runs the rotation this week);
- Gantt charts mark an open incident's ongoing bar with a ``%% incidents-ongoing`` comment
  line, and the script ends it at the reader's clock before Mermaid draws it (see
  ``directives/timeline.py``).

With a fixed "now" the same helpers render plain text computed from it, as before.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

from sphinx_incidents.core.analytics import format_duration, utc
from sphinx_incidents.core.model import RotationCycle


def iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``: what ``Date.parse`` reads in every browser."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


class elapsed(nodes.inline):
    """Text computed in the browser from ``start`` (see :func:`elapsed_since`)."""


class moment_node(nodes.inline):
    """A timestamp the browser marks with ``future`` when it is after the reader's clock."""


class by_week(nodes.container):
    """Variants of a block (``week_variant`` children) per rotation runner; ``weeks`` maps
    each week's Monday to its runner."""


class week_variant(nodes.container):
    """One variant of a :class:`by_week` block: ``runner`` is a handle, ``""`` for a week
    without a runner, or ``None`` for the text shown without JavaScript."""


def elapsed_since(
    start: datetime,
    now: datetime | None,
    template: str,
    fallback: str,
    base: timedelta = timedelta(0),
    days: bool = False,
) -> nodes.Node:
    """``template`` with ``{}`` replaced by the time from ``start`` to now, plus ``base``.

    ``days``: whole days (rounded down, never negative) instead of a duration.  With a
    fixed ``now`` this is plain text; otherwise the browser computes it, and ``fallback``
    (which should give the absolute time) is the text until then.
    """
    if now is not None:
        delta = base + (now - start)
        value = str(max(0, delta // timedelta(days=1))) if days else format_duration(delta)
        return nodes.Text(template.replace("{}", value))
    node = elapsed(
        start=iso(start),
        template=template,
        base=str(int(base.total_seconds())),
        unit="days" if days else "duration",
    )
    node += nodes.Text(fallback)
    return node


def moment(at: datetime, text: str, now: datetime | None, future: str) -> nodes.Node:
    """``text`` for the instant ``at``, followed by ``future`` when ``at`` is after now."""
    if now is not None:
        return nodes.Text(text + (future if at > now else ""))
    node = moment_node(start=iso(at), future=future)
    node += nodes.Text(text)
    return node


def weekly(
    weeks: dict[date, str],
    variants: dict[str, nodes.Node],
    default: nodes.Node,
    cycle: RotationCycle | None = None,
) -> by_week:
    """A block whose text depends on the reader's week: ``variants`` by runner (``""``: a
    week nobody runs), ``default`` without JavaScript and in other builders.  ``weeks`` are
    the listed weeks; a rotation ``cycle`` (start, order) names the others, from its start
    on, round and round (the script computes the reader's week from it)."""
    repeat = {"start": cycle.start.isoformat(), "order": cycle.order} if cycle else {}
    container = by_week(
        weeks=json.dumps({w.isoformat(): r for w, r in sorted(weeks.items())}),
        cycle=json.dumps(repeat),
    )
    container += week_variant("", default, runner=None)
    for runner, node in variants.items():
        container += week_variant("", node, runner=runner)
    return container


# --- HTML ---------------------------------------------------------------------------------


def _visit_elapsed(self: Any, node: elapsed) -> None:
    attributes = {
        "datetime": node["start"],
        "data-incident-elapsed": node["template"],
        "data-incident-base": node["base"],
        "data-incident-unit": node["unit"],
    }
    self.body.append(self.starttag(node, "time", "", CLASS="incident-elapsed", **attributes))


def _visit_moment(self: Any, node: moment_node) -> None:
    attributes = {"datetime": node["start"], "data-incident-future": node["future"]}
    self.body.append(self.starttag(node, "time", "", CLASS="incident-moment", **attributes))


def _depart_time(self: Any, node: nodes.Element) -> None:
    self.body.append("</time>")


def _visit_by_week(self: Any, node: by_week) -> None:
    attributes = {"data-incident-weeks": node["weeks"]}
    if node.get("cycle", "{}") != "{}":
        attributes["data-incident-cycle"] = node["cycle"]
    self.body.append(self.starttag(node, "div", "", CLASS="incident-by-week", **attributes))


def _visit_variant(self: Any, node: week_variant) -> None:
    if node["runner"] is None:
        self.body.append(self.starttag(node, "div", "", CLASS="incident-week-default"))
    else:
        attributes = {"data-incident-runner": node["runner"], "hidden": "hidden"}
        self.body.append(
            self.starttag(node, "div", "", CLASS="incident-week-variant", **attributes)
        )


def _depart_div(self: Any, node: nodes.Element) -> None:
    self.body.append("</div>\n")


class KeepVariantsForHtml(SphinxPostTransform):
    """HTML builders keep every variant, for the script to choose from."""

    default_priority = 5
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in self.document.findall(by_week):
            node["html"] = True


class KeepDefaultVariant(SphinxPostTransform):
    """Builders that run no script (text, LaTeX, ...) show the text without JavaScript."""

    default_priority = 6

    def run(self, **kwargs: Any) -> None:
        for block in list(self.document.findall(by_week)):
            if block.get("html"):
                continue
            for node in list(block.findall(week_variant)):
                if node["runner"] is not None:
                    block.remove(node)


def setup_clock(app: Sphinx) -> None:
    app.add_node(elapsed, html=(_visit_elapsed, _depart_time))
    app.add_node(moment_node, html=(_visit_moment, _depart_time))
    app.add_node(by_week, html=(_visit_by_week, _depart_div))
    app.add_node(week_variant, html=(_visit_variant, _depart_div))
    app.add_post_transform(KeepVariantsForHtml)
    app.add_post_transform(KeepDefaultVariant)
