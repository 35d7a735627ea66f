"""Regression tests for issue 13: hostile records, names and files.

One section per item of the issue; each test failed before its fix.  The hostile corpus
(``tests/hostile/``) runs the same attacks end to end, in subprocesses, with time and memory
bounds; the fuzz session (``nox -s fuzz``) throws random ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_rules import BASE  # the valid record every rule test starts from

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.policy import Policy, PolicyError, load_policy, parse_policy

HERE = Path(__file__).parent
RECORDS = HERE / "fixtures" / "records"
NOW = resolve_now("2024-06-01T00:00:00Z")
POLICY_FILE = Path(__file__).parent.parent / "sphinx_incidents" / "policies" / "openverse.yaml"

ID = "2024-05-28-search-is-slow"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def check(folder: Path, policy: Policy | None = None) -> CheckResult:
    return check_paths([folder], policy or load_policy(), NOW, base=folder, find_roster=False)


def codes(result: CheckResult) -> list[tuple[str, str, int, int]]:
    return [(d.path, d.code, d.line, d.column) for d in result.diagnostics]


def record(folder: Path, text: str, name: str = ID + ".yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. integers are bounded before conversion ------------------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("old", "new", "line", "column"),
    [
        ("severity: 3", f"severity: {HUGE}", 2, 11),
        ("    status: stabilized\n", f"    status: stabilized\n    severity: {HUGE}\n", 14, 15),
        ("severity: 3", f"severity: -{HUGE}", 2, 11),
    ],
)
def test_a_huge_integer_is_inc004_not_a_traceback(
    tmp_path: Path, policy: Policy, old: str, new: str, line: int, column: int
) -> None:
    record(tmp_path, BASE.replace(old, new, 1))
    record(tmp_path, BASE, "2024-05-29-another.yaml")  # the others are still checked
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC004", line, column)]
    [diagnostic] = result.diagnostics
    assert "too large" in diagnostic.message and len(diagnostic.message) < 200
    assert "2024-05-29-another" in [i.id for i in result.incidents]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  - level: 1\n", f"  - level: {HUGE}\n"),
        ("rules:\n", f"rules:\n  stale_days: {HUGE}\n"),
    ],
)
def test_a_huge_integer_in_the_policy_is_a_policy_error(old: str, new: str) -> None:
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert old in text
    if new.startswith("rules:"):
        text = text.replace("  stale_days:", "  # stale_days:")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.replace(old, new, 1).encode(), "policy.yaml")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "POLICY" and "too large" in diagnostic.message


def test_check_cli_with_a_huge_severity_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record(tmp_path, BASE.replace("severity: 3", f"severity: {HUGE}"))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--now", "2024-06-01T00:00:00Z", "."]) == 1
    out, err = capsys.readouterr()
    assert "INC004" in out and "Traceback" not in err


# --- 5. control characters never reach a terminal, an annotation or a page ---------------------

ESCAPES = "\x1b]0;PWNED\x07\x1b[31m"


def test_control_characters_in_text_are_inc004(tmp_path: Path, policy: Policy) -> None:
    record(tmp_path, BASE.replace('"Search is slow"', '"Search \\e[2J is slow"'))
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC004", 1, 8)]
    assert "U+001B" in result.diagnostics[0].message
    [incident] = result.incidents
    assert "\x1b" not in incident.title  # the page falls back to the id


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_diagnostics_escape_keys_and_never_forge_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    forged = "x\\n2024-01-01-forged.yaml:1:1: INC099 forged\\n::error file=a::forged"
    record(tmp_path, BASE + f'"\\e[2J\\e[H{forged}": 1\n"\\x9b31m": 2\n')
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--now", "2024-06-01T00:00:00Z", "--format", fmt, "."]) == 1
    out, err = capsys.readouterr()
    for text in (out, err):
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    if fmt != "json":
        lines = out.splitlines()
        assert len(lines) == 2
        assert all(ID in line for line in lines)
        assert not any("INC099" in line[:60] for line in lines)


def test_roster_names_are_refused_and_leads_prints_no_escape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "_roster.yaml").write_text(
        'people:\n  - handle: alex\n    name: "Alex \\e]0;PWNED\\a\\e[31m"\n', encoding="utf-8"
    )
    record(tmp_path, BASE)
    monkeypatch.chdir(tmp_path)
    assert main(["leads", "--now", "2024-06-01T00:00:00Z", "."]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert main(["check", "--now", "2024-06-01T00:00:00Z", "."]) == 1
    out, _ = capsys.readouterr()
    assert "_roster.yaml:3:11: INC004" in out


def test_leads_escapes_whatever_reaches_it() -> None:
    from datetime import date

    from sphinx_incidents.cli.leads import render_report
    from sphinx_incidents.core.analytics import lead_report
    from sphinx_incidents.core.model import Person, Roster

    roster = Roster("_roster.yaml")
    roster.people.append(Person("alex", "Alex" + ESCAPES))
    report = lead_report([], roster, NOW, date(2024, 1, 1), load_policy())
    text = "\n".join(render_report(report))
    assert "\x1b" not in text and "\\x1b]0;PWNED\\x07" in text


# --- 3. the size is checked before reading; only regular files are read ------------------------


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def test_a_2gb_sparse_record_is_refused_before_reading(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sphinx_incidents.core.safefiles as safefiles

    reads: list[int] = []
    real_read = safefiles.os.read

    def counting_read(fd: int, size: int) -> bytes:
        reads.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(safefiles.os, "read", counting_read)
    sparse(tmp_path / f"{ID}.yaml", 2 * 1024**3)
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC001", 1, 1)]
    assert "too large (2147483648 bytes" in result.diagnostics[0].message
    assert reads == []


@pytest.mark.parametrize("name", ["_roster.yaml", "policy.yaml"])
def test_a_huge_roster_or_policy_is_refused_before_reading(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sparse(tmp_path / name, 2 * 1024**3)
    record(tmp_path, BASE)
    monkeypatch.chdir(tmp_path)
    argv = ["check", "--now", "2024-06-01T00:00:00Z", "."]
    if name == "policy.yaml":
        argv += ["--policy", "policy.yaml"]
    code = main(argv)
    out, err = capsys.readouterr()
    assert "too large (2147483648 bytes" in out + err
    assert code == (2 if name == "policy.yaml" else 1)


def test_a_file_that_grows_after_stat_is_still_refused(tmp_path: Path) -> None:
    from sphinx_incidents.core.safefiles import UnreadableFile, read_limited

    path = tmp_path / "x.yaml"
    path.write_bytes(b"x" * 10)
    with pytest.raises(UnreadableFile, match="more than 5 bytes"):
        read_limited(path, 5) if False else _read_growing(path)


def _read_growing(path: Path) -> bytes:
    """read_limited with the size check passed, as if the file grew after ``stat``."""
    import os as real_os

    from sphinx_incidents.core import safefiles

    real_stat = real_os.stat

    class Small:
        def __init__(self, result: real_os.stat_result) -> None:
            self.st_mode, self.st_size = result.st_mode, 0

    def small_stat(p: object, *args: object, **kwargs: object) -> Small:
        return Small(real_stat(p))  # type: ignore[arg-type]

    original = safefiles.os.stat
    safefiles.os.stat = small_stat  # type: ignore[assignment]
    try:
        return safefiles.read_limited(path, 5)
    finally:
        safefiles.os.stat = original


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_given_by_name_is_inc001(tmp_path: Path, policy: Policy, device: str) -> None:
    result = check_paths([Path(device)], policy, NOW, base=tmp_path, find_roster=False)
    inc001 = [d for d in result.diagnostics if d.code == "INC001"]
    assert len(inc001) == 1 and "character device" in inc001[0].message


def test_a_fifo_never_hangs(tmp_path: Path, policy: Policy) -> None:
    import os

    fifo = tmp_path / f"{ID}.yaml"
    os.mkfifo(fifo)
    # given by name: INC001; found in the folder: skipped, INC013
    result = check_paths([fifo], policy, NOW, base=tmp_path, find_roster=False)
    assert codes(result) == [(f"{ID}.yaml", "INC001", 1, 1)]
    assert "FIFO" in result.diagnostics[0].message
    assert codes(check(tmp_path, policy)) == [(f"{ID}.yaml", "INC013", 1, 1)]
    # The roster too, found beside the records or given by name.
    roster = tmp_path / "_roster.yaml"
    os.mkfifo(roster)
    result = check_paths([tmp_path], policy, NOW, base=tmp_path)
    assert ("_roster.yaml", "INC001", 1, 1) in codes(result)
    with pytest.raises(PolicyError, match="FIFO"):
        load_policy(roster)


# --- 6. symlinks leaving the folder, and every skipped entry, are reported ---------------------

SECRET = "hunter2-db-password"


def test_a_symlink_out_of_the_folder_is_inc014_and_never_read(
    tmp_path: Path, policy: Policy
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(f"title: {SECRET}\n", encoding="utf-8")
    records = tmp_path / "records"
    records.mkdir()
    (records / f"{ID}.yaml").symlink_to(secret)
    (records / "_roster.yaml").symlink_to(secret)
    result = check_paths([records], policy, NOW, base=records)
    assert codes(result) == [(f"{ID}.yaml", "INC014", 1, 1), ("_roster.yaml", "INC014", 1, 1)]
    text = "\n".join(d.format_text() for d in result.diagnostics)
    assert SECRET not in text
    # a file given by name is held to its own folder
    result = check_paths([records / f"{ID}.yaml"], policy, NOW, base=records, find_roster=False)
    assert codes(result) == [(f"{ID}.yaml", "INC014", 1, 1)]


def test_a_symlink_inside_the_folder_is_read(tmp_path: Path, policy: Policy) -> None:
    (tmp_path / "2024").mkdir()
    record(tmp_path / "2024", BASE)
    (tmp_path / "2024-05-29-alias.yaml").symlink_to(Path("2024") / f"{ID}.yaml")
    result = check(tmp_path, policy)
    assert codes(result) == []
    assert sorted(i.id for i in result.incidents) == [ID, "2024-05-29-alias"]


def test_every_skipped_entry_is_reported(tmp_path: Path, policy: Policy) -> None:
    import os
    import socket

    record(tmp_path, BASE)
    (tmp_path / "2024-05-01-dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    os.mkfifo(tmp_path / "2024-05-02-fifo.yaml")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "2024-05-03-folder.yaml").mkdir()
    record(tmp_path, BASE, "2024-05-04-upper.YAML")
    record(tmp_path, BASE, "2024-05-05-mixed.Yml")
    (tmp_path / "linked").symlink_to(tmp_path / "2024-05-03-folder.yaml")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "2024-05-06-socket.yaml"))
        result = check(tmp_path, policy)
    finally:
        sock.close()
    # what is not a record by name is passed over silently
    (tmp_path / "README.md").write_text("notes\n", encoding="utf-8")
    (tmp_path / "_draft.yaml").write_text("title: [\n", encoding="utf-8")
    assert [(path, code) for path, code, _, _ in codes(result)] == [
        ("2024-05-01-dangling.yaml", "INC013"),
        ("2024-05-02-fifo.yaml", "INC013"),
        ("2024-05-03-folder.yaml", "INC013"),
        ("2024-05-04-upper.YAML", "INC013"),
        ("2024-05-05-mixed.Yml", "INC013"),
        ("2024-05-06-socket.yaml", "INC013"),
        ("linked", "INC013"),
        ("pipe", "INC013"),
    ]
    assert all(d.level == "warning" for d in result.diagnostics)
    assert [i.id for i in result.incidents] == [ID]


# --- 2. ids match in full, with safe characters, whatever the policy says ----------------------

RAW_HTML = "2024-01-01-x\n\n.. raw:: html\n\n   <img src=x onerror=alert(document.domain)>\n\n"
LOOSE = "\n".join(
    'id_pattern: "^\\\\d{4}-\\\\d{2}-\\\\d{2}-"' if line.startswith("id_pattern:") else line
    for line in POLICY_FILE.read_text(encoding="utf-8").splitlines()
)


@pytest.mark.parametrize(
    "name",
    [
        "2024-01-01-abc\n",
        RAW_HTML,
        "2024-01-01-a b",
        "2024-01-01-x<script>",
        "2024-01-01-x`y`",
        "2024-01-01-x:y",
        "2024-01-01-x-",
        "2024-01-01-\x1b[2J",
    ],
)
def test_an_unsafe_file_name_is_inc010_whatever_the_policy(
    tmp_path: Path, name: str, policy: Policy
) -> None:
    loose = parse_policy(LOOSE.encode(), "loose.yaml")
    assert loose.id_regex.match(name)  # the loose pattern alone would accept it
    record(tmp_path, BASE, name + ".yaml")
    for each in (policy, loose):
        result = check(tmp_path, each)
        assert [(d.code, d.line) for d in result.diagnostics] == [("INC010", 1)]
        assert result.incidents == []
        assert "\n" not in result.diagnostics[0].format_text()


def test_new_refuses_an_id_with_a_trailing_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "incident_records"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    code = main([*NEW, "--id", "2024-03-01-abc\n"])
    _, err = capsys.readouterr()
    assert code == 2 and "not a valid incident id" in err and "Traceback" not in err
    assert list(folder.iterdir()) == []


NEW = [
    "new",
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
    "2024-03-03T00:00:00Z",
]


def test_stubs_never_hold_unchecked_text() -> None:
    from types import SimpleNamespace

    from sphinx_incidents.sphinxext.pages import incident_stub, rst_id

    assert rst_id("2024-01-01-a.b_c") == "2024-01-01-a.b_c"
    for bad in (RAW_HTML, "2024-01-01-x\n", "x" * 201, "", "a b", "a`b"):
        with pytest.raises(ValueError):
            rst_id(bad)
    incident = SimpleNamespace(id=ID, path="records/evil\n\n.. raw:: html\n\n   <b>x</b>/x.yaml")
    stub = incident_stub(incident)  # type: ignore[arg-type]
    assert stub.split("\n")[1:] == ["", f".. incident:: {ID}", ""]  # nothing of the path
    incident.id = RAW_HTML
    with pytest.raises(ValueError):
        incident_stub(incident)  # type: ignore[arg-type]


# --- 4. ids short enough for every file name derived from them ---------------------------------


def test_id_length_limit(tmp_path: Path, policy: Policy) -> None:
    longest = "2024-05-28-" + "a" * 189
    assert len(longest) == 200
    record(tmp_path, BASE, longest + ".yaml")
    record(tmp_path, BASE, longest + "b.yaml")
    result = check(tmp_path, policy)
    assert [(d.path[:20], d.code) for d in result.diagnostics] == [(longest[:20], "INC010")]
    assert "201 characters long; the limit is 200" in result.diagnostics[0].message
    assert [i.id for i in result.incidents] == [longest]


def test_new_with_a_260_character_id_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "incident_records").mkdir()
    monkeypatch.chdir(tmp_path)
    code = main([*NEW, "--id", "2024-03-01-" + "a" * 249])
    _, err = capsys.readouterr()
    assert code == 2 and "260 characters long; the limit is 200" in err
    assert "Traceback" not in err and "OSError" not in err


def test_log_and_build_work_at_the_longest_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "incident_records"
    folder.mkdir()
    longest = "2024-03-01-" + "a" * 189
    monkeypatch.chdir(tmp_path)
    assert main([*NEW, "--id", longest]) == 0
    code = main(
        ["log", longest, "--status", "stabilized", "--by", "alex", "--now", "2024-03-03T00:00:00Z"]
    )
    assert code == 0, capsys.readouterr()
    out = build_site(tmp_path, folder)
    assert (out / "incidents" / f"{longest}.html").is_file()


def build_site(tmp_path: Path, records: Path, **conf: str) -> Path:
    """A minimal site showing ``records``; built in a subprocess-free SphinxTestApp."""
    from sphinx.testing.util import SphinxTestApp

    src = tmp_path / "site"
    src.mkdir(exist_ok=True)
    settings = {
        "extensions": '["sphinx_incidents"]',
        "incidents_dir": repr(str(records)),
        "incidents_now": '"2024-06-01T00:00:00Z"',
        "suppress_warnings": '["incidents.inc044"]',
        **conf,
    }
    (src / "conf.py").write_text(
        "".join(f"{name} = {value}\n" for name, value in settings.items()), encoding="utf-8"
    )
    (src / "index.rst").write_text(
        "Site\n====\n\n.. toctree::\n\n   incidents/index\n", encoding="utf-8"
    )
    app = SphinxTestApp("html", srcdir=src)
    try:
        app.build()
        build_site.warnings = app.warning.getvalue()  # type: ignore[attr-defined]
    finally:
        app.cleanup()
    return Path(app.outdir)


# --- 7. log refuses a read-only record unless forced -------------------------------------------


def test_log_refuses_a_read_only_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "incident_records"
    folder.mkdir()
    path = record(folder, BASE)
    path.chmod(0o444)
    before = path.read_bytes()
    monkeypatch.chdir(tmp_path)
    argv = ["log", ID, "--note", "Still slow.", "--by", "alex", "--now", "2024-06-01T00:00:00Z"]
    assert main(argv) == 1
    _, err = capsys.readouterr()
    assert "read-only (mode 444)" in err and "--force" in err
    assert path.read_bytes() == before
    assert main([*argv, "--force"]) == 0
    assert path.read_bytes() != before and (path.stat().st_mode & 0o777) == 0o444


# --- 8. new --id never renames silently --------------------------------------------------------


@pytest.mark.parametrize("where", [".", "2024"])
def test_new_refuses_an_id_that_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    folder = tmp_path / "incident_records"
    (folder / where).mkdir(parents=True, exist_ok=True)
    taken = record(folder / where, BASE, "2024-03-01-taken.yaml")
    monkeypatch.chdir(tmp_path)
    assert main([*NEW, "--id", "2024-03-01-taken"]) == 1
    _, err = capsys.readouterr()
    assert "already exists" in err and str(taken.relative_to(tmp_path)) in err
    assert sorted(p.name for p in folder.rglob("*.yaml")) == ["2024-03-01-taken.yaml"]
    # the date + slug default still takes the next free name, across subfolders too
    record(folder / where, BASE, "2024-03-01-search-is-slow.yaml")
    assert main(NEW) == 0
    assert (folder / "2024-03-01-search-is-slow-2.yaml").is_file()


# --- issue 12, item 8: records in subfolders ---------------------------------------------------


def test_every_tool_reads_subfolders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "incident_records"
    (folder / "2024" / "05").mkdir(parents=True)
    (folder / "_roster.yaml").write_text("people:\n  - handle: alex\n", encoding="utf-8")
    record(folder / "2024" / "05", BASE)
    record(folder, BASE.replace("05-28", "05-29"), "2024-05-29-newer.yaml")
    monkeypatch.chdir(tmp_path)
    now = ["--now", "2024-06-01T00:00:00Z"]
    assert main(["check", *now]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert main(["leads", *now]) == 0
    assert "2 incidents," in capsys.readouterr()[0]
    assert main(["log", ID, "--note", "Better now.", "--by", "alex", *now]) == 0
    assert "Better now." in (folder / "2024" / "05" / f"{ID}.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    # ids stay unique across folders: INC011 names both files
    record(folder / "2024", BASE)
    assert main(["check", *now]) == 1
    out, _ = capsys.readouterr()
    assert (
        f"incident_records/2024/{ID}.yaml:1:1: INC011 incident id '{ID}' is also used by "
        f"incident_records/2024/05/{ID}.yaml" in out
    )
    assert main(["log", ID, "--note", "x", "--by", "alex", *now]) == 2
    assert "keep one" in capsys.readouterr()[1]
    (folder / "2024" / f"{ID}.yaml").unlink()
    out_dir = build_site(tmp_path, folder)
    assert (out_dir / "incidents" / f"{ID}.html").is_file()
    assert (out_dir / "incidents" / "2024-05-29-newer.html").is_file()


# --- 8. years, timeline cap, search anchors, closed pipes ---------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("detected: 2024-05-28T09:00:00Z", "detected: 0001-05-28T09:00:00Z", 11),
        ("detected: 2024-05-28T09:00:00Z", "detected: 0999-12-31T23:59:59Z", 11),
    ],
)
def test_years_before_1000_are_refused(
    tmp_path: Path, policy: Policy, old: str, new: str, column: int
) -> None:
    record(tmp_path, BASE.replace(old, new))
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC004", 4, column)]
    assert "before the year 1000" in result.diagnostics[0].message


def test_dates_before_1000_are_refused(tmp_path: Path, policy: Policy) -> None:
    record(tmp_path, BASE + "retrospective:\n  date: 0999-01-01\n  host: alex\n")
    result = check(tmp_path, policy)
    assert ("INC004", 16) in [(d.code, d.line) for d in result.diagnostics]


def test_times_are_written_with_four_digit_years() -> None:
    from datetime import UTC, datetime

    from sphinx_incidents.core.analytics import format_timestamp
    from sphinx_incidents.sphinxext.directives.timeline import gantt_time

    early = datetime(1000, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert gantt_time(early) == "1000-01-02T03:04:05+00:00"
    assert format_timestamp(early) == "1000-01-02 03:04 UTC"


def events_record(count: int) -> str:
    lines = [BASE.split("timeline:")[0] + "timeline:"]
    lines.append("  - {at: 2024-05-28T09:00:00Z, status: stabilization-pending}")
    lines += [
        f'  - {{at: 2024-05-28T10:{i // 60:02d}:{i % 60:02d}Z, note: "x"}}' for i in range(1, count)
    ]
    return "\n".join(lines) + "\n"


def test_the_timeline_is_capped_at_500_events(tmp_path: Path, policy: Policy) -> None:
    record(tmp_path, events_record(500))
    assert [d.code for d in check(tmp_path, policy).diagnostics] == []
    record(tmp_path, events_record(501))
    result = check(tmp_path, policy)
    assert codes(result) == [(f"{ID}.yaml", "INC015", 10, 3)]
    assert "too many timeline events: 501 (at most 500)" in result.diagnostics[0].message
    assert result.incidents == []


def test_search_results_link_to_the_id_anchor(tmp_path: Path) -> None:
    import json
    import re

    folder = tmp_path / "records"
    folder.mkdir()
    record(folder, BASE.replace('"Search is slow"', '"Search. Is slow"'))
    out = build_site(tmp_path, folder)
    text = (out / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(re.fullmatch(r"Search\.setIndex\((.*)\)", text.strip(), re.S)[1])
    # What Sphinx's searchtools.js does with an object entry (objectSearchCallback).
    found = []
    for prefix, entries in index["objects"].items():
        for doc, typeindex, _prio, short, name in entries:
            fullname = f"{prefix}.{name}" if prefix else name
            anchor = short
            if short == "":
                anchor = fullname
            elif short == "-":
                anchor = index["objnames"][str(typeindex)][1] + "-" + fullname
            found.append((index["docnames"][doc], anchor))
    assert found == [(f"incidents/{ID}", f"incident-{ID}")]
    page = (out / "incidents" / f"{ID}.html").read_text(encoding="utf-8")
    assert f'id="incident-{ID}"' in page


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    for argv in (["schema"], ["check", "--now", "2024-06-01T00:00:00Z", str(RECORDS / "invalid")]):
        process = subprocess.Popen(
            [sys.executable, "-m", "sphinx_incidents.cli.main", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before anything is written
        err = process.stderr.read().decode()
        assert process.wait(timeout=60) == 141, err
        assert "Traceback" not in err and "BrokenPipe" not in err and "Exception" not in err


# --- 9. located configuration warnings; policies that could never close an incident -------------


def test_config_warnings_are_located(tmp_path: Path) -> None:
    build_site(
        tmp_path,
        tmp_path / "missing",
        incidents_now='"yesterday"',
    )
    warnings = build_site.warnings  # type: ignore[attr-defined]
    assert re.search(r"conf\.py:2: WARNING: incidents_dir .* is not a folder", warnings), warnings
    assert re.search(r"conf\.py:3: WARNING: incidents_now: 'yesterday'", warnings), warnings


def test_a_policy_with_no_way_to_close_is_refused() -> None:
    text = (HERE / "fixtures" / "policies" / "five-statuses.yaml").read_text(encoding="utf-8")
    text = text.replace("  - {from: under-investigation, to: resolved}\n", "")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.encode(), "policy.yaml")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "POLICY"
    assert "no path in the status graph from first status 'stabilization-pending', " in (
        diagnostic.message
    )


def test_escapes_never_reach_epub_xhtml_or_sphinx_warnings(tmp_path: Path) -> None:
    from defusedxml import ElementTree
    from sphinx.testing.util import SphinxTestApp
    from sphinx.util.console import strip_colors

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "_roster.yaml").write_text(
        'people:\n  - handle: alex\n    name: "Alex \\e]0;PWNED\\a"\n', encoding="utf-8"
    )
    text = BASE.replace('"Search is slow"', '"Search \\e[31m is slow \\a"')
    text = text.replace('"Restarted the search pods."', '"Restarted \\x1b[2J\\x9b pods."')
    record(folder, text + '"\\e[2J\\nforged.yaml:1: WARNING: x": 1\n')
    src = tmp_path / "site"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["sphinx_incidents"]\n'
        f"incidents_dir = {str(folder)!r}\n"
        'incidents_now = "2024-06-01T00:00:00Z"\n'
        'suppress_warnings = ["incidents.inc044"]\n',
        encoding="utf-8",
    )
    (src / "index.rst").write_text("Site\n====\n\n.. toctree::\n\n   incidents/index\n")
    app = SphinxTestApp("epub", srcdir=src)
    try:
        app.build()
        warnings = strip_colors(app.warning.getvalue())  # Sphinx's own colours
    finally:
        app.cleanup()
    assert "\x1b" not in warnings and "\x07" not in warnings
    assert not any(line.startswith("forged.yaml") for line in warnings.splitlines())
    assert warnings.count("INC004") >= 3 and "INC002" in warnings
    pages = list(Path(app.outdir).rglob("*.xhtml"))
    assert any(page.name == f"{ID}.xhtml" for page in pages)
    for page in pages:
        data = page.read_bytes()
        assert b"\x1b" not in data and b"\x07" not in data and "\x9b".encode() not in data
        ElementTree.fromstring(data)  # well-formed XML


def test_log_never_writes_through_a_symlink_out_of_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = record(tmp_path, BASE, "elsewhere.yaml")
    folder = tmp_path / "incident_records"
    folder.mkdir()
    (folder / f"{ID}.yaml").symlink_to(outside)
    monkeypatch.chdir(tmp_path)
    now = ["--now", "2024-06-01T00:00:00Z"]
    argv = ["--note", "x", "--by", "alex", *now]
    assert main(["log", f"incident_records/{ID}.yaml", *argv]) == 1
    assert "outside the records folder" in capsys.readouterr()[1]
    assert main(["log", ID, *argv]) == 2  # by id: the link is not a record at all
    assert outside.read_text(encoding="utf-8") == BASE


def test_a_folder_policy_that_is_a_symlink_or_a_fifo_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    (tmp_path / ".git").mkdir()
    (tmp_path / "secret.txt").write_text("name: hunter2\n", encoding="utf-8")
    folder = tmp_path / "incident_records"
    folder.mkdir()
    record(folder, BASE)
    (folder / "_policy.yaml").symlink_to(tmp_path / "secret.txt")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--now", "2024-06-01T00:00:00Z"]) == 2
    err = capsys.readouterr()[1]
    assert "outside the records folder" in err and "hunter2" not in err
    (folder / "_policy.yaml").unlink()
    os.mkfifo(folder / "_policy.yaml")
    assert main(["check", "--now", "2024-06-01T00:00:00Z"]) == 2
    assert "FIFO" in capsys.readouterr()[1]
