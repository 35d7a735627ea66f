"""``sphinx-incidents follow-up``: add a ticket to an incident, mark one done, or list them.

Follow-ups are the tickets filed in the Stabilize, Resolve and Review steps.  The command
edits the record as text like ``log`` (comments and key order kept), validates it first and
refuses what ``check`` would refuse: an unknown purpose, a placeholder URL (INC045), a
severe incident's stabilization ticket that is not critical (INC040).
"""

from __future__ import annotations

import argparse
import sys

from sphinx_incidents.cli.common import (
    EXIT_OK,
    UsageError,
    add_project_options,
    paint,
)
from sphinx_incidents.cli.recordfile import Target, change_record, target_from
from sphinx_incidents.core.editing import yaml_quoted, yaml_url, yaml_word
from sphinx_incidents.core.model import Incident
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.yamledit import insert_item, set_fields
from sphinx_incidents.core.yamlnodes import MappingNode, ScalarNode, SequenceNode, load_nodes

EPILOG = """\
examples:
  sphinx-incidents follow-up 2026-11-20-api-search-5xx --title "Roll back the ES upgrade" \\
      --url https://github.com/WordPress/openverse/issues/5301 --purpose stabilization
  sphinx-incidents follow-up 2026-11-20-api-search-5xx 1 --done
  sphinx-incidents follow-up 2026-11-20-api-search-5xx          # list them, numbered

--priority defaults to what the policy requires: critical for the stabilization follow-up
of a severity 1 or 2 incident, none otherwise.  The URL must be the real ticket: template
placeholders (OWNER/REPO, /N, example.com) are refused (INC045).  A resolved incident needs at
least one follow-up with purpose prevention (INC041).
exit status: 0 added, changed or listed; 1 refused (file unchanged); 2 usage error
"""


def add_follow_up(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "follow-up",
        help="add a follow-up ticket to an incident, mark one done, or list them",
        description="Add a follow-up (a ticket) to an incident's record, mark one done, or "
        "list them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("id", metavar="ID", help="the incident id (or the record's path)")
    parser.add_argument(
        "number",
        nargs="?",
        type=int,
        default=None,
        metavar="N",
        help="the follow-up to change, as numbered by the list (1 is the first)",
    )
    parser.add_argument("--title", default=None, help="what the ticket is about")
    parser.add_argument("--url", default=None, help="the ticket's address (http or https)")
    parser.add_argument(
        "--purpose",
        default=None,
        metavar="P",
        help="stabilization, prevention, investigation or process (the policy's purposes)",
    )
    parser.add_argument(
        "--priority",
        default=None,
        metavar="PR",
        help="the ticket's priority label (default: what the policy requires, else none)",
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--done", action="store_true", help="the ticket is closed")
    state.add_argument("--not-done", action="store_true", help="the ticket is open again (with N)")
    parser.add_argument(
        "--force", action="store_true", help="write the record even when it is read-only"
    )
    add_project_options(parser)
    parser.set_defaults(run=run_follow_up)


def run_follow_up(args: argparse.Namespace) -> int:
    adding = [args.title, args.url, args.purpose]
    if args.number is not None:
        if any(value is not None for value in [*adding, args.priority]):
            raise UsageError(
                "give either N (with --done or --not-done) or a new follow-up's "
                "--title, --url and --purpose, not both"
            )
        if not (args.done or args.not_done):
            raise UsageError(f"what about follow-up {args.number}? add --done or --not-done")
        return _mark(args, target_from(args))
    if any(value is not None for value in adding):
        names = ("title", "url", "purpose")
        missing = [f"--{n}" for n, v in zip(names, adding, strict=True) if v is None]
        if missing:
            raise UsageError(f"a follow-up needs {', '.join(missing)} too")
        return _add(args, target_from(args))
    if args.done or args.not_done or args.priority is not None:
        raise UsageError("which follow-up? give N, or --title, --url and --purpose for a new one")
    return _list(target_from(args))


def required_priority(incident: Incident | None, purpose: str, policy: Policy) -> str | None:
    """The priority the policy requires for a follow-up of ``purpose`` (INC040), if any."""
    rules = policy.rules
    if (
        incident is not None
        and purpose == rules.stabilization_purpose
        and incident.worst_severity in rules.critical_followup_severities
    ):
        return rules.critical_followup_priority
    return None


def _add(args: argparse.Namespace, target: Target) -> int:
    policy = target.project.policy
    chosen: dict[str, str | None] = {}

    def edit(text: str, incident: Incident | None) -> str:
        priority = args.priority or required_priority(incident, args.purpose, policy)
        chosen["priority"] = priority
        fields = {
            "title": yaml_quoted(args.title),
            "url": yaml_url(args.url),
            "purpose": yaml_word(args.purpose),
        }
        if priority is not None:
            fields["priority"] = yaml_word(priority)
        if args.done:
            fields["done"] = "true"
        return insert_item(text, "follow_ups", fields, create=True)

    code, _ = change_record("follow-up", target, edit)
    if code != EXIT_OK:
        return code
    number = len(_items(target))
    priority = chosen.get("priority")
    facts = [args.purpose, f"priority {priority}" if priority else "no priority"]
    if priority is not None and args.priority is None:
        facts[1] += ", as the policy requires"
    facts.append("done" if args.done else "open")
    print(
        f"{paint('added', '32', sys.stdout)} follow-up {number} to {target.shown}: "
        f"{args.title!r} ({'; '.join(facts)})"
    )
    if not args.done:
        print(f"when it is closed: sphinx-incidents follow-up {target.id} {number} --done")
    return EXIT_OK


def _mark(args: argparse.Namespace, target: Target) -> int:
    items = _items(target)
    number: int = args.number
    if not 1 <= number <= len(items):
        have = f"has {len(items)} follow-up(s)" if items else "has no follow-ups"
        raise UsageError(f"{target.shown} {have}; there is no follow-up {number}")
    done = bool(args.done)
    title = items[number - 1].get("title", "")

    def edit(text: str, incident: Incident | None) -> str:
        return set_fields(text, ("follow_ups", number - 1), {"done": "true" if done else "false"})

    code, _ = change_record("follow-up", target, edit)
    if code == EXIT_OK:
        state = "done" if done else "open again"
        print(f"{paint('marked', '32', sys.stdout)} follow-up {number} {state}: {title!r}")
    return code


def _items(target: Target) -> list[dict[str, str]]:
    """The record's follow-ups as written (text values), in file order."""
    root, _ = load_nodes(target.path.read_bytes(), target.shown)
    node = root.value("follow_ups") if isinstance(root, MappingNode) else None
    if not isinstance(node, SequenceNode):
        return []
    items = []
    for item in node.items:
        values: dict[str, str] = {}
        if isinstance(item, MappingNode):
            for key, (_, value) in item.pairs.items():
                if isinstance(value, ScalarNode):
                    values[key] = value.value
        items.append(values)
    return items


def _list(target: Target) -> int:
    items = _items(target)
    if not items:
        print(f"{target.shown} has no follow-ups. Add one:")
        print(
            f"  sphinx-incidents follow-up {target.id} --title '...' --url https://... "
            "--purpose prevention"
        )
        return EXIT_OK
    for number, item in enumerate(items, start=1):
        done = item.get("done", "false") == "true"
        state = paint("done", "32", sys.stdout) if done else paint("open", "33", sys.stdout)
        extra = ", ".join(v for v in (item.get("purpose"), item.get("priority")) if v)
        print(f"{number}. [{state}] {item.get('title', '?')} ({extra})")
        print(f"   {item.get('url', '(no url)')}")
    return EXIT_OK
