"""Stand-ins for sphinx-incidents directives that this checkout does not register yet.

The docs use every directive of the interface contract.  While one of them is still being
written, its pages would otherwise fail ``sphinx-build -W``; this local extension registers
a placeholder (a short note, logged at INFO level) for each missing name only.  A directive
the package does register is never touched, so the file is inert once all of them exist
and can then be deleted.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, is_directive_registered

logger = logging.getLogger(__name__)

CONTRACT = (
    "incident-table",
    "incident-graph",
    "incident-timeline",
    "incident-leads",
    "incident-metrics",
    "incident-policy",
)


class Pending(SphinxDirective):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = None  # accept any option

    def run(self) -> list[nodes.Node]:
        logger.info("%s is not registered yet; rendering a placeholder", self.name)
        note = nodes.note()
        note += nodes.paragraph(
            "", f"The {self.name} directive is not available in this build of sphinx-incidents."
        )
        return [note]


class _AnyOptions(dict[str, Any]):
    def __getitem__(self, key: str) -> Any:
        return lambda value: value

    def __contains__(self, key: object) -> bool:
        return True


def setup(app: Sphinx) -> dict[str, Any]:
    for name in CONTRACT:
        if not is_directive_registered(name):
            directive = type(f"Pending_{name.replace('-', '_')}", (Pending,), {})
            directive.option_spec = _AnyOptions()
            app.add_directive(name, directive)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
