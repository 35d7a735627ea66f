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
from sphinx_incidents.sphinxext.config import setup_config
from sphinx_incidents.sphinxext.domain import IncidentDomain, IncidentRole
from sphinx_incidents.sphinxext.incident_index import setup_incident_index
from sphinx_incidents.sphinxext.incident_page import setup_incident_page
from sphinx_incidents.sphinxext.json_output import setup_json_output
from sphinx_incidents.sphinxext.nodes import setup_nodes
from sphinx_incidents.sphinxext.pages import setup_pages, write_stubs
from sphinx_incidents.sphinxext.state import load_state

ASSETS = Path(__file__).parent / "assets"
CSS = "sphinx-incidents.css"
ENV_VERSION = 1


def _on_builder_inited(app: Sphinx) -> None:
    app._sphinx_incidents_state = load_state(app)  # type: ignore[attr-defined]
    write_stubs(app)


def _copy_assets(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        copy_asset_file(str(ASSETS / CSS), str(static))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    setup_config(app)
    app.add_domain(IncidentDomain)
    app.add_role("incident", IncidentRole(warn_dangling=True))
    setup_nodes(app)
    setup_pages(app)
    setup_incident_page(app)
    setup_incident_index(app)
    setup_json_output(app)
    try:
        from sphinx_incidents.sphinxext.mermaid_assets import setup_mermaid_assets

        setup_mermaid_assets(app)
    except ImportError:  # pragma: no cover
        pass
    app.add_css_file(CSS)
    app.connect("builder-inited", _on_builder_inited, priority=400)
    app.connect("build-finished", _copy_assets)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
