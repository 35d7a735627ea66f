"""A timing-only Sphinx extension: where the main process spends a build, serial or ``-j``.

Not part of sphinx-incidents.  It wraps a few of Sphinx's build phases and, at the end of
the build, prints one ``TIMING`` line per phase to stderr (seconds and calls), which is
how ``docs/benchmarks.md`` explains why ``-j 2`` loses at 5,000 incidents::

    python bench/build_bench.py --sizes 5000 --no-needs --keep /tmp/b
    PYTHONPATH=bench python -m sphinx -b html -j 2 -E \\
        -D extensions=myst_parser,sphinx_incidents,phase_timing \\
        /tmp/b/incidents-build-5000-*/ours/src /tmp/timing-out

Times are of the main process only (with ``-j``, workers run in forked processes; their
time shows as ``join`` and ``add_task`` waits).  It wraps Sphinx internals
(``Builder._read_parallel`` and friends), so it may need adjusting for other Sphinx
versions.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sphinx.builders
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import ParallelTasks

SECONDS: defaultdict[str, float] = defaultdict(float)
CALLS: defaultdict[str, int] = defaultdict(int)


def _timed(key: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[key] += time.perf_counter() - started
            CALLS[key] += 1

    return wrapper


def _wrap(owner: Any, name: str, key: str) -> None:
    setattr(owner, name, _timed(key, getattr(owner, name)))


class _TimedPickle:
    """Stands in for the ``pickle`` module inside ``sphinx.builders``: times the loads of
    the environments that parallel readers send back."""

    def __getattr__(self, name: str) -> Any:
        return getattr(pickle, name)

    loads = staticmethod(_timed("pickle.loads (worker environments)", pickle.loads))


def _report(app: Sphinx, exception: Exception | None) -> None:
    for key in sorted(SECONDS, key=lambda k: -SECONDS[k]):
        print(f"TIMING {key:<38} {SECONDS[key]:8.1f} s  x{CALLS[key]}", file=sys.stderr)


def setup(app: Sphinx) -> dict[str, Any]:
    builder = sphinx.builders.Builder
    for name in ("_read_serial", "_read_parallel", "_write_serial", "_write_parallel"):
        _wrap(builder, name, name.lstrip("_"))
    _wrap(BuildEnvironment, "merge_info_from", "merge_info_from")
    _wrap(BuildEnvironment, "get_and_resolve_doctree", "get_and_resolve_doctree")
    _wrap(StandaloneHTMLBuilder, "write_doc_serialized", "write_doc_serialized")
    _wrap(ParallelTasks, "add_task", "add_task (fork, or wait for a free worker)")
    _wrap(ParallelTasks, "join", "join (wait for the workers)")
    sphinx.builders.pickle = _TimedPickle()  # type: ignore[attr-defined]
    app.connect("build-finished", _report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
