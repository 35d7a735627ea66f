"""Entry point of ``sphinx-incidents``: subcommands, and errors without tracebacks."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sphinx_incidents import __version__
from sphinx_incidents.cli import check, leads, record
from sphinx_incidents.cli.common import EXIT_USAGE, UsageError
from sphinx_incidents.core.safetext import printable

EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for ``cat`` or ``grep`` when the reader has gone."""

SUBCOMMANDS = [check.add_check]
SUBCOMMANDS.append(leads.add_leads)
SUBCOMMANDS.append(record.add_commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sphinx-incidents",
        description="Incident records as code: check, record and review incidents.",
        epilog="example:\n  sphinx-incidents check --strict incident_records/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return code
    except UsageError as exc:
        message = printable(str(exc)).replace("\\n", "\n")  # our own line breaks stay
        print(f"sphinx-incidents {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`check | head`): stop quietly, as tools killed by SIGPIPE do.
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return 130


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - no real stdout (a test's capture)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
