"""Realistic, valid incident records for the benchmarks: N records plus a roster.

Shared by ``bench/check_throughput.py`` (validation speed) and ``bench/build_bench.py``
(Sphinx build speed).  Deterministic for a given seed: 3-8 timeline events walking the
Openverse status graph (with recurrences), 1-3 follow-ups, a retrospective hosted by the
lead at resolution, links, and about 30 % of leads taken from the weekly rotation.

    python bench/generate.py 1000 /tmp/records     # write 1,000 records and _roster.yaml
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_DAY = date(2019, 1, 7)  # a Monday
PEOPLE = ["alex", "blair", "casey", "devi", "emery", "farah", "gus", "hana", "ivo", "jun"]
SERVICES = ["frontend", "api", "catalog", "wp-integration"]
CHANNELS = ["automated-alert", "user-report", "manual-check", "other"]
PRIORITIES = ["critical", "high", "medium", "low"]
SUBJECTS = [
    "Search",
    "Image search",
    "Audio search",
    "Thumbnails",
    "The Flickr DAG",
    "Media detail pages",
    "The block editor integration",
    "API key signup",
    "The sitemap",
    "Related results",
]
PROBLEMS = [
    "returns HTTP 500 for most requests",
    "times out under load",
    "shows stale results after a reindex",
    "is blocked by the rate limiter",
    "fails after a dependency upgrade",
    "drops licence filters",
    "serves broken images from the CDN",
    "stops ingesting new media",
    "leaks memory until the pods restart",
    "is slow for users in Asia",
]
NOTES = [
    "Rolled back the last deploy.",
    "Scaled the cluster up by two nodes.",
    "Paged the infrastructure lead.",
    "Confirmed with the reporter that it works again.",
    "Found a suspicious spike in the error logs.",
    "Restarted the workers; watching the queue.",
]


def _ts(moment: datetime, offset_hours: int) -> str:
    if offset_hours == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_record(index: int, rng: random.Random) -> tuple[str, str]:
    """One valid record (id, YAML text); resolved ones carry a retrospective."""
    detected = datetime.combine(FIRST_DAY, datetime.min.time(), UTC) + timedelta(
        days=rng.randrange((NOW.date() - FIRST_DAY).days - 30), minutes=rng.randrange(1440)
    )
    offset = rng.choice([0, 0, 0, 2, -5, 9])
    severity = rng.choice([1, 2, 2, 3, 3, 3])
    lead = rng.choice(PEOPLE)
    runner = PEOPLE[((detected.date() - FIRST_DAY).days // 7) % len(PEOPLE)]
    subject, problem = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
    slug = "-".join(f"{subject} {problem}".lower().split()[:5]).replace(".", "")
    incident_id = f"{detected:%Y-%m-%d}-{slug}-{index}"
    lines = [
        f"title: {_q(f'{subject} {problem} (#{index})')}",
        f"severity: {severity}",
        "category: technical",
        "services:",
        *[f"  - {s}" for s in rng.sample(SERVICES, rng.randint(1, 3))],
        f"detected: {_ts(detected, offset)}",
        f"detected_via: {rng.choice(CHANNELS)}",
        f"recorded_by: {rng.choice(PEOPLE)}",
    ]
    from_rotation = rng.random() < 0.3
    if not from_rotation:
        lines.append(f"lead: {lead}")
    lines += [
        "summary: |",
        f"  {subject} {problem}. Users saw errors or empty pages for a while;",
        "  this paragraph stands in for the few sentences a real summary has.",
        f"impact: {_q(f'About {rng.randint(1, 90)} % of requests failed.')}",
        "timeline:",
    ]
    # A walk through the Openverse graph: 3-8 events, ending resolved.
    at = detected
    path = ["stabilization-pending", "stabilized"]
    while len(path) < rng.randint(3, 6) and rng.random() < 0.3:
        path += ["stabilization-pending", "stabilized"]  # a recurrence
    path += ["under-investigation", "resolved"]
    events: list[tuple[str | None, str | None]] = [(status, None) for status in path]
    while len(events) < 8 and rng.random() < 0.5:
        events.insert(rng.randint(1, len(events) - 1), (None, rng.choice(NOTES)))
    events = events[:8]
    if events[-1][0] != "resolved":
        events[-1] = ("resolved", None)
    for position, (status, note) in enumerate(events):
        if position:
            at += timedelta(minutes=rng.randint(5, 3000))
        lines.append(f"  - at: {_ts(at, offset)}")
        if status is not None:
            lines.append(f"    status: {status}")
        lines.append(f"    by: {rng.choice(PEOPLE)}")
        if note is not None or rng.random() < 0.4:
            lines.append(f"    note: {_q(note or rng.choice(NOTES))}")
    lines.append("follow_ups:")
    purposes = ["prevention", *rng.sample(["stabilization", "investigation", "process"], 2)]
    for number, purpose in enumerate(purposes[: rng.randint(1, 3)]):
        priority = "critical" if purpose == "stabilization" else rng.choice(PRIORITIES)
        lines += [
            f"  - title: {_q(f'{purpose.capitalize()} ticket {number} for incident {index}')}",
            f"    url: https://github.com/example/openverse/issues/{index * 10 + number}",
            f"    purpose: {purpose}",
            f"    priority: {priority}",
            f"    done: {rng.choice(['true', 'false'])}",
        ]
    host = runner if from_rotation else lead  # the lead at resolution hosts the review
    lines += [
        "retrospective:",
        f"  date: {(at + timedelta(days=rng.randint(1, 10))).date().isoformat()}",
        f"  host: {host}",
        f"  root_cause: {_q('A configuration change nobody reviewed.')}",
        "  five_whys:",
        *[f"    - {_q(f'Why {n}? Because of reason {n}.')}" for n in range(1, rng.randint(2, 5))],
        f"  notes_url: https://example.org/retros/{incident_id}",
        "links:",
        "  - title: Incident thread",
        f"    url: https://example.org/chat/{incident_id}",
    ]
    return incident_id, "\n".join(lines) + "\n"


def make_roster() -> str:
    lines = ["people:"]
    lines += [f"  - handle: {p}\n    name: {p.capitalize()} Example" for p in PEOPLE]
    lines.append("rotation:")
    week, index = FIRST_DAY, 0
    while week <= NOW.date():
        lines += [f"  - week: {week.isoformat()}", f"    runner: {PEOPLE[index % len(PEOPLE)]}"]
        week += timedelta(days=7)
        index += 1
    return "\n".join(lines) + "\n"


def generate(folder: Path, count: int, seed: int = 2024) -> None:
    rng = random.Random(seed)
    (folder / "_roster.yaml").write_text(make_roster(), encoding="utf-8")
    for index in range(count):
        incident_id, text = make_record(index, rng)
        (folder / f"{incident_id}.yaml").write_text(text, encoding="utf-8")


def append_note(path: Path, text: str, at: str = "2025-12-31T23:00:00Z") -> None:
    """The edit a maintainer makes most: one more timeline note (index rows unchanged)."""
    event = f"  - at: {at}\n    by: {PEOPLE[0]}\n    note: {_q(text)}\n"
    _add_event(path, event)


def _add_event(path: Path, event: str) -> None:
    """Insert ``event`` (indented YAML lines) after the last event of the timeline."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("timeline:\n") + 1
    end = start
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    lines[end:end] = [event]
    path.write_text("".join(lines), encoding="utf-8")


def reclassify(path: Path, severity: int, at: str = "2025-12-31T23:30:00Z") -> None:
    """An edit that changes what the index shows: the severity is reclassified."""
    event = (
        f"  - at: {at}\n    by: {PEOPLE[0]}\n    severity: {severity}\n"
        f"    note: {_q('Reclassified after the impact review.')}\n"
    )
    _add_event(path, event)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/generate.py N FOLDER")
    target = Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    generate(target, int(sys.argv[1]))
