"""view_digests: a view whose digest cannot be computed is always re-read.

That the digests of the index and of incident-table change exactly when what they show
changes is tested end to end in test_sphinx_incremental.py (re-read counts, and every
incremental build compared with a clean one).
"""

from __future__ import annotations

from typing import Any, cast

from sphinx_incidents.sphinxext.state import IncidentsState
from sphinx_incidents.sphinxext.view_digests import register_view, view_changed

STATE = cast(IncidentsState, object())  # the functions below never look at it


def test_an_unknown_kind_is_re_read() -> None:
    assert view_changed(STATE, "no-such-view", (), "digest")


def test_a_failing_digest_is_re_read_not_raised() -> None:
    def broken(state: IncidentsState, params: Any) -> str:
        raise KeyError("a record vanished")

    register_view("test-broken", broken)
    assert view_changed(STATE, "test-broken", (), "digest")


def test_an_equal_digest_is_not_re_read() -> None:
    register_view("test-fixed", lambda state, params: f"d{dict(params)['n']}")
    assert not view_changed(STATE, "test-fixed", (("n", "1"),), "d1")
    assert view_changed(STATE, "test-fixed", (("n", "2"),), "d1")
