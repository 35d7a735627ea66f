"""How fast is ``check_paths`` compared with just parsing the same files with libyaml?

Generates N realistic, valid incident records (3-8 timeline events, follow-ups, a
retrospective for resolved ones, some leads from the rotation) plus a roster into a
temporary folder, then times, best of ``--repeat`` runs with ``time.perf_counter``:

- check: ``check_paths([folder], policy, now)``, everything ``sphinx-incidents check`` does;
- bare:  listing the folder, reading each file's bytes and ``yaml.load(data, CSafeLoader)``.

Prints a Markdown table row per N (N, check seconds, bare seconds, ratio); ``--output FILE``
appends the rows to FILE as well.  ``--profile`` runs the check once under cProfile and
prints the hot spots; ``--no-gc`` pauses Python's cyclic garbage collector during both
timings, to see how much of the difference is collector work on the retained record trees.

    python bench/check_throughput.py                    # N = 10,000
    python bench/check_throughput.py --count 1000 5000 --output bench/out/results.md
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import NOW, generate

from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.policy import load_policy

try:
    from yaml import CSafeLoader as BareLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    sys.exit("PyYAML was built without libyaml (yaml.CSafeLoader); the comparison needs it")


def best_of(repeat: int, function: Callable[[], object], pause_gc: bool = False) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        if pause_gc:
            gc.disable()
        try:
            started = time.perf_counter()
            function()
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best


def bare_parse(folder: Path) -> int:
    parsed = 0
    for path in sorted(folder.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        with path.open("rb") as handle:
            data = handle.read()
        yaml.load(data, Loader=BareLoader)  # CSafeLoader: the safe loader, in C
        parsed += 1
    return parsed


def measure(count: int, repeat: int, profile: bool, pause_gc: bool) -> tuple[float, float]:
    policy = load_policy()
    with tempfile.TemporaryDirectory(prefix="incidents-bench-") as name:
        folder = Path(name)
        generate(folder, count)
        result = check_paths([folder], policy, NOW)
        if result.diagnostics or len(result.incidents) != count:
            shown = "\n".join(d.format_text() for d in result.diagnostics[:20])
            sys.exit(f"generated records are not all valid:\n{shown}")
        if bare_parse(folder) != count:
            sys.exit("bare parse saw a different number of files")
        check_seconds = best_of(repeat, lambda: check_paths([folder], policy, NOW), pause_gc)
        bare_seconds = best_of(repeat, lambda: bare_parse(folder), pause_gc)
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(check_paths, [folder], policy, NOW)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("tottime").print_stats(25)
            print(out.getvalue(), file=sys.stderr)
    return check_seconds, bare_seconds


HEADER = "| N | check (s) | bare CSafeLoader parse (s) | ratio |\n|---:|---:|---:|---:|"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count",
        "--sizes",
        dest="counts",
        type=int,
        nargs="+",
        default=[10_000],
        metavar="N",
        help="how many records to generate (several values: one row each; default 10000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (3)")
    parser.add_argument("--output", type=Path, help="append the table rows to this file")
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots")
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="pause the cyclic garbage collector during both timings (diagnosis)",
    )
    args = parser.parse_args(argv)
    rows = []
    print(HEADER)
    for count in args.counts:
        check_seconds, bare_seconds = measure(count, args.repeat, args.profile, args.no_gc)
        row = (
            f"| {count:,} | {check_seconds:.2f} | {bare_seconds:.2f} | "
            f"{check_seconds / bare_seconds:.2f} |"
        )
        print(row, flush=True)
        rows.append(row)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        new = not args.output.exists() or args.output.stat().st_size == 0
        with args.output.open("a", encoding="utf-8") as handle:
            handle.write((HEADER + "\n" if new else "") + "\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
