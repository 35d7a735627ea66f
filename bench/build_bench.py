"""Sphinx build benchmark: sphinx-incidents against plain MyST pages and against sphinx-needs.

For each configuration (``--themes``; default alabaster with the search box as its only
sidebar, then furo, which puts the whole navigation tree on every page) and each N
(``--sizes``; default 100 and 1,000) the same N generated records (:mod:`generate`) become
up to three projects, built in the same run with the same theme, the html builder and
``-j 1``:

- **baseline**: the same content hand-written as MyST pages (one page per incident with the
  facts table, status path, timeline, time per status, follow-ups, retrospective and links
  (where ours draws Mermaid diagrams, tables); an index page with the table of all
  incidents and a hidden toctree of every page: flat pages in one toctree, what a team
  writing pages by hand gets), ``extensions = ["myst_parser"]``;
- **ours**: the records plus ``sphinx_incidents`` with its defaults (generated pages, year
  pages and index; above ``incidents_navigation_limit`` the incidents are not in the
  navigation tree);
- **needs**: sphinx-needs, one ``need`` per incident (same body) on one page per incident,
  and a ``needtable`` of all of them on the index page (first configuration only).

In the first configuration ours is built again with ``-j 2``.  Then, incrementally, for
ours and for the baseline: a rebuild with no change (best of three), one record edited (a
timeline note appended; baseline: that page rewritten and the index page touched), one
reclassified (its index row changes) and one record added (baseline: a new page and the
index page rewritten).  Each build runs as a subprocess: wall time with
``time.perf_counter``, peak memory from ``os.wait4``'s ``ru_maxrss``, documents re-read
and written parsed from Sphinx's ``reading sources...`` / ``writing output...`` lines.

With the whole navigation on every page the baseline is quadratic in N: above
``--baseline-max-nav`` (default 1,000) it is not built, and the report gives what a fit of
its measured per-incident cost predicts instead.

Prints one Markdown table (a row per configuration and N) and, with ``--output`` (default
``docs/benchmarks.md``), writes it into that file's "Build benchmarks" section with the
command, the machine, its load and the date, keeping every other section.

    python bench/build_bench.py                         # N = 100 and 1,000, both themes
    python bench/build_bench.py --sizes 150 600 1000 5000 --no-needs --no-j2
    python bench/build_bench.py --themes furo --sizes 300
    python bench/build_bench.py --themes alabaster --sizes 1000 --no-needs --default-clock

By default every build runs with a fixed "now" (``incidents_now`` in ours, and
``SOURCE_DATE_EPOCH`` for all three), as before pages became clock-free.  ``--default-clock``
drops both, as most projects build: "now" is the machine's clock and moves between the
builds, which must not make a rebuild re-read anything.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import NOW, append_note, generate, make_record, reclassify

from sphinx_incidents.core.analytics import (
    format_duration,
    format_timestamp,
    incident_path,
    status_spans,
    timeline_rows,
)
from sphinx_incidents.core.check import check_paths
from sphinx_incidents.core.model import Incident, Roster
from sphinx_incidents.core.policy import Policy, load_policy
from sphinx_incidents.sphinxext.layout import index_order

ROOT = Path(__file__).resolve().parent.parent
NOW_TEXT = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
READ = re.compile(r"^reading sources\.\.\. \[\s*\d+%\] (\S+)", re.MULTILINE)
WRITTEN = re.compile(r"^writing output\.\.\. \[\s*\d+%\] (\S+)", re.MULTILINE)
SECTION = "## Build benchmarks"
NOOP_REPEATS = 3
EDITED_NOTE = "Benchmark edit: watched the dashboards for another hour."


# --- projects ---------------------------------------------------------------------------------


NO_NAV = 'html_sidebars = {"**": ["searchbox.html"]}\n'
WHOLE_NAV_THEMES = {"furo"}
"""Themes that compute the whole navigation tree for every page, whatever html_sidebars
says: the sidebar cannot be switched off for them."""


@dataclass(frozen=True)
class Configuration:
    """A theme, and whether its pages carry the whole navigation tree."""

    theme: str
    nav: bool

    @classmethod
    def of(cls, theme: str, nav: bool) -> Configuration:
        return cls(theme, nav or theme in WHOLE_NAV_THEMES)

    @property
    def label(self) -> str:
        return f"{self.theme}, " + ("whole navigation" if self.nav else "search box only")


def _conf(config: Configuration, extensions: list[str], extra: str = "") -> str:
    return (
        'project = "bench"\n'
        f"extensions = {extensions!r}\n"
        f"html_theme = {config.theme!r}\n"
        'exclude_patterns = ["_build"]\n' + ("" if config.nav else NO_NAV) + extra
    )


ROOT_INDEX = "# Incident benchmark\n\n```{toctree}\nincidents/index\n```\n"


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _who(roster: Roster | None, handle: str | None) -> str:
    if not handle:
        return "—"
    name = roster.display_name(handle) if roster else handle
    return f"{name} (@{handle})" if name != handle else f"@{handle}"


def incident_body(incident: Incident, policy: Policy, roster: Roster | None, level: str) -> str:
    """The facts and text our ``incident`` page shows, as MyST (``level``: heading marks)."""
    sev = policy.severity(incident.current_severity)
    lead = _who(roster, incident.current_lead)
    if incident.lead_from_rotation and incident.current_lead == incident.lead:
        lead += " (from the rotation)"
    stabilized = (
        f"{format_timestamp(incident.stabilized_at)} "
        f"(after {format_duration(incident.time_to_stabilize)})"
        if incident.stabilized_at
        else "not yet"
    )
    resolved = (
        f"{format_timestamp(incident.resolved_at)} "
        f"(after {format_duration(incident.time_to_resolve)})"
        if incident.resolved_at
        else "not yet"
    )
    status = incident.current_status
    facts = [
        ["ID", f"`{incident.id}`"],
        ["Severity", f"{incident.current_severity} · {sev.name if sev else ''}"],
        ["Status", policy.status_label(status) if status else "—"],
        ["Lead", lead],
        ["Category", incident.category],
        ["Services", ", ".join(incident.services) or "—"],
        ["Detected", f"{format_timestamp(incident.detected)} (via {incident.detected_via})"],
        ["Stabilized", stabilized],
        ["Resolved", resolved],
        ["Recurrences", str(incident.recurrences)],
        ["Recorded by", _who(roster, incident.recorded_by)],
    ]
    out = [_md_table(["Fact", "Value"], facts)]
    out.append(f"{level} Summary\n\n{incident.summary.strip()}\n")
    if incident.impact:
        out.append(f"{level} Impact\n\n{incident.impact.strip()}\n")
    path = incident_path(incident)
    out.append(f"{level} Status path\n")
    out.append(
        _md_table(
            ["#", "From", "To"],
            [
                [str(n), policy.status_label(a), policy.status_label(b)]
                for n, (a, b) in enumerate(path, start=1)
            ],
        )
    )
    rows = []
    for row in timeline_rows(incident, NOW):
        change = []
        if row.status_after:
            change.append(
                policy.status_label(row.status_after) + (" (recurrence)" if row.recurrence else "")
            )
        rows.append(
            [
                format_timestamp(row.at),
                "+" + format_duration(row.since_detection),
                "; ".join(change) or "—",
                row.note or "—",
                f"@{row.by}" if row.by else "—",
            ]
        )
    out.append(f"{level} Timeline\n")
    out.append(_md_table(["Time (UTC)", "Since detection", "Change", "Note", "By"], rows))
    spans = status_spans(incident, NOW)
    order = {key: index for index, key in enumerate(policy.status_keys)}
    seen = sorted({s.status for s in spans.spans}, key=lambda k: (order.get(k, len(order)), k))
    totals = []
    for key in seen:
        total = spans.totals.get(key)
        shown = format_duration(total) if total is not None else "— (final status)"
        visits = sum(1 for s in spans.spans if s.status == key)
        totals.append([policy.status_label(key), shown, str(visits)])
    out.append(_md_table(["Status", "Total time", "Visits"], totals))
    if incident.follow_ups:
        out.append(f"{level} Follow-ups\n")
        out.append(
            _md_table(
                ["Ticket", "Purpose", "Priority", "State"],
                [
                    [
                        f"[{f.title}]({f.url})",
                        f.purpose,
                        f.priority or "—",
                        "done" if f.done else "open",
                    ]
                    for f in incident.follow_ups
                ],
            )
        )
    retro = incident.retrospective
    if retro is not None:
        out.append(f"{level} Retrospective\n")
        out.append(f"- Held: {retro.date.isoformat()}\n- Host: {_who(roster, retro.host)}")
        if retro.notes_url:
            out.append(f"- Notes: [retrospective notes]({retro.notes_url})")
        out.append("")
        if retro.root_cause:
            out.append(f"**Root cause**\n\n{retro.root_cause}\n")
        if retro.five_whys:
            out.append("**Five whys**\n")
            out += [f"{n}. {why}" for n, why in enumerate(retro.five_whys, start=1)]
            out.append("")
    if incident.links:
        out.append(f"{level} Links\n")
        out += [f"- [{link.title}]({link.url})" for link in incident.links]
        out.append("")
    return "\n".join(out) + "\n"


def index_rows(incidents: list[Incident], policy: Policy, link: str) -> list[list[str]]:
    rows = []
    for incident in index_order(incidents):
        sev = policy.severity(incident.current_severity)
        status = incident.current_status
        rows.append(
            [
                link.format(id=incident.id, title=incident.title),
                f"{incident.current_severity} · {sev.name if sev else ''}",
                policy.status_label(status) if status else "—",
                f"@{incident.current_lead}" if incident.current_lead else "—",
                format_timestamp(incident.detected),
                format_duration(incident.time_to_resolve),
            ]
        )
    return rows


def baseline_page(incident: Incident, policy: Policy, roster: Roster | None) -> str:
    return f"# {incident.title}\n\n" + incident_body(incident, policy, roster, "##")


def baseline_index(incidents: list[Incident], policy: Policy) -> str:
    open_count = sum(1 for i in incidents if i.is_open)
    table = _md_table(
        ["Incident", "Severity", "Status", "Lead", "Detected", "Time to resolve"],
        index_rows(incidents, policy, "[{title}]({id}.md)"),
    )
    entries = "\n".join(i.id for i in index_order(incidents))
    return (
        f"# Incidents\n\n{len(incidents)} incidents, {open_count} open. Open incidents come "
        f"first, then the newest.\n\n{table}\n```{{toctree}}\n:hidden:\n\n{entries}\n```\n"
    )


def need_id(incident: Incident) -> str:
    return "INC_" + incident.id.rsplit("-", 1)[1].zfill(6)


def needs_page(incident: Incident, policy: Policy, roster: Roster | None) -> str:
    sev = incident.current_severity
    body = incident_body(incident, policy, roster, "####")
    # headings are not allowed inside a directive: bold paragraphs instead
    body = re.sub(r"^#### (.+)$", r"**\1**", body, flags=re.MULTILINE)
    return (
        f"# {incident.title}\n\n"
        f"````{{need}} {incident.title}\n"
        f":id: {need_id(incident)}\n"
        f":status: {incident.current_status}\n"
        f":tags: {';'.join(incident.services)}\n"
        f":severity: {sev}\n"
        f":lead: {incident.current_lead or ''}\n"
        f":detected: {format_timestamp(incident.detected)}\n"
        f":resolve: {format_duration(incident.time_to_resolve)}\n\n"
        f"{body}````\n"
    )


def needs_index(incidents: list[Incident]) -> str:
    entries = "\n".join(i.id for i in index_order(incidents))
    return (
        "# Incidents\n\n"
        "```{needtable}\n:columns: id;title;severity;status;lead;detected;resolve\n"
        ":style: table\n:sort: id\n```\n\n"
        f"```{{toctree}}\n:hidden:\n\n{entries}\n```\n"
    )


NEEDS_CONF = (
    'needs_id_regex = "^INC_[0-9]{6}$"\n'
    "needs_fields = {"
    + ", ".join(
        f'"{n}": {{"description": "{n}", "nullable": True}}'
        for n in ("severity", "lead", "detected", "resolve")
    )
    + "}\n"
    'needs_types = [{"directive": "need", "title": "Incident", "prefix": "INC_", '
    '"color": "#BFD8D2", "style": "node"}]\n'
    "needs_build_json = False\n"
)


@dataclass
class Projects:
    root: Path
    policy: Policy
    roster: Roster | None
    incidents: list[Incident]

    @property
    def records(self) -> Path:
        return self.root / "records"

    def src(self, kind: str) -> Path:
        return self.root / kind / "src"

    def out(self, kind: str) -> Path:
        return self.root / kind / "out"


def load(records: Path, policy: Policy) -> tuple[list[Incident], Roster | None]:
    result = check_paths([records], policy, NOW)
    if not result.ok:
        shown = "\n".join(d.format_text() for d in result.diagnostics[:20])
        sys.exit(f"generated records are not all valid:\n{shown}")
    return result.incidents, result.roster


def make_projects(
    root: Path,
    count: int,
    config: Configuration,
    with_needs: bool,
    default_clock: bool = False,
) -> Projects:
    policy = load_policy()
    records = root / "records"
    records.mkdir(parents=True)
    generate(records, count)
    incidents, roster = load(records, policy)
    projects = Projects(root, policy, roster, incidents)
    ours = projects.src("ours")
    ours.mkdir(parents=True)
    (ours / "conf.py").write_text(
        _conf(
            config,
            ["myst_parser", "sphinx_incidents"],
            'incidents_dir = "../../records"\n'
            'html_baseurl = "https://bench.example.org/"\n'
            + ("" if default_clock else f'incidents_now = "{NOW_TEXT}"\n'),
        ),
        encoding="utf-8",
    )
    (ours / "index.md").write_text(ROOT_INDEX, encoding="utf-8")
    base = projects.src("baseline") / "incidents"
    base.mkdir(parents=True)
    (base.parent / "conf.py").write_text(_conf(config, ["myst_parser"]), encoding="utf-8")
    (base.parent / "index.md").write_text(ROOT_INDEX, encoding="utf-8")
    for incident in incidents:
        (base / f"{incident.id}.md").write_text(
            baseline_page(incident, policy, roster), encoding="utf-8"
        )
    (base / "index.md").write_text(baseline_index(incidents, policy), encoding="utf-8")
    if with_needs:
        needs = projects.src("needs") / "incidents"
        needs.mkdir(parents=True)
        (needs.parent / "conf.py").write_text(
            _conf(config, ["myst_parser", "sphinx_needs"], NEEDS_CONF), encoding="utf-8"
        )
        (needs.parent / "index.md").write_text(ROOT_INDEX, encoding="utf-8")
        for incident in incidents:
            (needs / f"{incident.id}.md").write_text(
                needs_page(incident, policy, roster), encoding="utf-8"
            )
        (needs / "index.md").write_text(needs_index(incidents), encoding="utf-8")
    return projects


# --- running builds ---------------------------------------------------------------------------


@dataclass
class Build:
    seconds: float
    max_rss_mb: float
    read: list[str]
    written: list[str]
    warnings: int


def sphinx_build(
    src: Path, out: Path, jobs: int = 1, fresh: bool = False, default_clock: bool = False
) -> Build:
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-j", str(jobs), str(src), str(out)]
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    if default_clock:
        del env["SOURCE_DATE_EPOCH"]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        text = stdout.read().decode("utf-8", "replace").replace("\r", "\n")
        errors = stderr.read().decode("utf-8", "replace")
    if process.returncode != 0:
        sys.exit(f"build failed: {shlex.join(command)}\n{errors[-3000:]}")
    warnings = errors.count("WARNING")
    if warnings:
        print(f"  {warnings} warnings in {src}:\n{errors[:1500]}", file=sys.stderr)
    # with -j N, Sphinx logs chunks ("doc1 .. doc9"): the counts are only exact for -j 1
    return Build(
        seconds, usage.ru_maxrss / 1024, READ.findall(text), WRITTEN.findall(text), warnings
    )


def _rewrite_baseline(projects: Projects, incident_id: str, index: bool) -> None:
    """Make the baseline's source match the edited records: the incident's page (new or
    edited), and the index page when the change shows in it (as a person would)."""
    edited, _ = load(projects.records, projects.policy)
    by_id = {i.id: i for i in edited}
    base = projects.src("baseline") / "incidents"
    page = base / f"{incident_id}.md"
    existed = page.exists()
    page.write_text(
        baseline_page(by_id[incident_id], projects.policy, projects.roster), encoding="utf-8"
    )
    if existed:  # a new page is seen as added anyway
        _later(page)
    if index:
        (base / "index.md").write_text(baseline_index(edited, projects.policy), encoding="utf-8")
        _later(base / "index.md")


def _later(path: Path) -> None:
    """Make sure Sphinx sees a change even on coarse-mtime file systems."""
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


@dataclass
class Row:
    count: int
    config: Configuration = Configuration("alabaster", False)
    builds: dict[str, Build] = field(default_factory=dict)
    baseline_skipped: bool = False


def run_size(
    count: int,
    config: Configuration,
    with_needs: bool,
    jobs2: bool,
    keep: Path | None,
    default_clock: bool = False,
    with_baseline: bool = True,
) -> Row:
    root = Path(tempfile.mkdtemp(prefix=f"incidents-build-{count}-{config.theme}-", dir=keep))
    print(f"N={count}, {config.label}: projects in {root}", file=sys.stderr, flush=True)
    projects = make_projects(root, count, config, with_needs, default_clock)
    row = Row(count, config, baseline_skipped=not with_baseline)

    def step(name: str, kind: str, **kwargs: object) -> Build | None:
        if kind == "baseline" and not with_baseline:
            return None
        build = sphinx_build(
            projects.src(kind),
            projects.out(kind),
            default_clock=default_clock,
            **kwargs,  # type: ignore[arg-type]
        )
        if name in row.builds and row.builds[name].seconds <= build.seconds:
            build = row.builds[name]  # a repeated step keeps its best time
        row.builds[name] = build
        print(
            f"  {name:<14} {build.seconds:8.2f} s  {build.max_rss_mb:7.0f} MB  "
            f"read {len(build.read):>5}  written {len(build.written):>5}",
            file=sys.stderr,
            flush=True,
        )
        return build

    kinds = ["baseline", "ours", *(["needs"] if with_needs else [])]
    for kind in kinds:  # interleaved: baseline, ours, needs, one after the other
        step(kind, kind, fresh=True)
    if jobs2:
        step("ours-j2", "ours", jobs=2, fresh=True)
        step("baseline-j2", "baseline", jobs=2, fresh=True)
        step("ours-j1-again", "ours", fresh=True)  # the j2 build overwrote the j1 env
    for _ in range(NOOP_REPEATS):  # short and noisy: best of three, interleaved
        step("ours-noop", "ours")
        step("baseline-noop", "baseline")

    # edit one record: a timeline note, which changes its page and nothing the index shows
    # (the middle record by generation order keeps this deterministic)
    target = projects.incidents[len(projects.incidents) // 2]
    append_note(projects.records / Path(target.path).name, EDITED_NOTE)
    step("ours-edit", "ours")
    if with_baseline:
        _rewrite_baseline(projects, target.id, index=False)
    step("baseline-edit", "baseline")

    # edit one record so that its index row changes: a severity reclassification
    row_target = projects.incidents[len(projects.incidents) // 3]
    severity = 3 if row_target.current_severity != 3 else 2
    reclassify(projects.records / Path(row_target.path).name, severity)
    step("ours-edit-row", "ours")
    if with_baseline:
        _rewrite_baseline(projects, row_target.id, index=True)
    step("baseline-edit-row", "baseline")

    # add one record (baseline: a new page, and the index page rewritten)
    new_id, text = make_record(count, random.Random(f"added-{count}"))
    (projects.records / f"{new_id}.yaml").write_text(text, encoding="utf-8")
    step("ours-add", "ours")
    if with_baseline:
        _rewrite_baseline(projects, new_id, index=True)
    step("baseline-add", "baseline")
    if keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return row


# --- reporting --------------------------------------------------------------------------------

HEADERS = [
    "theme, navigation",
    "N",
    "baseline (s)",
    "ours (s)",
    "ours per incident (ms)",
    "sphinx-needs (s)",
    "ours / baseline",
    "ours / needs",
    "ours -j2 (s)",
    "-j2 / -j1",
    "ours no-op (s, re-read)",
    "baseline no-op (s)",
    "ours edit 1 (s, re-read)",
    "edit / full",
    "baseline edit 1 (s, re-read)",
    "ours edit 1 row (s, re-read)",
    "row edit / full",
    "baseline edit 1 row (s, re-read)",
    "ours add 1 (s, re-read, written)",
    "add / full",
    "baseline add 1 (s, re-read, written)",
    "max RSS MB baseline / ours / needs",
]
SKIPPED = "not run"


def _s(build: Build | None) -> str:
    return f"{build.seconds:.1f}" if build else "—"


def _incremental(build: Build | None, written: bool = False, digits: int = 2) -> str:
    if build is None:
        return SKIPPED
    text = f"{build.seconds:.{digits}f}, {len(build.read)}"
    return text + (f", {len(build.written)}" if written else "")


def table_row(row: Row) -> str:
    b = row.builds
    ours, base, needs = b["ours"], b.get("baseline"), b.get("needs")
    j1 = b.get("ours-j1-again", ours)
    j2 = b.get("ours-j2")
    base_noop = b.get("baseline-noop")
    cells = [
        row.config.label,
        f"{row.count:,}",
        _s(base) if base else SKIPPED,
        _s(ours),
        f"{ours.seconds / row.count * 1000:.1f}",
        _s(needs),
        f"{ours.seconds / base.seconds:.2f}" if base else "—",
        f"{ours.seconds / needs.seconds:.2f}" if needs else "—",
        _s(j2),
        f"{j2.seconds / j1.seconds:.2f}" if j2 else "—",
        _incremental(b["ours-noop"]),
        f"{base_noop.seconds:.2f}" if base_noop else SKIPPED,
        _incremental(b["ours-edit"]),
        f"{b['ours-edit'].seconds / ours.seconds:.1%}",
        _incremental(b.get("baseline-edit")),
        _incremental(b["ours-edit-row"]),
        f"{b['ours-edit-row'].seconds / ours.seconds:.1%}",
        _incremental(b.get("baseline-edit-row")),
        _incremental(b["ours-add"], written=True, digits=1),
        f"{b['ours-add'].seconds / ours.seconds:.1%}",
        _incremental(b.get("baseline-add"), written=True, digits=1),
        (f"{base.max_rss_mb:.0f}" if base else "—")
        + f" / {ours.max_rss_mb:.0f} / "
        + (f"{needs.max_rss_mb:.0f}" if needs else "—"),
    ]
    return "| " + " | ".join(cells) + " |"


def quadratic_fit(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """``(a, b)`` with seconds ≈ a·N + b·N² (per incident: a + b·N), least squares over the
    measured sizes; ``None`` with fewer than two."""
    if len(points) < 2:
        return None
    # per-incident cost y = a + b·N: a straight line through (N, seconds / N)
    xs = [float(n) for n, _ in points]
    ys = [seconds / n for n, seconds in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - b * mean_x, b


def skipped_note(rows: list[Row]) -> list[str]:
    """For each configuration whose baseline was not run at some N: the time a fit of the
    measured sizes predicts."""
    lines = []
    for config in dict.fromkeys(row.config for row in rows):
        mine = [row for row in rows if row.config == config]
        measured = [
            (row.count, row.builds["baseline"].seconds) for row in mine if "baseline" in row.builds
        ]
        skipped = [row.count for row in mine if row.baseline_skipped]
        if not skipped:
            continue
        fit = quadratic_fit(measured)
        sizes = ", ".join(f"{n:,}" for n, _ in measured)
        for count in skipped:
            if fit is None:
                lines.append(f"Baseline ({config.label}) not run at N = {count:,}.")
                continue
            a, b = fit
            predicted = count * (a + b * count)
            lines.append(
                f"Baseline ({config.label}) not run at N = {count:,} (whole navigation on every "
                f"page: quadratic in N); the per-incident cost measured at N = {sizes} "
                f"fits {a * 1000:.1f} ms + N * {b * 1e6:.1f} µs, which predicts "
                f"{predicted:,.0f} s ({predicted / 60:.0f} min) at {count:,}."
            )
    return lines


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine(themes: list[str]) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}; "
        f"Python {platform.python_version()}; Sphinx {_version('sphinx')}, "
        f"myst-parser {_version('myst-parser')}, sphinx-needs {_version('sphinx-needs')}, "
        f"sphinxcontrib-mermaid {_version('sphinxcontrib-mermaid')}, "
        + ", ".join(f"{theme} {_version(theme)}" for theme in themes)
    )


def revision() -> str:
    """The commit measured (``+`` when the working tree had changes), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "sphinx_incidents"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def report(
    rows: list[Row],
    argv: list[str],
    themes: list[str],
    total: float,
    commit: str,
    loads: tuple[str, str],
) -> str:
    command = "python bench/build_bench.py" + (" " + shlex.join(argv) if argv else "")
    notes = skipped_note(rows)
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {' and '.join(themes)}",
        "",
        f"Command: `{command}` (or `nox -s bench{' -- ' + shlex.join(argv) if argv else ''}`) "
        "at commit "
        f"`{commit}`; harness time {total / 60:.1f} min; load average (1, 5, 15 min) "
        f"{loads[0]} at the start, {loads[1]} at the end.",
        f"Machine: {machine(themes)}.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|---|" + "---:|" * (len(HEADERS) - 1),
        *[table_row(row) for row in rows],
        "",
        *([*notes, ""] if notes else []),
    ]
    return "\n".join(lines)


INTRO = """\
`bench/build_bench.py` builds the same generated records up to three ways in one run, per
configuration (theme and navigation, the first column), html builder, `-j 1`: **baseline**
(the same pages hand-written as MyST, only `myst_parser`, flat in one toctree: what a team
writing pages by hand gets), **ours** (`sphinx_incidents` with its defaults: year pages,
and above `incidents_navigation_limit` = 100 no incident in the navigation tree) and
**sphinx-needs** (one need per incident per page, a `needtable` index; first configuration
only, as `-j 2`).  Times are wall-clock seconds of one `sphinx-build` subprocess each;
compare ratios, not seconds, across machines.  *edit 1*: a timeline note appended to one
record, which changes nothing the index shows (baseline: that page rewritten); *edit 1
row*: a severity reclassification, which changes the record's index row (baseline: that
page and the index page rewritten); *add 1*: one new record (baseline: a new page, index
page rewritten); *no-op*: a rebuild with nothing changed, best of three; *re-read* and
*written* count Sphinx's `reading sources` and `writing output` lines (with `-j 2` Sphinx
logs chunks, so only `-j 1` counts are exact).  Memory is each build's peak RSS.
*alabaster, search box only*: `html_sidebars` holds only the search box (alabaster's
default sidebars put the whole toctree into every page); *furo, whole navigation*: furo
computes its navigation tree for every page whatever `html_sidebars` says, so the
baseline, with every page in its tree, is quadratic in N ("not run" above
`--baseline-max-nav`, with a fit's prediction below the table).  "now" is fixed
(`incidents_now`, `SOURCE_DATE_EPOCH`) unless the command says `--default-clock`.  Newest
run first; runs before 2026-12-01 had one theme each and no theme column.
"""


def write_section(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = old.find(SECTION + "\n")
    if start < 0:
        new = old.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n{text}"
    else:
        body_start = start + len(SECTION) + 1
        following = re.search(r"^## ", old[body_start:], re.MULTILINE)
        end = body_start + following.start() if following else len(old)
        previous = old[body_start:end]
        runs = previous[previous.find("### ") :] if "### " in previous else ""
        new = (
            old[:start]
            + f"{SECTION}\n\n{INTRO}\n{text}\n{runs.strip()}\n"
            + ("\n" + old[end:] if following else "")
        )
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", "--count", dest="sizes", type=int, nargs="+", default=[100, 1000]
    )
    parser.add_argument(
        "--themes",
        "--theme",
        dest="themes",
        nargs="+",
        default=["alabaster", "furo"],
        help="html_theme of the projects, one configuration each, in this order (default: "
        "alabaster with the search box only, then furo, which computes the whole navigation "
        "tree for every page whatever html_sidebars says)",
    )
    parser.add_argument(
        "--nav",
        action="store_true",
        help="keep alabaster's navigation sidebar (the whole toctree on every page: "
        "quadratic in N for plain pages; default: search box only)",
    )
    parser.add_argument(
        "--baseline-max-nav",
        type=int,
        default=1000,
        metavar="N",
        help="with the whole navigation on every page, build the baseline (quadratic in N) "
        "only up to N incidents; above, the report gives a fit's prediction (default 1000)",
    )
    parser.add_argument(
        "--no-needs",
        action="store_true",
        help="skip the sphinx-needs build (it runs only in the first configuration)",
    )
    parser.add_argument(
        "--no-j2",
        action="store_true",
        help="skip the -j 2 builds (they run only in the first configuration)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "docs" / "benchmarks.md",
        help="Markdown file whose 'Build benchmarks' section gets the table ('-': none)",
    )
    parser.add_argument("--keep", type=Path, help="build under this folder and keep it")
    parser.add_argument(
        "--default-clock",
        action="store_true",
        help='no incidents_now and no SOURCE_DATE_EPOCH: "now" is the clock, as in most '
        "projects (default: a fixed now, as in the earlier runs)",
    )
    args = parser.parse_args(argv)
    with_needs = not args.no_needs
    if with_needs and _version("sphinx-needs") == "not installed":
        print("sphinx-needs is not installed: skipping that column", file=sys.stderr)
        with_needs = False
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    loaded = load_average()
    commit = revision()  # before the builds: what was measured, even if edited meanwhile
    configs = list(dict.fromkeys(Configuration.of(theme, args.nav) for theme in args.themes))
    rows = []
    print("| " + " | ".join(HEADERS) + " |\n|---|" + "---:|" * (len(HEADERS) - 1), flush=True)
    for position, config in enumerate(configs):
        for count in args.sizes:
            row = run_size(
                count,
                config,
                with_needs and position == 0,
                not args.no_j2 and position == 0,
                args.keep,
                args.default_clock,
                with_baseline=not config.nav or count <= args.baseline_max_nav,
            )
            print(table_row(row), flush=True)
            rows.append(row)
    text = report(
        rows,
        argv,
        [config.theme for config in configs],
        time.perf_counter() - started,
        commit,
        (loaded, load_average()),
    )
    for line in skipped_note(rows):
        print(line, file=sys.stderr)
    if str(args.output) != "-":
        write_section(args.output, text)
        print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
