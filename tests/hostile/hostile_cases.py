"""The hostile corpus: every attack that once got through, as a case that must now fail safely.

Each :class:`Case` lays out a small repository in an empty folder (records, roster, policy,
a Sphinx site), names the command to run there and what must come out: the rule code (or
``POLICY``) that reports the attack, the exit status, and text that must never appear (a
secret a symlink points at, a raw escape sequence).  Some layouts cannot be committed to git
(FIFOs, 2 GB sparse files, symlinks to ``/dev/zero``, file names with newlines), so every
case is *generated* by its function here; ``python tests/hostile/hostile_cases.py OUT`` writes them
all to OUT for a look by hand.

``tests/hostile/test_hostile.py`` runs each case in a subprocess (``hostile_runner.py``) and
holds it to the time and memory bounds.  Keep it growing: every bug of this kind adds a case.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = "2024-06-01T00:00:00Z"
ID = "2024-05-28-search-is-slow"
SECRET = "hunter2-db-password"
GIB = 1024**3
ROSTER = "people:\n  - handle: alex\n    name: Alex Example\n"
BASE = """\
title: "Search is slow"
severity: 3
services: [api]
detected: 2024-05-28T09:00:00Z
detected_via: automated-alert
recorded_by: alex
lead: alex
summary: "Search took several seconds for some users."
timeline:
  - at: 2024-05-28T09:00:00Z
    status: stabilization-pending
  - at: 2024-05-28T10:00:00Z
    status: stabilized
    note: "Restarted the search pods."
"""
POLICY = Path(__file__).resolve().parents[2] / "sphinx_incidents" / "policies" / "openverse.yaml"
RAW_HTML_NAME = "2024-01-01-x\n\n.. raw:: html\n\n   <img src=x onerror=alert(document.domain)>\n\n"
ESCAPES = "\x1b]0;PWNED\x07\x1b[31m\x1b[2J"


@dataclass
class Case:
    """One attack: ``setup`` lays it out in a folder and returns the command's arguments."""

    name: str
    command: str  # check | leads | new | log | build
    setup: Callable[[Path], list[str]]
    codes: tuple[str, ...] = ()  # each must appear in the output
    exit: tuple[int, ...] = (0, 1)
    absent: tuple[str, ...] = ()  # must appear nowhere in the output
    browser: bool = False  # no markup from records in the HTML; nothing runs in Chromium
    note: str = ""
    requires: str | None = None  # a module the case needs (skipped without it)


CASES: list[Case] = []


def case(
    command: str,
    codes: tuple[str, ...] = (),
    exit: tuple[int, ...] = (0, 1),
    absent: tuple[str, ...] = (),
    browser: bool = False,
    requires: str | None = None,
) -> Callable[[Callable[[Path], list[str]]], Callable[[Path], list[str]]]:
    def register(setup: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        name = setup.__name__.removeprefix("case_").replace("_", "-")
        doc = (setup.__doc__ or "").strip().splitlines()
        note = doc[0] if doc else ""
        CASES.append(Case(name, command, setup, codes, exit, absent, browser, note, requires))
        return setup

    return register


# --- helpers ----------------------------------------------------------------------------------


def records(root: Path, roster: bool = True) -> Path:
    folder = root / "incident_records"
    folder.mkdir(parents=True, exist_ok=True)
    if roster:
        (folder / "_roster.yaml").write_text(ROSTER, encoding="utf-8")
    return folder


def write(folder: Path, text: str | bytes, name: str = ID + ".yaml") -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def sparse(path: Path, size: int = 2 * GIB) -> Path:
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def site(root: Path, **conf: str) -> list[str]:
    """A Sphinx site in ``root/site`` showing ``root/incident_records``; the build's argv."""
    src = root / "site"
    src.mkdir()
    settings = {
        "project": '"hostile"',
        "extensions": '["sphinx_incidents"]',
        "incidents_dir": '"../incident_records"',
        "incidents_now": f'"{NOW}"',
        **conf,
    }
    (src / "conf.py").write_text(
        "".join(f"{key} = {value}\n" for key, value in settings.items()), encoding="utf-8"
    )
    (src / "index.rst").write_text(
        "Hostile\n=======\n\n.. incident-table::\n\n.. toctree::\n\n   incidents/index\n",
        encoding="utf-8",
    )
    return [str(src), str(root / "out")]


def events(count: int) -> str:
    """A record of ``count`` events in flow style: 23,000 of them fit in 1 MiB."""
    start = datetime(2024, 5, 28, 9, tzinfo=UTC)
    lines = [BASE.split("timeline:")[0] + "timeline:"]
    lines.append("  - {at: 2024-05-28T09:00:00Z, status: stabilization-pending}")
    for minute in range(1, count):
        at = (start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"  - {{at: {at}, note: x}}")
    return "\n".join(lines) + "\n"


def loose_policy(root: Path) -> Path:
    """The shipped policy with an ``id_pattern`` that forgot its ``$``."""
    text = "\n".join(
        'id_pattern: "^\\\\d{4}-\\\\d{2}-\\\\d{2}-"' if line.startswith("id_pattern:") else line
        for line in POLICY.read_text(encoding="utf-8").splitlines()
    )
    path = root / "policy.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def policy_with(root: Path, old: str, new: str) -> Path:
    text = POLICY.read_text(encoding="utf-8")
    assert old in text, old
    path = root / "policy.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


CHECK = ["--now", NOW]


# --- 1. long integers -------------------------------------------------------------------------


@case("check", ("INC004",))
def case_severity_5000_digits(root: Path) -> list[str]:
    """severity: followed by 5,000 digits (int() raised ValueError)."""
    write(records(root), BASE.replace("severity: 3", "severity: " + "9" * 5000))
    return CHECK


@case("check", ("INC004",))
def case_event_severity_5000_digits(root: Path) -> list[str]:
    """An event's severity with 5,000 digits."""
    text = BASE.replace("    status: stabilized\n", "    severity: " + "1" * 5000 + "\n")
    write(records(root), text)
    return CHECK


@case("check", ("POLICY", "too large"), exit=(1,))
def case_policy_level_5000_digits(root: Path) -> list[str]:
    """A policy severity level with 5,000 digits."""
    write(records(root), BASE)
    policy = policy_with(root, "  - level: 1\n", "  - level: " + "1" * 5000 + "\n")
    return [*CHECK, "--policy", str(policy)]


@case("check", ("POLICY", "too large"), exit=(1,))
def case_policy_days_5000_digits(root: Path) -> list[str]:
    """rules.stale_days with 5,000 digits."""
    write(records(root), BASE)
    policy = policy_with(root, "  stale_days: 7\n", "  stale_days: " + "7" * 5000 + "\n")
    return [*CHECK, "--policy", str(policy)]


@case("build", ("INC004",))
def case_build_severity_5000_digits(root: Path) -> list[str]:
    """The build with a 5,000-digit severity (it failed in builder-inited)."""
    write(records(root), BASE.replace("severity: 3", "severity: " + "9" * 5000))
    return site(root)


# --- 2. ids and generated reStructuredText ----------------------------------------------------


@case("check", ("INC010",))
def case_id_with_trailing_newline(root: Path) -> list[str]:
    """A file named '2024-01-01-abc\\n.yaml' (re.match let '$' accept the newline)."""
    write(records(root), BASE, "2024-01-01-abc\n.yaml")
    return CHECK


@case("check", ("INC010",))
def case_raw_html_file_name(root: Path) -> list[str]:
    """A file name carrying a raw:: html directive, with a policy pattern lacking '$'."""
    write(records(root), BASE, RAW_HTML_NAME + ".yaml")
    return [*CHECK, "--policy", str(loose_policy(root))]


@case("build", ("INC010",), browser=True)
def case_build_raw_html_file_name(root: Path) -> list[str]:
    """The same file name in a build: the alert opened in Chromium."""
    write(records(root), BASE, RAW_HTML_NAME + ".yaml")
    write(records(root), BASE.replace("05-28", "05-29"), "2024-05-29-fine.yaml")
    loose_policy(root)
    return site(root, incidents_policy='"../policy.yaml"')


@case("build", ("INC004",), browser=True)
def case_build_hostile_text(root: Path) -> list[str]:
    """HTML, Mermaid and escapes in every text field, a javascript: link, a forged key."""
    payload = '<script>alert(1)</script> "><img src=x onerror=alert(1)> A-->B[evil]'
    text = BASE.replace('"Search is slow"', "'" + payload.replace("'", "''") + "'")
    text = text.replace(
        '"Search took several seconds for some users."',
        '"[x](javascript:alert(1)) <iframe src=javascript:alert(1)></iframe> \\e[2J"',
    )
    text += "links:\n  - title: '\"><svg onload=alert(1)>'\n    url: https://example.org/\n"
    write(records(root), text)
    return site(root)


# --- 3. sizes and file types ------------------------------------------------------------------


@case("check", ("INC001",))
def case_record_2gb_sparse(root: Path) -> list[str]:
    """A 2 GB sparse record (8.8 s and 2.1 GB before the size check)."""
    sparse(records(root) / f"{ID}.yaml")
    return CHECK


@case("build", ("INC001",))
def case_build_record_2gb_sparse(root: Path) -> list[str]:
    """The same 2 GB record in a build."""
    sparse(records(root) / f"{ID}.yaml")
    return site(root)


@case("check", ("INC001",))
def case_roster_2gb_sparse(root: Path) -> list[str]:
    """A 2 GB sparse roster."""
    folder = records(root, roster=False)
    sparse(folder / "_roster.yaml")
    write(folder, BASE)
    return CHECK


@case("check", ("POLICY",), exit=(2,))
def case_policy_2gb_sparse(root: Path) -> list[str]:
    """A 2 GB sparse policy file."""
    write(records(root), BASE)
    return [*CHECK, "--policy", str(sparse(root / "policy.yaml"))]


@case("check", ("INC013",))
def case_fifo_record_in_folder(root: Path) -> list[str]:
    """A FIFO named like a record (the check hung forever)."""
    folder = records(root)
    os.mkfifo(folder / f"{ID}.yaml")
    return CHECK


@case("check", ("INC001",))
def case_fifo_record_by_name(root: Path) -> list[str]:
    """The FIFO given by name, as a pre-commit hook would."""
    folder = records(root)
    os.mkfifo(folder / f"{ID}.yaml")
    return [*CHECK, str(folder / f"{ID}.yaml")]


@case("check", ("INC001",))
def case_fifo_roster(root: Path) -> list[str]:
    """A FIFO in place of the roster."""
    folder = records(root, roster=False)
    os.mkfifo(folder / "_roster.yaml")
    write(folder, BASE)
    return CHECK


@case("check", ("POLICY",), exit=(2,))
def case_fifo_policy(root: Path) -> list[str]:
    """A FIFO given as the policy."""
    write(records(root), BASE)
    os.mkfifo(root / "policy.yaml")
    return [*CHECK, "--policy", str(root / "policy.yaml")]


@case("build", ("INC013",))
def case_build_fifo_record(root: Path) -> list[str]:
    """A FIFO named like a record, in a build."""
    folder = records(root)
    write(folder, BASE)
    os.mkfifo(folder / "2024-05-29-fifo.yaml")
    return site(root)


@case("check", ("INC001",))
def case_dev_zero_by_name(root: Path) -> list[str]:
    """check /dev/zero (MemoryError)."""
    records(root)
    return [*CHECK, "/dev/zero"]


@case("check", ("INC014",))
def case_symlink_to_dev_zero(root: Path) -> list[str]:
    """A record that is a symlink to /dev/zero."""
    (records(root) / f"{ID}.yaml").symlink_to("/dev/zero")
    return CHECK


@case("check", ("INC001",))
def case_one_byte_over_the_limit(root: Path) -> list[str]:
    """A record one byte over 1 MiB."""
    write(records(root), BASE + "#" + "x" * (1024 * 1024 - len(BASE)) + "\n")
    return CHECK


@case("check", ("INC001",))
def case_billion_laughs(root: Path) -> list[str]:
    """YAML aliases that would expand to a billion strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, before in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join(f"*{before}" for _ in range(9)) + "]")
    write(records(root), "\n".join(lines) + "\n")
    return CHECK


@case("check", ("INC001",))
def case_deep_nesting(root: Path) -> list[str]:
    """100,000 nested flow lists."""
    write(records(root), "title: " + "[" * 100_000 + "]" * 100_000 + "\n")
    return CHECK


@case("check", ("INC002",), absent=("k" * 500,))
def case_megabyte_key(root: Path) -> list[str]:
    """An unknown key of almost 1 MiB: the message echoes at most a few hundred characters."""
    write(records(root), BASE + '? "' + "k" * (1024 * 1000) + '"\n: 1\n')
    return CHECK


@case("build", ("INC004",))
def case_build_pathological_markdown(root: Path) -> list[str]:
    """Summary and a note of 300,000 unbalanced Markdown delimiters (16 s, 287 MB)."""
    text = BASE.replace(
        '"Search took several seconds for some users."', '"' + "[*_`" * 75_000 + '"'
    )
    text = text.replace('"Restarted the search pods."', '"' + "**a" * 100_000 + '"')
    write(records(root), text)
    return site(root)


def markdown_at_the_limits(unit: str) -> str:
    """A record holding the most Markdown it may: 5 fields of 10,000 characters of ``unit``."""
    field = '"' + (unit * (10_000 // len(unit) + 1))[:10_000].replace('"', "'") + '"'
    text = BASE.replace('"Search took several seconds for some users."', field)
    text = text.replace('"Restarted the search pods."', field)
    text += f"impact: {field}\n"
    for hour in (12, 11):  # each goes right after the 10:00 event: 10, 11, 12
        text = text.replace(
            "    note: ", f"    note: {field}\n  - at: 2024-05-28T{hour}:00:00Z\n    note: ", 1
        )
    return text


@case("build", absent=("INC0",))
def case_build_pathological_markdown_at_the_limits(root: Path) -> list[str]:
    """The costliest Markdown a record may hold: 50,000 characters of delimiter runs."""
    write(records(root), markdown_at_the_limits("!["))
    return site(root)


@case("build", absent=("INC0",), requires="linkify_it")
def case_build_linkify_markdown_at_the_limits(root: Path) -> list[str]:
    """The same with MyST's linkify on (as Openverse has it), in URL-like runs."""
    write(records(root), markdown_at_the_limits("https://a.b/("))
    return site(
        root,
        extensions='["myst_parser", "sphinx_incidents"]',
        myst_enable_extensions='["linkify"]',
    )


# --- 4. long ids --------------------------------------------------------------------------------


@case("check", ("INC010",))
def case_id_250_characters(root: Path) -> list[str]:
    """An id of 250 characters (the build's temp file name was too long)."""
    write(records(root), BASE, "2024-05-28-" + "a" * 239 + ".yaml")
    return CHECK


@case("build", ("INC010",))
def case_build_id_250_characters(root: Path) -> list[str]:
    """The same in a build."""
    write(records(root), BASE, "2024-05-28-" + "a" * 239 + ".yaml")
    return site(root)


@case("new", ("limit is 200",), exit=(2,))
def case_new_id_260_characters(root: Path) -> list[str]:
    """new --id with 260 characters (an OSError traceback)."""
    records(root)
    return [*NEW, "--id", "2024-03-01-" + "a" * 249]


NEW = [
    "Search is slow",
    "--severity",
    "3",
    "--service",
    "api",
    "--recorded-by",
    "alex",
    "--lead",
    "alex",
    "--detected",
    "2024-03-01T09:12:00Z",
    "--now",
    NOW,
]


# --- 5. control characters ----------------------------------------------------------------------


@case("leads", ("some records have errors",), absent=("\x1b", "\x07"))
def case_roster_name_with_escapes(root: Path) -> list[str]:
    """A roster name that retitles and recolours the terminal."""
    folder = records(root, roster=False)
    (folder / "_roster.yaml").write_text(
        'people:\n  - handle: alex\n    name: "Alex \\e]0;PWNED\\a\\e[31m"\n', encoding="utf-8"
    )
    write(folder, BASE)
    return CHECK


@case("check", ("INC002",), absent=("\x1b", "\x9b", "\n::error", "\nforged.yaml:"))
def case_key_with_escapes_and_newlines(root: Path) -> list[str]:
    """A key that clears the screen and forges a diagnostic and a GitHub annotation."""
    key = "\\e[2J\\e[H\\x9b1m\\nforged.yaml:1:1: INC000 forged\\n::error file=a::forged"
    write(records(root), BASE + f'"{key}": 1\n')
    return [*CHECK, "--format", "github"]


@case("check", ("INC004",), absent=("\x1b",))
def case_text_with_escapes(root: Path) -> list[str]:
    """Escapes in a title and a note."""
    text = BASE.replace('"Search is slow"', '"Search \\e[2J is slow"')
    write(records(root), text.replace("search pods.", "search \\x07 pods."))
    return CHECK


@case("check", ("INC010",), absent=("\x1b",))
def case_file_name_with_escapes(root: Path) -> list[str]:
    """A file name holding an escape sequence."""
    write(records(root), BASE, "2024-05-28-\x1b[2Jx.yaml")
    return CHECK


# --- 6. symlinks and odd entries ----------------------------------------------------------------


@case("check", ("INC014",), absent=(SECRET,))
def case_symlink_to_a_secret(root: Path) -> list[str]:
    """A record that is a symlink to a file outside: its content was echoed in messages."""
    (root / "secret.txt").write_text(f"title: {SECRET}\n", encoding="utf-8")
    (records(root) / f"{ID}.yaml").symlink_to(root / "secret.txt")
    return CHECK


@case("build", ("INC014",), absent=(SECRET,))
def case_build_symlink_to_a_secret(root: Path) -> list[str]:
    """The same in a build."""
    (root / "secret.txt").write_text(f"title: {SECRET}\n", encoding="utf-8")
    (records(root) / f"{ID}.yaml").symlink_to(root / "secret.txt")
    return site(root)


@case("check", ("INC014",), absent=(SECRET,))
def case_roster_symlink_to_a_secret(root: Path) -> list[str]:
    """A roster that is a symlink to a file outside."""
    (root / "secret.txt").write_text(f"people: {SECRET}\n", encoding="utf-8")
    folder = records(root, roster=False)
    (folder / "_roster.yaml").symlink_to(root / "secret.txt")
    write(folder, BASE)
    return CHECK


@case("check", ("POLICY", "outside the records folder"), exit=(2,), absent=(SECRET,))
def case_folder_policy_symlink_to_a_secret(root: Path) -> list[str]:
    """The records folder's own _policy.yaml is a symlink to a file outside."""
    (root / "secret.txt").write_text(f"name: {SECRET}\n", encoding="utf-8")
    folder = records(root)
    (folder / "_policy.yaml").symlink_to(root / "secret.txt")
    write(folder, BASE)
    return CHECK


@case("check", ("POLICY", "FIFO"), exit=(2,))
def case_folder_policy_fifo(root: Path) -> list[str]:
    """The records folder's own _policy.yaml is a FIFO (it was ignored silently)."""
    folder = records(root)
    os.mkfifo(folder / "_policy.yaml")
    write(folder, BASE)
    return CHECK


@case("check", ("INC014",))
def case_symlinked_folder_outside(root: Path) -> list[str]:
    """A subfolder that is a symlink to /etc."""
    (records(root) / "2025").symlink_to("/etc")
    return CHECK


@case("check", ("INC013",))
def case_symlink_loop(root: Path) -> list[str]:
    """A subfolder that is a symlink to its own folder."""
    folder = records(root)
    write(folder, BASE)
    (folder / "loop").symlink_to(".")
    return CHECK


@case("check", ("INC013",))
def case_odd_entries(root: Path) -> list[str]:
    """A dangling symlink, a folder named x.yaml, an x.YAML file: each is reported."""
    folder = records(root)
    (folder / "2024-05-01-dangling.yaml").symlink_to(root / "gone.yaml")
    (folder / "2024-05-02-folder.yaml").mkdir()
    write(folder, BASE, "2024-05-03-upper.YAML")
    return CHECK


@case("check", ("INC013",))
def case_folders_too_deep(root: Path) -> list[str]:
    """Records nine folders down."""
    deep = records(root).joinpath(*"abcdefghi")
    deep.mkdir(parents=True)
    write(deep, BASE)
    return CHECK


# --- 7. log -------------------------------------------------------------------------------------


LOG = [ID, "--note", "Still slow.", "--by", "alex", "--now", NOW]


@case("log", ("read-only",), exit=(1,))
def case_log_read_only_record(root: Path) -> list[str]:
    """log on a record of mode 444 (it renamed over it)."""
    write(records(root), BASE).chmod(0o444)
    return LOG


@case("log", ("too large",), exit=(1,))
def case_log_2gb_record(root: Path) -> list[str]:
    """log on a 2 GB sparse record given by path."""
    path = sparse(records(root) / f"{ID}.yaml")
    return [str(path), *LOG[1:]]


@case("log", ("outside the records folder",), exit=(1,))
def case_log_through_a_symlink_given_by_path(root: Path) -> list[str]:
    """log PATH where PATH is a symlink to a record outside: it would write through it."""
    write(root, BASE, "elsewhere.yaml")
    (records(root) / f"{ID}.yaml").symlink_to(root / "elsewhere.yaml")
    return [f"incident_records/{ID}.yaml", *LOG[1:]]


@case("log", ("no incident",), exit=(2,))
def case_log_fifo_record(root: Path) -> list[str]:
    """log on a FIFO named like the record."""
    os.mkfifo(records(root) / f"{ID}.yaml")
    return LOG


@case("log", ("INC004",), exit=(1,), absent=("\x1b",))
def case_log_note_with_escapes(root: Path) -> list[str]:
    """log --note with an escape sequence."""
    write(records(root), BASE)
    return [ID, "--note", "x" + ESCAPES, "--by", "alex", "--now", NOW]


@case("log", ("no incident",), exit=(2,), absent=("\x1b",))
def case_log_id_with_escapes(root: Path) -> list[str]:
    """log with an id holding escapes and a newline."""
    write(records(root), BASE)
    return [ID + "\n" + ESCAPES, "--note", "x", "--by", "alex", "--now", NOW]


# --- 8. dates, sizes, existing ids --------------------------------------------------------------


@case("check", ("INC004",))
def case_year_1(root: Path) -> list[str]:
    """A timestamp in the year 1 (written back as 1-01-01; Gantt: Invalid date)."""
    write(records(root), BASE.replace("2024-05-28T09:00:00Z", "0001-05-28T09:00:00Z"))
    return CHECK


@case("check", ("INC015",))
def case_23000_events(root: Path) -> list[str]:
    """A 1 MiB record of 23,000 events."""
    write(records(root), events(23_000))
    return CHECK


@case("build", ("INC015",))
def case_build_23000_events(root: Path) -> list[str]:
    """The same in a build (20 s and 663 MB)."""
    write(records(root), events(23_000))
    return site(root)


@case("build", ())
def case_build_500_events(root: Path) -> list[str]:
    """A record at the 500-event limit still builds within the bounds."""
    write(records(root), events(500))
    return site(root)


@case("new", ("already exists",), exit=(1,))
def case_new_existing_id(root: Path) -> list[str]:
    """new --id X when X exists (it silently created X-2)."""
    write(records(root), BASE, "2024-03-01-taken.yaml")
    return [*NEW, "--id", "2024-03-01-taken"]


# --- 9. configuration and policy ----------------------------------------------------------------


@case("build", ("conf.py:",))
def case_build_missing_folder_and_bad_now(root: Path) -> list[str]:
    """A missing incidents_dir and an invalid incidents_now: located warnings."""
    return site(root, incidents_dir='"../nowhere"', incidents_now='"yesterday"')


@case("check", ("POLICY",), exit=(1,))
def case_policy_without_a_way_to_close(root: Path) -> list[str]:
    """A policy whose graph has no path from a first status to a closed one."""
    write(records(root), BASE)
    policy = policy_with(root, "  - {from: under-investigation, to: resolved}\n", "")
    return [*CHECK, "--policy", str(policy)]


def main(out: Path) -> None:
    """Write every case's layout below ``out`` (one folder per case) and list them."""
    out.mkdir(parents=True, exist_ok=True)
    for each in CASES:
        folder = out / each.name
        folder.mkdir()
        argv = each.setup(folder)
        print(f"{each.name}: sphinx-incidents {each.command} {' '.join(map(repr, argv))}")


if __name__ == "__main__":  # pragma: no cover
    main(Path(sys.argv[1]))
