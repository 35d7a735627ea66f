"""Entry point of ``sphinx-incidents``: subcommands, and errors without tracebacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sphinx_incidents import __version__
from sphinx_incidents.cli import check, leads, record
from sphinx_incidents.cli.common import EXIT_USAGE, UsageError

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
        return int(args.run(args))
    except UsageError as exc:
        print(f"sphinx-incidents {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
