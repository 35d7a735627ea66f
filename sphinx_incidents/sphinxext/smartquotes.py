"""Skip Sphinx's smart-quotes pass on documents that hold nothing it may change.

Record text is shown exactly as written (``support_smartquotes = False`` on everything the
extension renders), so on a generated incident page the SmartQuotes transform changes
nothing; it still walks every text node and asks each for its ancestors: about a tenth of
a full build at 1,000 incidents (profiled, see docs/benchmarks.md).  Sphinx skips the pass
when ``document.settings.smart_quotes`` is ``False`` ("disabled by 3rd party extension"),
so :class:`SkipSmartQuotes` sets it, just before the pass, on a document whose every part
is either invisible (comments, targets, the ``:orphan:`` field, toctrees), marked as not
to be smartened, or a section of such parts under a title of letters, digits and spaces
(the generated index and year pages), and :class:`RestoreSmartQuotes` puts the setting
back just after it (Sphinx 8.1's publisher shares one settings object between documents).
Any other document, a written page with an ``incident`` directive among other text, is
left to the pass.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.transforms import Transform
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxSmartQuotes

SAVED = "sphinx_incidents_smart_quotes"


PLAIN_TITLE = re.compile(r"[\w ]*")
"""A title SmartQuotes leaves as it is: no quote, dash or dot ("Incidents in 2025")."""


def _as_written(node: nodes.Node) -> bool:
    if isinstance(node, (nodes.Invisible, nodes.docinfo)):
        return True
    if not isinstance(node, nodes.Element):
        return False
    if node.get("support_smartquotes") is False:
        return True
    if isinstance(node, nodes.title):
        return PLAIN_TITLE.fullmatch(node.astext()) is not None
    if isinstance(node, addnodes.toctree):
        return True  # its entries are names, titled later
    if isinstance(node, nodes.compound) and "toctree-wrapper" in node["classes"]:
        return all(_as_written(child) for child in node.children)
    # a generated section (the index, a year page): its title, then marked content
    return isinstance(node, nodes.section) and all(_as_written(child) for child in node.children)


def nothing_to_smarten(document: nodes.document) -> bool:
    return bool(document.children) and all(_as_written(child) for child in document.children)


class SkipSmartQuotes(Transform):
    default_priority = SphinxSmartQuotes.default_priority - 1

    def apply(self, **kwargs: Any) -> None:
        settings = self.document.settings
        if nothing_to_smarten(self.document) and getattr(settings, "smart_quotes", None):
            self.document[SAVED] = settings.smart_quotes
            settings.smart_quotes = False


class RestoreSmartQuotes(Transform):
    default_priority = SphinxSmartQuotes.default_priority + 1

    def apply(self, **kwargs: Any) -> None:
        if SAVED in self.document:
            self.document.settings.smart_quotes = self.document[SAVED]
            del self.document[SAVED]


def setup_smartquotes(app: Sphinx) -> None:
    app.add_transform(SkipSmartQuotes)
    app.add_transform(RestoreSmartQuotes)
