"""The view directives: ``incident-table``, ``incident-graph``, ``incident-timeline``,
``incident-leads``, ``incident-metrics`` and ``incident-policy``, one module each."""

from __future__ import annotations

from sphinx.application import Sphinx

from sphinx_incidents.sphinxext.directives.common import setup_common
from sphinx_incidents.sphinxext.directives.graph import setup_graph
from sphinx_incidents.sphinxext.directives.leads import setup_leads
from sphinx_incidents.sphinxext.directives.metrics import setup_metrics
from sphinx_incidents.sphinxext.directives.policy_view import setup_policy_view
from sphinx_incidents.sphinxext.directives.table import setup_table
from sphinx_incidents.sphinxext.directives.timeline import setup_timeline

__all__ = ["setup_directives"]


def setup_directives(app: Sphinx) -> None:
    setup_common(app)
    setup_table(app)
    setup_graph(app)
    setup_timeline(app)
    setup_leads(app)
    setup_metrics(app)
    setup_policy_view(app)
