"""Entry point of ``sphinx-incidents``: subcommands, and errors without tracebacks."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sphinx_incidents import __version__
from sphinx_incidents.cli import check, due, followup, leads, record, retro
from sphinx_incidents.cli.common import EXIT_USAGE, UsageError
from sphinx_incidents.core.project import (
    DEFAULT_POLICY,
    ENV_DIR,
    POLICY_NAME,
    RECORDS_DIRNAME,
    ROSTER_NAME,
)

EPILOG = f"""\
example:
  sphinx-incidents check --strict

Every command, the pre-commit hook and the Sphinx build use the same records folder, policy
and roster.  The records folder is the first of:
  1. --dir DIR (check: its PATH arguments; the Sphinx build: incidents_dir in conf.py)
  2. the environment variable {ENV_DIR}
  3. going up from the working directory to the repository root, in each folder:
     `dir` of [tool.sphinx-incidents] in .sphinx-incidents.toml or pyproject.toml,
     else an {RECORDS_DIRNAME}/ subfolder
The policy is --policy (incidents_policy), else the folder's {POLICY_NAME}, else
{DEFAULT_POLICY}; the roster is --roster (incidents_roster), else the folder's {ROSTER_NAME}.
"""

SUBCOMMANDS = [check.add_check]
SUBCOMMANDS.append(leads.add_leads)
SUBCOMMANDS.append(record.add_commands)
SUBCOMMANDS.append(followup.add_follow_up)
SUBCOMMANDS.append(retro.add_retro)
SUBCOMMANDS.append(due.add_due)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sphinx-incidents",
        description="Incident records as code: check, record and review incidents.",
        epilog=EPILOG,
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
    except BrokenPipeError:  # `sphinx-incidents due | head`: the reader left; no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's flush does not fail again
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
