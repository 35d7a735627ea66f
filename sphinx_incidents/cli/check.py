"""``sphinx-incidents check`` and ``sphinx-incidents schema``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sphinx_incidents.cli.common import (
    DEFAULT_DIR,
    EXIT_ERRORS,
    EXIT_OK,
    UsageError,
    add_policy_options,
    now_from,
    paint,
    policy_from,
)
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.diagnostics import Level, format_json
from sphinx_incidents.core.schema import record_schema

CHECK_EXAMPLE = """\
examples:
  sphinx-incidents check                       # every record in incident_records/
  sphinx-incidents check --strict --format github incident_records/
  sphinx-incidents check --now 2024-03-01T00:00:00Z incident_records/2024-02-27-api-down.yaml
exit status: 0 clean (warnings allowed), 1 errors (or warnings with --strict), 2 usage or I/O error
"""


def add_check(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate incident records against the policy",
        description="Validate incident records; print path:line:column: CODE message per problem.",
        epilog=CHECK_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="record files or folders (default: incident_records/)"
    )
    add_policy_options(parser)
    parser.add_argument("--format", choices=("text", "github", "json"), default="text")
    parser.add_argument("--strict", action="store_true", help="warnings fail too")
    parser.set_defaults(run=run_check)

    schema = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of a record",
        description="Print the JSON Schema of a record (enumerations from the policy).",
        epilog="example:\n  sphinx-incidents schema > incident-record.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument("--policy", default="openverse")
    schema.set_defaults(run=run_schema)


def run_check(args: argparse.Namespace) -> int:
    policy = policy_from(args)
    now = now_from(args)
    paths: list[Path] = args.paths or [DEFAULT_DIR]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if args.roster is not None and not args.roster.is_file():
        raise UsageError(f"--roster {args.roster}: no such file")
    result = check_paths(paths, policy, now, roster_path=args.roster)
    diagnostics = result.diagnostics
    if args.format == "json":
        print(format_json(diagnostics))
    elif args.format == "github":
        for diagnostic in diagnostics:
            print(diagnostic.format_github())
    else:
        for diagnostic in diagnostics:
            code = "31" if diagnostic.level is Level.ERROR else "33"
            location = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}:"
            line = f"{paint(location, '1')} {paint(diagnostic.code, code)} {diagnostic.message}"
            if diagnostic.hint:
                line += f" ({diagnostic.hint})"
            print(line)
        errors = sum(d.level is Level.ERROR for d in diagnostics)
        warnings = len(diagnostics) - errors
        if diagnostics:
            print(
                f"{len(result.files)} record(s) checked: {errors} error(s), {warnings} warning(s)",
                file=sys.stderr,
            )
    failing = [d for d in diagnostics if d.level is Level.ERROR or args.strict]
    return EXIT_ERRORS if failing else EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    policy = policy_from(args)
    print(json.dumps(record_schema(policy), indent=2))
    return EXIT_OK
