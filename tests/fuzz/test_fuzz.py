"""The fuzz session (``nox -s fuzz``): no input makes ``check``, the build or ``log`` raise.

Run only with ``pytest --fuzz``; the budget is ``FUZZ_BUDGET`` (see ``conftest.py``).  Each
test states the invariants that must hold for every input, beyond "no uncaught exception":
diagnostics are located and printable, accepted ids are safe, a refused ``log`` leaves the
file byte for byte as it was, and built pages hold no control character.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from fuzz_strategies import (
    BASE,
    FILE_NAMES,
    ID,
    POLICY_BYTES,
    RECORD_BYTES,
    ROSTER,
    SUFFIXES,
    budget,
    log_arguments,
    roster_bytes,
    usable_name,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.check import CheckResult, check_paths
from sphinx_incidents.core.clock import resolve_now
from sphinx_incidents.core.codes import CODES
from sphinx_incidents.core.ids import MAX_ID_LENGTH, SAFE_ID_RE
from sphinx_incidents.core.policy import PolicyError, load_policy, parse_policy

pytestmark = pytest.mark.fuzz

NOW = resolve_now("2024-06-01T00:00:00Z")
POLICY = load_policy()
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")


@contextmanager
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def assert_sane(result: CheckResult) -> None:
    """What every check result must satisfy, whatever the input."""
    for diagnostic in result.diagnostics:
        assert diagnostic.code in CODES or diagnostic.code == "POLICY", diagnostic
        assert diagnostic.line >= 1 and diagnostic.column >= 1, diagnostic
        assert not UNPRINTABLE.search(diagnostic.format_text()), diagnostic
        assert len(diagnostic.message) <= 400
    for incident in result.incidents:
        assert SAFE_ID_RE.fullmatch(incident.id) and len(incident.id) <= MAX_ID_LENGTH
        for text in (incident.title, incident.summary, incident.impact or ""):
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


# --- check ------------------------------------------------------------------------------------


@budget(2000)
@given(data=RECORD_BYTES, roster=st.none() | roster_bytes())
def test_check_never_raises_on_record_bytes(data: bytes, roster: bytes | None) -> None:
    with folder() as path:
        (path / f"{ID}.yaml").write_bytes(data)
        if roster is not None:
            (path / "_roster.yaml").write_bytes(roster)
        assert_sane(check_paths([path], POLICY, NOW, base=path))


@budget(1000)
@given(name=FILE_NAMES, suffix=SUFFIXES)
def test_check_never_raises_on_file_names(name: str, suffix: str) -> None:
    assume(usable_name(name + suffix))
    with folder() as path:
        (path / (name + suffix)).write_text(BASE, encoding="utf-8")
        result = check_paths([path], POLICY, NOW, base=path)
        assert_sane(result)
        accepted = {i.id for i in result.incidents}
        assert accepted <= {name}


@budget(1000)
@given(data=POLICY_BYTES)
def test_policies_are_read_or_refused(data: bytes) -> None:
    try:
        policy = parse_policy(data, "policy.yaml")
    except PolicyError as error:
        for diagnostic in error.diagnostics:
            assert not UNPRINTABLE.search(diagnostic.format_text())
        return
    with folder() as path:
        (path / f"{ID}.yaml").write_text(BASE, encoding="utf-8")
        (path / "_roster.yaml").write_text(ROSTER, encoding="utf-8")
        assert_sane(check_paths([path], policy, NOW, base=path))


# --- log --------------------------------------------------------------------------------------


@budget(600)
@given(args=log_arguments(), record=st.just(BASE.encode()) | RECORD_BYTES)
def test_log_never_raises_and_a_refusal_changes_nothing(args: list[str], record: bytes) -> None:
    with folder() as root:
        records = root / "incident_records"
        records.mkdir()
        (records / "_roster.yaml").write_text(ROSTER, encoding="utf-8")
        path = records / f"{ID}.yaml"
        path.write_bytes(record)
        before = record
        out, err = io.StringIO(), io.StringIO()
        argv = ["log", ID, *args, "--dir", str(records), "--now", "2024-06-01T00:00:00Z"]
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(argv)
        except SystemExit as exit:  # argparse refused an option value
            code = exit.code if isinstance(exit.code, int) else 2
            assert code == 2
        assert code in (0, 1, 2), (code, err.getvalue())
        if code != 0:
            assert path.read_bytes() == before
        assert "\x1b" not in out.getvalue() + err.getvalue()
        assert not [p.name for p in records.iterdir() if p.name.endswith(".tmp")]


# --- the build --------------------------------------------------------------------------------


@budget(60)
@given(
    data=RECORD_BYTES,
    name=FILE_NAMES,
    roster=st.none() | roster_bytes(),
)
def test_the_build_never_raises(data: bytes, name: str, roster: bytes | None) -> None:
    from sphinx.testing.util import SphinxTestApp

    assume(usable_name(name + ".yaml"))
    with folder() as root:
        records = root / "records"
        records.mkdir()
        (records / f"{ID}.yaml").write_bytes(data)
        (records / (name + ".yaml")).write_text(BASE, encoding="utf-8")
        if roster is not None:
            (records / "_roster.yaml").write_bytes(roster)
        src = root / "site"
        src.mkdir()
        (src / "conf.py").write_text(
            'extensions = ["sphinx_incidents"]\n'
            'incidents_dir = "../records"\n'
            'incidents_now = "2024-06-01T00:00:00Z"\n',
            encoding="utf-8",
        )
        (src / "index.rst").write_text(
            "Site\n====\n\n.. incident-table::\n\n.. incident-leads::\n\n"
            ".. toctree::\n\n   incidents/index\n",
            encoding="utf-8",
        )
        app = SphinxTestApp("html", srcdir=src, builddir=root / "out")
        try:
            app.build()
            output = app.status.getvalue() + app.warning.getvalue()
        finally:
            app.cleanup()
        assert "Traceback" not in output and "Exception occurred" not in output, output
        for page in (root / "out" / "html").rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), page
