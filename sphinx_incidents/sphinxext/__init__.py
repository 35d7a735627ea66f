"""The Sphinx layer: configuration, state, domain, pages, directives, wiring.

Each feature has its own module with a ``setup_<feature>(app)`` function, in the manner of
sphinx-design; :func:`setup` calls them all.  The layer only turns core results into
docutils nodes and files: loading, validation and analytics happen in
:mod:`sphinx_incidents.core`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.fileutil import copy_asset_file

from sphinx_incidents import __version__
from sphinx_incidents.sphinxext.banner import setup_banner
from sphinx_incidents.sphinxext.clock import setup_clock
from sphinx_incidents.sphinxext.config import setup_config
from sphinx_incidents.sphinxext.directives import setup_directives
from sphinx_incidents.sphinxext.domain import IncidentDomain, IncidentRole, suggest_incident
from sphinx_incidents.sphinxext.feed import setup_feed
from sphinx_incidents.sphinxext.gc_freeze import setup_gc_freeze
from sphinx_incidents.sphinxext.incident_index import setup_incident_index
from sphinx_incidents.sphinxext.incident_page import setup_incident_page
from sphinx_incidents.sphinxext.json_output import setup_json_output
from sphinx_incidents.sphinxext.navigation import setup_navigation
from sphinx_incidents.sphinxext.nodes import setup_nodes
from sphinx_incidents.sphinxext.outputs import setup_outputs
from sphinx_incidents.sphinxext.pages import setup_pages, write_stubs
from sphinx_incidents.sphinxext.privacy import setup_privacy
from sphinx_incidents.sphinxext.rotation_calendar import setup_rotation_calendar
from sphinx_incidents.sphinxext.smartquotes import setup_smartquotes
from sphinx_incidents.sphinxext.source_links import setup_source_links
from sphinx_incidents.sphinxext.state import load_state, set_state

ASSETS = Path(__file__).parent / "assets"
CSS = "sphinx-incidents.css"
JS = "sphinx-incidents.js"
ENV_VERSION = 2  # 2: year pages, incident pages out of the toctree above a limit


def _on_builder_inited(app: Sphinx) -> None:
    set_state(app, load_state(app))
    write_stubs(app)
    _copy_assets(app)


def _copy_assets(app: Sphinx) -> None:
    """Copy our CSS/JS before pages are written, so their ``?v=`` checksums are stable."""
    if app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        for asset in sorted(ASSETS.iterdir()):
            copy_asset_file(str(asset), str(static), force=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    setup_config(app)
    app.add_domain(IncidentDomain)
    app.connect("warn-missing-reference", suggest_incident)
    app.add_role("incident", IncidentRole(warn_dangling=True))
    setup_nodes(app)
    setup_clock(app)
    setup_pages(app)
    setup_navigation(app)
    setup_source_links(app)
    setup_incident_page(app)
    setup_smartquotes(app)
    setup_incident_index(app)
    setup_json_output(app)
    setup_privacy(app)
    setup_outputs(app)
    setup_feed(app)
    setup_banner(app)
    setup_rotation_calendar(app)
    setup_gc_freeze(app)
    setup_directives(app)
    try:
        from sphinx_incidents.sphinxext.mermaid_assets import setup_mermaid_assets

        setup_mermaid_assets(app)
    except ImportError:  # pragma: no cover
        pass
    app.add_css_file(CSS)
    app.add_js_file(JS, loading_method="defer")
    app.connect("builder-inited", _on_builder_inited, priority=400)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
