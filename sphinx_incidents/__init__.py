"""sphinx-incidents: incident records as code.

The package has two halves. :mod:`sphinx_incidents.core` knows nothing of Sphinx: it loads
the policy and the records, validates them and computes analytics; the CLI and the Sphinx
extension both call it. :mod:`sphinx_incidents.sphinxext` is the thin Sphinx layer.
``setup`` lives here so that ``extensions = ["sphinx_incidents"]`` works, and imports
Sphinx only when Sphinx calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    """Sphinx entry point; see :func:`sphinx_incidents.sphinxext.setup`."""
    from sphinx_incidents.sphinxext import setup as _setup

    return _setup(app)
