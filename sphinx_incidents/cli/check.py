"""``sphinx-incidents check`` and ``sphinx-incidents schema``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sphinx_incidents.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    PolicyProblem,
    UsageError,
    add_project_options,
    now_from,
    paint,
    project_from,
    records_folder,
)
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.diagnostics import Diagnostic, Level, format_json
from sphinx_incidents.core.project import DiscoveryError, find_records_dir, records_root
from sphinx_incidents.core.schema import record_schema, roster_schema

CHECK_EXAMPLE = """\
examples:
  sphinx-incidents check                       # every record of the records folder
  sphinx-incidents check --strict --format github
  sphinx-incidents check --now 2024-03-01T00:00:00Z incident_records/2024-02-27-api-down.yaml

Without PATH, the records folder is found as every command finds it (see
'sphinx-incidents --help'); with PATHs, the policy and roster are those of the nearest
folder at or above the first PATH holding _policy.yaml or _roster.yaml.
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
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="record files or folders (default: the records folder)",
    )
    add_project_options(parser)
    parser.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text: path:line:column: CODE message (default); github: workflow "
        "annotations on the pull request; json: a list of objects",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too")
    parser.set_defaults(run=run_check)

    schema = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of a record",
        description="Print the JSON Schema of a record (enumerations from the policy).",
        epilog="examples:\n  sphinx-incidents schema > incident-record.schema.json\n"
        "  sphinx-incidents schema --for roster > roster.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument(
        "--policy",
        default=None,
        metavar="POLICY",
        help="a shipped policy name or a policy YAML file whose statuses, services, ... the "
        "schema lists (default: the records folder's _policy.yaml, else openverse)",
    )
    schema.add_argument("--dir", type=Path, default=None, metavar="DIR", help="the records folder")
    schema.add_argument(
        "--for",
        dest="kind",
        choices=("record", "roster"),
        default="record",
        help="record: an incident record (default); roster: _roster.yaml",
    )
    schema.set_defaults(roster=None)
    schema.set_defaults(run=run_schema)


def run_check(args: argparse.Namespace) -> int:
    now = now_from(args)
    paths: list[Path] = list(args.paths)
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if paths and args.dir is None:
        folder = records_root(paths)
    else:
        folder = records_folder(args)
        paths = paths or [folder]
    try:
        project = project_from(args, folder)
    except PolicyProblem as problem:  # reported like a record's problems: located, in format
        _print(args, problem.diagnostics, "the policy is invalid; no record checked")
        return EXIT_ERRORS
    result = check_paths(
        paths,
        project.policy,
        now,
        roster_path=project.roster_path,
        find_roster=False,
        records_dir=folder,
    )
    _print(args, result.diagnostics, f"{len(result.files)} record(s) checked")
    failing = [d for d in result.diagnostics if d.level is Level.ERROR or args.strict]
    return EXIT_ERRORS if failing else EXIT_OK


def _print(args: argparse.Namespace, diagnostics: list[Diagnostic], summary: str) -> None:
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
                f"{summary}: {errors} error(s), {warnings} warning(s)",
                file=sys.stderr,
            )


def run_schema(args: argparse.Namespace) -> int:
    if args.kind == "roster":
        print(json.dumps(roster_schema(), indent=2))
        return EXIT_OK
    folder = args.dir
    if folder is None and args.policy is None:
        try:  # the folder's own policy when there is one; the schema needs no records
            folder = find_records_dir().path
        except DiscoveryError:
            folder = None
    policy = project_from(args, folder).policy
    print(json.dumps(record_schema(policy), indent=2))
    return EXIT_OK
