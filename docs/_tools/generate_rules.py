"""Write docs/reference/rules.md: every code of ``CODES`` with a worked example.

Run ``python docs/_tools/generate_rules.py`` after adding or changing a rule.  Every
example is checked with the core while generating: the failing record must produce its
code, the fixed record nothing at all, and the output shown is the real output.  A code
without an example in ``EX`` stops the script, and the docs build warns (fails with -W) when
the page misses a code of ``CODES``.
"""

import re
import sys
import tempfile
from pathlib import Path

from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.codes import CODES, FIXED, TIME_DEPENDENT, level_of, why_fixed
from sphinx_incidents.core.diagnostics import Level
from sphinx_incidents.core.policy import load_policy

NOW = resolve_now("2024-06-01T00:00:00Z")
POLICY = load_policy("openverse")
FIVE = load_policy("openverse-five-steps")
POLICY_FOR = {"INC026": FIVE, "INC027": FIVE}  # rules only that policy switches on
PARAMETER = {  # a rule parameter that switches the rule off too
    "INC026": "recurrence_window_hours: off",
    "INC043": "retro_due_days: off",
    "INC044": "stale_days: off",
}


def in_a_policy(code):
    """How a policy turns ``code`` off or changes its level, in one table cell."""
    if code in FIXED:
        return f"cannot be changed: {why_fixed(code)}"
    text = f"`{code}: off`"
    if code in PARAMETER:
        text += f" (or `{PARAMETER[code]}`)"
    if code in TIME_DEPENDENT:
        return text + " or `warning`, never `error`"
    other = "warning" if level_of(code) is Level.ERROR else "error"
    return text + f" or `{other}`"


ROSTER = """people:
  - handle: alex
  - handle: blair
rotation:
  - week: 2024-05-20
    runner: blair
"""
HEAD = """title: "Search is slow"
severity: 3
services: [api]
detected: 2024-05-28T09:00:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Search took several seconds for some users."
"""
TL = """timeline:
  - at: 2024-05-28T09:00:00Z
    status: stabilization-pending
"""
BASE = HEAD + TL
RESOLVED_TL = """timeline:
  - at: 2024-05-20T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-20T10:00:00Z
    status: stabilized
  - at: 2024-05-21T10:00:00Z
    status: under-investigation
  - at: 2024-05-22T10:00:00Z
    status: resolved
"""
RHEAD = HEAD.replace("2024-05-28T09", "2024-05-20T09")
PREV = """follow_ups:
  - title: "Add a latency alert"
    url: https://github.com/example/site/issues/12
    purpose: prevention
"""
RETRO = """retrospective:
  date: 2024-05-24
  host: alex
"""
ROLLBACK = """follow_ups:
  - title: "Roll back the deploy"
    url: https://github.com/example/site/issues/11
    purpose: stabilization
"""
ID = "2024-05-28-search-is-slow"
RID = "2024-05-20-search-is-slow"


def early(text):
    for a, b in (
        ("2024-05-20", "2024-05-06"),
        ("2024-05-21", "2024-05-07"),
        ("2024-05-22", "2024-05-08"),
    ):
        text = text.replace(a, b)
    return text


def sub(text, old, new):
    assert old in text, (old, text)
    return text.replace(old, new, 1)


class Link(str):
    """An entry that is a symlink to this target (relative to the records folder)."""


def events(count):
    lines = [
        f'  - at: 2024-05-28T{9 + i // 60:02d}:{i % 60:02d}:00Z\n    note: "Still slow."\n'
        for i in range(1, count)
    ]
    return BASE + "".join(lines)


# code: (explanation, [(filename, text)], fix explanation, [(filename, fixed)], fix snippet or None)
# A text that is a Link makes the entry a symlink; the file "../outside.yaml" exists beside
# the records folder.
EX = {}
EX["INC001"] = (
    "The file cannot be read as one YAML mapping. Besides syntax errors this covers "
    "an empty file, a list at the top level, several YAML documents, anchors and aliases "
    "(`&x` / `*x`), custom tags such as `!!python/object`, files that are too large or "
    "nested too deeply, and bytes that are not UTF-8.",
    [
        (
            ID + ".yaml",
            sub(
                BASE,
                'summary: "Search took several seconds for some users."',
                'summary: "Search took several seconds: "for some" users."',
            ),
        )
    ],
    "Fix the YAML syntax; quote or escape the text:",
    [(ID + ".yaml", BASE)],
    'summary: "Search took several seconds for some users."',
)
EX["INC002"] = (
    "A field the record format does not know, anywhere in the record (a typo, or a "
    "field at the wrong level). The hint suggests the closest known field.",
    [(ID + ".yaml", sub(BASE, "summary:", "sumary:"))],
    "Spell the field as documented in [Records](records.md):",
    [(ID + ".yaml", BASE)],
    'summary: "Search took several seconds for some users."',
)
EX["INC003"] = (
    "A required field is missing: an incident field, an event's `at`, a `note` on an "
    "event that sets nothing else, or `services` on a `technical` incident.",
    [(ID + ".yaml", sub(BASE, "detected_via: automated-alert\n", ""))],
    "Add the field:",
    [(ID + ".yaml", BASE)],
    "detected_via: automated-alert",
)
EX["INC004"] = (
    "A value has the wrong type or format: text where a number goes, a bad or "
    "offset-less timestamp, a URL that is not http(s), or a YAML 1.1 word such as `no`, "
    "`yes`, `on` where text goes (YAML would turn it into a boolean).",
    [(ID + ".yaml", sub(BASE, "detected: 2024-05-28T09:00:00Z", "detected: 2024-05-28T09:00:00"))],
    "Write the timestamp with its UTC offset (`Z` or `+02:00`); it is never guessed:",
    [(ID + ".yaml", BASE)],
    "detected: 2024-05-28T09:00:00Z",
)
EX["INC005"] = (
    "The same key appears twice in one mapping. YAML parsers silently keep the last "
    "one; sphinx-incidents refuses the record instead.",
    [(ID + ".yaml", sub(BASE, "lead: alex\n", "lead: alex\nlead: blair\n"))],
    "Keep one of them:",
    [(ID + ".yaml", BASE)],
    "lead: alex",
)
EX["INC010"] = (
    "The file name (without `.yaml`) is the incident id and must match the policy's "
    "`id_pattern`: `YYYY-MM-DD-slug`, lowercase.",
    [("2024-05-28-Search_Is_Slow.yaml", BASE)],
    "Rename the file, e.g. `git mv 2024-05-28-Search_Is_Slow.yaml 2024-05-28-search-is-slow.yaml`.",
    [(ID + ".yaml", BASE)],
    None,
)
EX["INC011"] = (
    "Two files have the same id: `x.yaml` and `x.yml`, or files of one name in two "
    "folders (`2024/x.yaml` and `2025/x.yaml`): ids are unique across all folders. The "
    "message names both files.",
    [(ID + ".yaml", BASE), (ID + ".yml", BASE)],
    "Delete or rename one of them.",
    [(ID + ".yaml", BASE)],
    None,
)
EX["INC013"] = (
    "An entry of the records folder that looks like a record, or is not a file, is skipped "
    "and said so, never passed over silently: a file whose suffix is not lowercase "
    "(`.YAML`, `.Yml`), a dangling symlink, a FIFO, socket or device, a folder named like a "
    "record (its records are still read), a symlink to a folder (not followed), a folder "
    "nested more than 8 levels deep. Names starting with `_` or `.` and files of other types "
    "(`README.md`) are not records and are not reported. A warning: `check --strict` fails.",
    [("2024-05-28-search-is-slow.YAML", BASE)],
    "Rename it, e.g. `git mv 2024-05-28-search-is-slow.YAML 2024-05-28-search-is-slow.yaml`.",
    [(ID + ".yaml", BASE)],
    None,
)
EX["INC014"] = (
    "A symlink in the records folder that resolves to a file or folder outside it is not "
    "read, so a pull request cannot make `check` or the build print a file of the machine "
    "(`x.yaml -> ~/.ssh/id_rsa`) in its messages. A symlink to a record inside the folder "
    "is read like that record.",
    [(ID + ".yaml", Link("../outside.yaml"))],
    "Put the record itself in the folder (`cp --remove-destination` the target over the link).",
    [(ID + ".yaml", BASE)],
    None,
)
EX["INC015"] = (
    "A list longer than its limit: at most 500 timeline events; 100 services, follow-ups, "
    "links, five whys or improvements; 1000 items in any other list (a roster's people or "
    "rotation, a policy's lists). Every event becomes a table row, a chart bar and JSON on "
    "several pages: a 1 MiB record of 23,000 events took 20 s and 663 MB to build before "
    "the limit. The limit is checked before the items are read.",
    [(ID + ".yaml", events(501))],
    "Keep the record to what readers need: summarize routine updates in one note.",
    [(ID + ".yaml", events(500))],
    None,
)
EX["INC016"] = (
    "The Markdown text of one record (summary, impact, timeline notes and root cause "
    "together) may hold at most 50,000 characters, and one field at most 10,000 (INC004). "
    "Markdown is quick to parse for prose, but runs of delimiters such as `[[[[` or "
    "`**a**a` cost far more, and the parse is not linear: a record full of them took "
    "minutes to build. 50,000 characters is a long postmortem (about 8,000 words); "
    "link to the postmortem itself instead.",
    [
        (
            ID + ".yaml",
            sub(
                sub(BASE, '"Search took several seconds for some users."', f'"{"x" * 10_000}"'),
                "services: [api]",
                'services: [api]\nimpact: "' + "y" * 10_000 + '"',
            )
            + "".join(
                f'  - at: 2024-05-28T1{hour}:00:00Z\n    note: "' + "z" * 8_000 + '"\n'
                for hour in range(4)
            ),
        )
    ],
    "Keep what readers need in the record and link to the long document:",
    [(ID + ".yaml", BASE)],
    'summary: "Search took several seconds for some users. Postmortem: https://example.org/pm"',
)
EX["INC012"] = (
    "`related` lists the ids of other incidents, for example the earlier incident a "
    "recurrence is recorded as new after the policy's recurrence window. Each id must be "
    "a record of the records folder (not only of the files being checked), and not the "
    "incident itself. Both incidents' pages link to each other.",
    [(ID + ".yaml", sub(BASE, "summary:", "related: [2024-05-02-search-is-slow]\nsummary:"))],
    "Name an existing incident (the hint suggests the closest id):",
    [
        (ID + ".yaml", sub(BASE, "summary:", "related: [2024-05-20-search-is-slow]\nsummary:")),
        (RID + ".yaml", RHEAD + RESOLVED_TL + PREV + RETRO),
    ],
    "related: [2024-05-20-search-is-slow]",
)
FIVE_RESOLVED = """timeline:
  - at: 2024-05-20T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-20T10:00:00Z
    status: stabilized
  - at: 2024-05-20T12:00:00Z
    status: resolved
    note: "A restart was enough."
"""
FIVE_RECURRED = """timeline:
  - at: 2024-05-28T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-28T10:00:00Z
    status: stabilized
  - at: 2024-05-28T12:00:00Z
    status: resolved
    note: "A restart was enough."
"""
AGAIN = "2024-05-30-search-is-slow-again"
EX["INC026"] = (
    "With a recurrence window (`recurrence_window_hours`, 48 in the `openverse-five-steps` "
    "policy; off in `openverse`), an incident that comes back later than the window after "
    "it was resolved is a new incident: record it with `sphinx-incidents new ... --related "
    "OLD-ID`. `sphinx-incidents log` refuses such a move and prints that command, filled "
    "in. The example uses `openverse-five-steps`.",
    [
        (
            ID + ".yaml",
            HEAD
            + FIVE_RECURRED
            + "  - at: 2024-05-30T13:00:00Z\n    status: stabilization-pending\n"
            + "  - at: 2024-05-30T14:00:00Z\n    status: stabilized\n",
        )
    ],
    "Record the recurrence as a new incident that names this one in `related`:",
    [
        (ID + ".yaml", HEAD + FIVE_RECURRED),
        (
            AGAIN + ".yaml",
            sub(
                sub(HEAD, "2024-05-28T09", "2024-05-30T13"),
                "summary:",
                f"related: [{ID}]\nsummary:",
            )
            + "timeline:\n  - at: 2024-05-30T13:00:00Z\n    status: stabilization-pending\n"
            + "  - at: 2024-05-30T14:00:00Z\n    status: stabilized\n",
        ),
    ],
    f"related: [{ID}]",
)
EX["INC027"] = (
    "A status of the policy may require a field to be entered: in `openverse-five-steps`, "
    "*Reviewed* requires a `retrospective` (with its date and host). Moving to it without "
    "the field is refused. The example uses `openverse-five-steps`.",
    [
        (
            RID + ".yaml",
            RHEAD + FIVE_RESOLVED + "  - at: 2024-05-24T10:00:00Z\n    status: reviewed\n",
        )
    ],
    "Record the retrospective, then the move:",
    [
        (
            RID + ".yaml",
            RHEAD + FIVE_RESOLVED + "  - at: 2024-05-24T10:00:00Z\n    status: reviewed\n" + RETRO,
        )
    ],
    RETRO.rstrip(),
)
EX["INC020"] = (
    "A severity (the record's or a reclassification event's) that the policy does not define.",
    [(ID + ".yaml", sub(BASE, "severity: 3", "severity: 4"))],
    "Use one of the policy's levels (1, 2 or 3 in the Openverse policy):",
    [(ID + ".yaml", BASE)],
    "severity: 3",
)
EX["INC021"] = (
    "A status, category, service, detection channel, follow-up purpose or priority "
    "that the policy does not define. The hint suggests the closest one.",
    [(ID + ".yaml", sub(BASE, "services: [api]", "services: [apj]"))],
    "Use a key from the policy:",
    [(ID + ".yaml", BASE)],
    "services: [api]",
)
EX["INC022"] = (
    "The first timeline event must set a status, and it must be one of the policy's "
    "first statuses (`stabilization-pending` or `stabilized`).",
    [(ID + ".yaml", sub(BASE, "status: stabilization-pending", "status: under-investigation"))],
    "Start with an allowed first status; record later moves as later events:",
    [(ID + ".yaml", BASE)],
    "timeline:\n  - at: 2024-05-28T09:00:00Z\n    status: stabilization-pending",
)
EX["INC023"] = (
    "A status change that is not an arrow of the policy's status graph. The message "
    "names both ends and the hint lists the allowed next statuses.",
    [(ID + ".yaml", BASE + "  - at: 2024-05-28T10:00:00Z\n    status: under-investigation\n")],
    "Go through the missing step (here: stabilized first):",
    [
        (
            ID + ".yaml",
            BASE + "  - at: 2024-05-28T10:00:00Z\n    status: stabilized\n"
            "  - at: 2024-05-28T11:00:00Z\n    status: under-investigation\n",
        )
    ],
    "  - at: 2024-05-28T10:00:00Z\n    status: stabilized\n"
    "  - at: 2024-05-28T11:00:00Z\n    status: under-investigation",
)
EX["INC024"] = (
    "Timeline events must be in chronological order (equal times are fine), and none "
    "may be before `detected`.",
    [(ID + ".yaml", BASE + "  - at: 2024-05-28T08:30:00Z\n    status: stabilized\n")],
    "Fix the time (or `detected`, if the incident really began earlier):",
    [(ID + ".yaml", BASE + "  - at: 2024-05-28T09:30:00Z\n    status: stabilized\n")],
    "  - at: 2024-05-28T09:30:00Z\n    status: stabilized",
)
EX["INC025"] = (
    'A timestamp later than "now" (the build time, `SOURCE_DATE_EPOCH`, or '
    "`incidents_now` / `--now`). Usually a wrong date or offset. A warning.",
    [(ID + ".yaml", BASE + "  - at: 2024-06-28T10:00:00Z\n    status: stabilized\n")],
    "Correct the date:",
    [(ID + ".yaml", BASE + "  - at: 2024-05-28T10:00:00Z\n    status: stabilized\n")],
    "  - at: 2024-05-28T10:00:00Z\n    status: stabilized",
)
EX["INC030"] = (
    "The record has no `lead`, and the roster's rotation names no runner for the week "
    "of `detected` (or there is no roster).",
    [(ID + ".yaml", sub(BASE, "lead: alex\n", ""))],
    "Name the lead (or add the week to the roster's `rotation`):",
    [(ID + ".yaml", BASE)],
    "lead: alex",
)
EX["INC031"] = (
    "With a roster, every person handle (`recorded_by`, `lead`, events' `lead` and "
    "`by`, the retrospective's `host`) must be one of the roster's `people`.",
    [(ID + ".yaml", sub(BASE, "recorded_by: alex", "recorded_by: alexx"))],
    "Use the roster handle, or add the person to `_roster.yaml`:",
    [(ID + ".yaml", BASE)],
    "recorded_by: alex",
)
EX["INC040"] = (
    "For severity 1 and 2 incidents (the policy's `critical_followup_severities`, "
    "using the current severity), every `stabilization` follow-up must have "
    "`priority: critical`.",
    [
        (
            ID + ".yaml",
            sub(BASE, "severity: 3", "severity: 2") + ROLLBACK + "    priority: high\n",
        )
    ],
    "Raise the ticket's priority:",
    [
        (
            ID + ".yaml",
            sub(BASE, "severity: 3", "severity: 2") + ROLLBACK + "    priority: critical\n",
        )
    ],
    "    priority: critical",
)
EX["INC041"] = (
    "A resolved incident needs at least one follow-up with purpose `prevention`: the "
    "Resolve step is about identifying long-term fixes or mitigations. "
    "`openverse-five-steps` turns it off: an incident may be resolved when no additional "
    "action can or should be taken.",
    [(RID + ".yaml", RHEAD + RESOLVED_TL + RETRO)],
    "File the long-term fix and list it:",
    [(RID + ".yaml", RHEAD + RESOLVED_TL + PREV + RETRO)],
    PREV.rstrip(),
)
EX["INC042"] = (
    "The retrospective must be hosted by the person who was lead when the incident "
    "was resolved (after any handover).",
    [(RID + ".yaml", RHEAD + RESOLVED_TL + PREV + RETRO.replace("host: alex", "host: blair"))],
    "Correct the host, or record the handover with a `lead:` event before the resolution:",
    [(RID + ".yaml", RHEAD + RESOLVED_TL + PREV + RETRO)],
    "retrospective:\n  date: 2024-05-24\n  host: alex",
)
EX["INC043"] = (
    'The incident was resolved more than `retro_due_days` (14) days before "now" '
    "and has no `retrospective`. A warning.",
    [(RID.replace("05-20", "05-06") + ".yaml", early(RHEAD + RESOLVED_TL) + PREV)],
    "Hold the retrospective and record it:",
    [
        (
            RID.replace("05-20", "05-06") + ".yaml",
            early(RHEAD + RESOLVED_TL) + PREV + RETRO.replace("05-24", "05-10"),
        )
    ],
    "retrospective:\n  date: 2024-05-10\n  host: alex",
)
EX["INC044"] = (
    "The incident is open and its last timeline event is more than `stale_days` (7) "
    'days before "now". A warning: log progress, or resolve it.',
    [("2024-05-20-search-is-slow.yaml", BASE.replace("2024-05-28T09", "2024-05-20T09"))],
    "Log what is happening:",
    [
        (
            "2024-05-20-search-is-slow.yaml",
            BASE.replace("2024-05-28T09", "2024-05-20T09")
            + '  - at: 2024-05-31T09:00:00Z\n    note: "Waiting for the upstream fix."\n',
        )
    ],
    '  - at: 2024-05-31T09:00:00Z\n    note: "Waiting for the upstream fix."',
)
EX["INC045"] = (
    "A follow-up's `url` is an obvious placeholder rather than a real ticket: a path "
    "segment such as `OWNER`, `REPO` or `N` (the template's "
    "`https://github.com/OWNER/REPO/issues/N`), or an address on a domain reserved for "
    "examples (`example.com`, `example.org`, `example.net`, `.example`, `.invalid`). A "
    "follow-up is a promise that someone will do the work; it counts (for INC041) only "
    "once it is filed. `sphinx-incidents follow-up` refuses such URLs too.",
    [(ID + ".yaml", BASE + ROLLBACK.replace("example/site/issues/11", "OWNER/REPO/issues/N"))],
    "File the ticket, then record its real address:",
    [(ID + ".yaml", BASE + ROLLBACK)],
    "    url: https://github.com/example/site/issues/11",
)

EX["INC046"] = (
    "The incident is closed and its summary still starts with `TODO`, as "
    "`sphinx-incidents new` writes it when no `--summary` is given. The incident's page "
    "shows the summary to readers first, for good once it is closed. Not reported while the "
    "incident is open (recording it fast comes first); a warning, which "
    "`rules: {INC046: error}` in a policy makes an error.",
    [
        (
            "2024-05-20-search-is-slow.yaml",
            RHEAD.replace(
                "Search took several seconds for some users.",
                "TODO: what happened, for users (Markdown).",
            )
            + RESOLVED_TL
            + PREV,
        )
    ],
    "Write what happened, for users:",
    [("2024-05-20-search-is-slow.yaml", RHEAD + RESOLVED_TL + PREV)],
    'summary: "Search took several seconds for some users."',
)


def run(files, policy=POLICY):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "incident_records"
        d.mkdir()
        (d / "_roster.yaml").write_text(ROSTER)
        (Path(tmp) / "outside.yaml").write_text(BASE)
        for name, text in files:
            if isinstance(text, Link):
                (d / name).symlink_to(text)
            else:
                (d / name).write_text(text)
        res = check_paths([d], policy, NOW, base=Path(tmp), records_dir=d)
        return res.diagnostics


def fmt(diag):
    s = f"{diag.path}:{diag.line}:{diag.column}: {diag.code} {diag.message}"
    if diag.hint:
        s += f" ({diag.hint})"
    return s


missing = [c for c in CODES if c not in EX]
assert not missing, missing
out = [
    "# Rules",
    "",
    "<!-- generated by docs/_tools/generate_rules.py from sphinx_incidents/core/codes.py -->",
    "",
    "`sphinx-incidents check` and the Sphinx extension report every problem as",
    "`path:line:column: CODE message`, at the line and column of the offending value, with a",
    "hint where one helps. **Errors** fail `check` (exit status 1) and, as Sphinx warnings,",
    "`sphinx-build -W`. **Warnings** are reported (in the build as located info lines) but",
    "only fail `check --strict` and builds with `incidents_strict = True`.",
    "",
    "**The policy decides** whether a rule applies and at which level, so that `check`, `new`,",
    "`log` and the build always agree: `rules: {INC041: off, INC030: warning}` in the policy",
    "(see [policies](../policies.md#rules-levels-and-off)). The column *In a policy* says how;",
    "`suppress_warnings` in `conf.py` is not needed for that (and `check` would not read it).",
    "Two limits: codes that mean a record or a value could not be read stay errors, since",
    "silencing them would drop a record (or part of one) from every page while `check`",
    "passes; and the time-dependent codes (INC025, INC043, INC044) are never errors, so a",
    "build cannot start failing because the clock moved (a scheduled job can run",
    "`sphinx-incidents due --strict`).",
    "",
    "The examples below use the Openverse policy (INC026 and INC027: `openverse-five-steps`),",
    "a roster with the people `alex` and `blair`",
    "(`blair` runs the rotation in the week of 2024-05-20; no one is named for later weeks),",
    'and "now" = 2024-06-01 00:00 UTC.',
    "Each output line is what `sphinx-incidents check` prints for the example.",
    "",
    "| Code | Default level | Rule | In a policy |",
    "|---|---|---|---|",
]
for code, (level, text) in CODES.items():
    out.append(f"| [{code}](#{code.lower()}) | {level.value} | {text} | {in_a_policy(code)} |")
out.append("")
for code, (level, text) in CODES.items():
    expl, bad, fixexpl, good, snippet = EX[code]
    policy = POLICY_FOR.get(code, POLICY)
    diags = run(bad, policy)
    mine = [d for d in diags if d.code == code]
    assert mine, (code, [fmt(d) for d in diags])
    others = [d for d in diags if d.code != code]
    if others:
        print("note", code, [fmt(d) for d in others])
    fixed = run(good, policy)
    assert not fixed, (code, [fmt(d) for d in fixed])
    lv = level.value
    short = re.split(r" \(|: ", text)[0]
    out += [
        f"({code.lower()})=",
        f"## {code}: {short[0].upper() + short[1:]}",
        "",
        f"Level: **{lv}**. {text[0].upper() + text[1:]}.",
        "",
        f"In a policy: {in_a_policy(code)}.",
        "",
        expl,
        "",
    ]
    for name, txt in bad:
        if isinstance(txt, Link):
            out += ["```console", "$ ls -l incident_records/", f"{name} -> {txt}", "```", ""]
            continue
        lines = [
            f'{line[:60]}..."  # {len(line):,} characters' if len(line) > 100 else line
            for line in txt.rstrip("\n").split("\n")
        ]
        numbered = [":linenos:"]
        if len(lines) > 40:  # show the start and the end of a long example, unnumbered
            cut = len(lines) - 25
            lines = [*lines[:21], f"  # ... {cut} more lines like these ...", *lines[-4:]]
            numbered = []
        out += [
            "```{code-block} yaml",
            f":caption: incident_records/{name}",
            *numbered,
            "",
            "\n".join(lines),
            "```",
            "",
        ]
    out += (
        ["```console", "$ sphinx-incidents check"]
        + [fmt(d) for d in diags]
        + ["```", "", "**Fix.** " + fixexpl, ""]
    )
    if snippet:
        out += ["```yaml", snippet, "```", ""]
target = (
    Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "reference" / "rules.md"
)
target.write_text("\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
print("ok", len(CODES))
