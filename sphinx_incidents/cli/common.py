"""What every subcommand shares: policy/roster/now options, errors, colour."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sphinx_incidents.core.clock import NowError, resolve_now
from sphinx_incidents.core.policy import Policy, PolicyError, load_policy

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
DEFAULT_DIR = Path("incident_records")


class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2, a message, no traceback."""


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy",
        default="openverse",
        help="a shipped policy name or a policy YAML file (default: openverse)",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="roster file (default: _roster.yaml beside the records)",
    )
    parser.add_argument(
        "--now",
        default=None,
        help="ISO timestamp used as 'now' (default: SOURCE_DATE_EPOCH, else the clock)",
    )


def policy_from(args: argparse.Namespace) -> Policy:
    try:
        return load_policy(args.policy)
    except PolicyError as exc:
        raise UsageError(f"invalid policy:\n{exc}") from None


def now_from(args: argparse.Namespace) -> datetime:
    try:
        return resolve_now(args.now)
    except NowError as exc:
        raise UsageError(f"--now: {exc}") from None


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, code: str, stream: TextIO | None = None) -> str:
    """ANSI colour ``code`` around ``text`` when ``stream`` (default: stdout now) is a TTY."""
    target = sys.stdout if stream is None else stream
    return f"\x1b[{code}m{text}\x1b[0m" if use_colour(target) else text
