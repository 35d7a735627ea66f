"""Where the generated pages sit, and what the site-wide navigation shows of them.

The pages folder (``incidents_pages``) holds one page per incident, ``<id>``, an index,
``index``, and one page per year of detection (UTC), ``<year>/index``: a folder, so that no
incident id (any run of letters, digits, ``.``, ``_`` and ``-``, four digits included) can
ever be the name of a year page.  The index's toctree lists the years, newest first.

While there are at most ``incidents_navigation_limit`` incidents, each year page's toctree
lists its incidents, and a theme's navigation (furo's sidebar, alabaster's) shows every
title.  Above it the incident pages are orphans: navigation shows the index and the years
only, and a page's previous/next links go to its neighbours within its year
(:mod:`~sphinx_incidents.sphinxext.navigation`).  Themes such as furo put the whole
navigation tree on every page, so a tree with every incident makes each page cost O(N)
and a full build O(N²); without them the tree has one entry a year.

Builders that assemble one document from the toctree (singlehtml, epub, LaTeX, Texinfo)
would leave orphans out of it: for them the incidents are always in the toctree.

In both modes the order in a year (its table, its toctree, previous/next) is the index's:
open incidents first, then the newest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sphinx.builders import Builder
from sphinx.builders.singlehtml import SingleFileHTMLBuilder

from sphinx_incidents.core.analytics import utc
from sphinx_incidents.core.model import Incident
from sphinx_incidents.sphinxext.state import IncidentsState

INDEX = "index"


def index_order(incidents: Iterable[Incident]) -> list[Incident]:
    """Open incidents first, then newest first (by detection time), then by id."""
    return sorted(incidents, key=lambda i: (not i.is_open, -i.detected.timestamp(), i.id))


def incident_year(incident: Incident) -> int:
    """The year an incident belongs to: that of its detection, in UTC (as pages show it)."""
    return utc(incident.detected).year


def year_name(year: int) -> str:
    """The year's page, relative to the pages folder: ``2025/index``.

    Four digits, checked: the only text of a year page's name, which stands in its stub
    and in the index's toctree (years before 1000 are refused when records are read)."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"not a four-digit year: {year!r}")
    return f"{year:04d}/{INDEX}"


@dataclass
class Layout:
    """The generated pages of one build (``pages`` is the folder, ``None``: no pages)."""

    pages: str | None
    in_navigation: bool
    """Whether the incident pages are in the toctree (at most the limit) or orphans."""
    years: list[int] = field(default_factory=list)  # newest first
    by_year: dict[int, list[Incident]] = field(default_factory=dict)  # index order
    titles: dict[str, str] = field(default_factory=dict)
    """Titles rendered for previous/next links, by docname (a cache for this build)."""

    def docname(self, name: str) -> str:
        return f"{self.pages}/{name}"

    def year_docname(self, year: int) -> str:
        return self.docname(year_name(year))

    @property
    def year_docnames(self) -> set[str]:
        return {self.year_docname(year) for year in self.years}

    @cached_property
    def neighbours(self) -> dict[str, tuple[int, str | None, str | None]]:
        """For each incident: its year, and the documents before and after it in its year
        (the first one's previous is the year page; the last one has no next)."""
        result: dict[str, tuple[int, str | None, str | None]] = {}
        for year, incidents in self.by_year.items():
            names = [self.year_docname(year)] + [self.docname(i.id) for i in incidents]
            for position, incident in enumerate(incidents, start=1):
                after = names[position + 1] if position + 1 < len(names) else None
                result[incident.id] = (year, names[position - 1], after)
        return result


def navigation_limit(state: IncidentsState) -> int | None:
    """``incidents_navigation_limit`` (``None``: no limit); a negative value counts as 0."""
    limit = state.config.navigation_limit
    return None if limit is None else max(0, limit)


ASSEMBLING_BUILDERS = frozenset({"singlehtml", "epub", "latex", "texinfo", "rinoh", "pdf"})
"""Builders whose output is one document put together by following the toctree."""


def assembles(builder: Builder | None) -> bool:
    """Whether ``builder`` makes one document from the toctree (orphans would be missing)."""
    if builder is None:
        return False
    return builder.name in ASSEMBLING_BUILDERS or isinstance(builder, SingleFileHTMLBuilder)


def compute_layout(state: IncidentsState, whole_toctree: bool = False) -> Layout:
    """``whole_toctree``: the builder needs every page in the toctree (:func:`assembles`)."""
    limit = navigation_limit(state)
    in_navigation = whole_toctree or limit is None or len(state.incidents) <= limit
    layout = Layout(state.config.pages, in_navigation)
    for incident in index_order(state.incidents):
        layout.by_year.setdefault(incident_year(incident), []).append(incident)
    layout.years = sorted(layout.by_year, reverse=True)
    return layout


_LAYOUTS: dict[tuple[str, str | None], tuple[IncidentsState, Layout]] = {}


def set_layout(state: IncidentsState, builder: Builder | None) -> Layout:
    """Compute this build's layout (at ``builder-inited``, once the state is loaded)."""
    layout = compute_layout(state, assembles(builder))
    _LAYOUTS[str(state.config.records_dir), state.config.pages] = (state, layout)
    return layout


def get_layout(state: IncidentsState) -> Layout:
    """The layout of this state's build, computed once (forked workers inherit it)."""
    cached = _LAYOUTS.get((str(state.config.records_dir), state.config.pages))
    if cached is not None and cached[0] is state:
        return cached[1]
    return set_layout(state, None)
