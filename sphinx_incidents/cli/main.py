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
from sphinx_incidents.core.safetext import printable

EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for ``cat`` or ``grep`` when the reader has gone."""

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
        code = int(args.run(args))
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return code
    except UsageError as exc:
        # Our own line breaks stay; any other control character is escaped.
        message = "\n".join(printable(line) for line in str(exc).split("\n"))
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
