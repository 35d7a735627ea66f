"""Skip Sphinx's smart-quotes pass on documents that hold nothing it may change.

Record text is shown exactly as written (``support_smartquotes = False`` on everything the
extension renders), so on a generated incident page the SmartQuotes transform changes
nothing; it still walks every text node and asks each for its ancestors: about a tenth of
a full build at 1,000 incidents (profiled, see docs/benchmarks.md).  Sphinx skips the pass
when ``document.settings.smart_quotes`` is ``False`` ("disabled by 3rd party extension"),
so :class:`SkipSmartQuotes` sets it, just before the pass, on a document whose every part
is either invisible (comments, targets, the ``:orphan:`` field) or marked as not to be
smartened, and :class:`RestoreSmartQuotes` puts the setting back just after it (Sphinx
8.1's publisher shares one settings object between documents).  Any other document, a
written page with an ``incident`` directive among other text, is left to the pass.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.transforms import Transform
from sphinx.application import Sphinx
from sphinx.transforms import SphinxSmartQuotes

SAVED = "sphinx_incidents_smart_quotes"


def nothing_to_smarten(document: nodes.document) -> bool:
    return bool(document.children) and all(
        isinstance(child, (nodes.Invisible, nodes.docinfo))
        or (isinstance(child, nodes.Element) and child.get("support_smartquotes") is False)
        for child in document.children
    )


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
