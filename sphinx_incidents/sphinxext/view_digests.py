"""Digests of what an aggregate view shows, so that an edit re-reads only the views it changes.

A document that notes a dependency on ``ALL`` incidents is re-read whenever any record
changes.  For the big aggregate views that is most of an incremental build: at 1,000
incidents re-reading the incident index (a 1,000-row table) costs more than the edited
incident's own page, even when the edit (a timeline note, a typo in the summary) changes
nothing the index shows.

So a view that can compute *what it shows* as plain data registers a digest function
here.  When it is read, the directive stores ``(kind, params, digest)`` in the domain
(:func:`~sphinx_incidents.sphinxext.domain.note_view`); at ``env-get-outdated`` the digest
is computed again from the new records and the document is re-read only if it differs.
The directive renders from the very data it digests, so an unchanged digest means an
unchanged output: never stale, by construction.  The digest also covers the policy, the
roster and the settings (``state.shared_fingerprint``), which label and link what a view
shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sphinx_incidents.sphinxext.domain import ViewParams
from sphinx_incidents.sphinxext.state import IncidentsState

DigestFunction = Callable[[IncidentsState, ViewParams], str]

_DIGESTS: dict[str, DigestFunction] = {}


def register_view(kind: str, function: DigestFunction) -> None:
    """Make ``kind`` a view whose content digest ``function`` computes from the state."""
    _DIGESTS[kind] = function


def content_digest(state: IncidentsState, data: object) -> str:
    """The digest of ``data`` (plain values with a stable ``repr``) under this state's
    policy, roster and settings."""
    h = hashlib.sha256(state.shared_fingerprint.encode())
    h.update(repr(data).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def view_changed(state: IncidentsState, kind: str, params: ViewParams, digest: str) -> bool:
    """Whether the view would now show something else (unknown kinds: always)."""
    function = _DIGESTS.get(kind)
    if function is None:
        return True
    try:
        return function(state, params) != digest
    except Exception:  # a failing digest must mean "re-read", never a crash
        return True
