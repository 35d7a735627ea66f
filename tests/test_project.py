"""One configuration for every tool: where the records folder, policy and roster come from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sphinx_incidents.cli.main import main
from sphinx_incidents.core.project import (
    ENV_DIR,
    DiscoveryError,
    choose_policy,
    choose_roster,
    find_records_dir,
    records_root,
)

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
RECORD = (FIXTURES / "records" / "valid" / "2024-05-08-lead-handover.yaml").read_text()
OPENVERSE = (HERE.parent / "sphinx_incidents" / "policies" / "openverse.yaml").read_text()
NOW = "2024-06-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIR, raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def make_repo(root: Path, records: str = "incident_records") -> Path:
    """A repository with ``.git``, ``docs/`` and a records folder; returns the folder."""
    (root / ".git").mkdir(parents=True)
    (root / "docs").mkdir()
    folder = root / records
    folder.mkdir(parents=True)
    return folder


# --- finding the folder -----------------------------------------------------------------------


def test_found_from_the_root_a_subfolder_and_inside(tmp_path: Path) -> None:
    folder = make_repo(tmp_path)
    (folder / "2025").mkdir()
    for start in (tmp_path, tmp_path / "docs", folder, folder / "2025"):
        found = find_records_dir(start, environ={})
        assert found.path == folder, start
        assert found.how == f"incident_records/ in {tmp_path}"


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "incident_records").mkdir()  # outside the repository: not ours
    make_repo(tmp_path / "repo", records="elsewhere")
    with pytest.raises(DiscoveryError) as error:
        find_records_dir(tmp_path / "repo" / "docs", environ={})
    message = str(error.value)
    assert "no records folder found" in message
    assert "--dir" in message and ENV_DIR in message and "pyproject.toml" in message


@pytest.mark.parametrize("name", ["pyproject.toml", ".sphinx-incidents.toml"])
def test_a_config_file_names_the_folder(tmp_path: Path, name: str) -> None:
    folder = make_repo(tmp_path, records="documentation/meta/incidents/records")
    (tmp_path / name).write_text(
        '[project]\nname = "x"\n\n[tool.sphinx-incidents]\n'
        'dir = "documentation/meta/incidents/records"\n'
    )
    for start in (tmp_path, tmp_path / "docs", folder):
        found = find_records_dir(start, environ={})
        assert found.path.resolve() == folder.resolve()
        assert name in found.how


def test_a_config_file_beats_an_incident_records_folder_beside_it(tmp_path: Path) -> None:
    make_repo(tmp_path)
    (tmp_path / "records").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.sphinx-incidents]\ndir = "records"\n')
    assert find_records_dir(tmp_path, environ={}).path.name == "records"


def test_pyproject_without_our_table_is_ignored(tmp_path: Path) -> None:
    folder = make_repo(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert find_records_dir(tmp_path / "docs", environ={}).path == folder


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.sphinx-incidents\n", "not valid TOML"),
        ('[tool.sphinx-incidents]\ndirectory = "x"\n', "unknown key(s) in [tool.sphinx-incidents]"),
        ("[tool.sphinx-incidents]\ndir = 3\n", "dir must be a folder path"),
        ('[tool.sphinx-incidents]\ndir = "missing"\n', "no such folder"),
        ('tool = "text"\n[x]\n', None),
    ],
)
def test_bad_config_files_are_explained(tmp_path: Path, text: str, expected: str | None) -> None:
    make_repo(tmp_path)
    (tmp_path / "pyproject.toml").write_text(text)
    if expected is None:
        assert find_records_dir(tmp_path, environ={}).path.name == "incident_records"
        return
    with pytest.raises(DiscoveryError, match=r"pyproject\.toml") as error:
        find_records_dir(tmp_path, environ={})
    assert expected in str(error.value)


def test_the_environment_variable_wins(tmp_path: Path) -> None:
    make_repo(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    assert find_records_dir(tmp_path, environ={ENV_DIR: str(other)}).path == other
    with pytest.raises(DiscoveryError, match="no such folder"):
        find_records_dir(tmp_path, environ={ENV_DIR: str(tmp_path / "missing")})


def test_policy_and_roster_choice(tmp_path: Path) -> None:
    folder = make_repo(tmp_path)
    assert choose_policy(None, "--policy", folder).spec == "openverse"
    assert choose_roster(None, folder) is None
    (folder / "_policy.yaml").write_text(OPENVERSE)
    (folder / "_roster.yaml").write_text("people: []\n")
    chosen = choose_policy(None, "--policy", folder)
    assert Path(chosen.spec) == folder / "_policy.yaml"
    assert choose_policy("mine.yaml", "--policy", folder).origin == "--policy"
    assert choose_roster(None, folder) == folder / "_roster.yaml"
    assert choose_roster(tmp_path / "r.yaml", folder) == tmp_path / "r.yaml"


def test_records_root_of_paths(tmp_path: Path) -> None:
    folder = make_repo(tmp_path)
    (folder / "2025").mkdir()
    record = folder / "2025" / "2025-01-01-x.yaml"
    record.write_text(RECORD)
    assert records_root([record]) is None  # no _policy.yaml or _roster.yaml anywhere
    (folder / "_roster.yaml").write_text("people: []\n")
    assert records_root([record]) == folder
    assert records_root([folder / "2025"]) == folder


# --- every command, from anywhere ----------------------------------------------------------


PAYMENTS_POLICY = OPENVERSE.replace(
    "services:\n", "services:\n  - key: payments\n    description: Payments.\n", 1
)


def payments_repo(root: Path) -> Path:
    """A repository whose records need the folder's own policy (service 'payments')."""
    folder = make_repo(root)
    (folder / "_policy.yaml").write_text(PAYMENTS_POLICY)
    text = RECORD.replace("- api", "- payments", 1)
    assert "payments" in text
    (folder / "2024-05-08-payments-down.yaml").write_text(text)
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_uses_the_folder_policy_from_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = payments_repo(tmp_path)
    for where in (tmp_path, tmp_path / "docs", folder):
        monkeypatch.chdir(where)
        code, out, err = run(capsys, "check", "--now", NOW)
        assert (code, out, err) == (0, "", ""), where
        code, out, _ = run(capsys, "leads", "--now", NOW)
        assert code == 0 and "1 incident, as of" in out
    monkeypatch.chdir(tmp_path / "docs")
    code, out, err = run(
        capsys,
        "new",
        "Card payments fail",
        "--severity",
        "2",
        "--service",
        "payments",
        "--lead",
        "alex",
        "--recorded-by",
        "alex",
        "--now",
        NOW,
    )
    assert code == 0, err
    created = folder / "2024-06-01-card-payments-fail.yaml"
    assert created.is_file()
    assert "../incident_records/2024-06-01-card-payments-fail.yaml" in out
    code, out, err = run(
        capsys,
        "log",
        "2024-06-01-card-payments-fail",
        "--status",
        "stabilized",
        "--by",
        "alex",
        "--now",
        NOW,
    )
    assert code == 0, err
    schema = run(capsys, "schema")[1]
    assert '"payments"' in schema
    # The shipped policy (what the tools used before) would refuse the service.
    code, out, _ = run(capsys, "check", "--policy", "openverse", "--now", NOW)
    assert code == 1 and "INC021 unknown service 'payments'" in out


def test_paths_use_the_policy_of_their_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = payments_repo(tmp_path)
    (folder / "2024").mkdir()
    (folder / "2024-05-08-payments-down.yaml").rename(folder / "2024" / "2024-05-08-x.yaml")
    monkeypatch.chdir(tmp_path)
    # the pre-commit hook passes files or a folder; both find the folder's policy
    for path in ("incident_records/2024/2024-05-08-x.yaml", "incident_records/2024"):
        assert run(capsys, "check", "--now", NOW, path) == (0, "", ""), path


def test_dir_naming_a_year_subfolder_means_its_records_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--dir incident_records/2024`` used to drop the folder's roster and policy: ``new``
    wrote a record (and a stray schema) that ``check`` then refused."""
    folder = payments_repo(tmp_path)  # 'payments' is a service of the folder's policy only
    (folder / "_roster.yaml").write_text("people:\n  - handle: alex\n  - handle: blair\n")
    (folder / "2024").mkdir()
    monkeypatch.chdir(tmp_path)
    year = "incident_records/2024"
    code, out, err = run(
        capsys, "new", "Card payments fail", "--severity", "2", "--service", "payments",
        "--lead", "alex", "--recorded-by", "alex", "--now", NOW, "--dir", year,
        "--summary", "Card payments failed for some users.",
    )  # fmt: skip
    assert code == 0, err
    assert f"note: --dir {year} is inside the records folder incident_records" in err
    assert (folder / "2024-06-01-card-payments-fail.yaml").is_file()
    assert not (folder / "2024" / "_schema.json").exists()
    assert run(capsys, "check", "--now", NOW) == (0, "", "")
    code, out, err = run(
        capsys, "new", "Nobody", "--severity", "3", "--service", "payments",
        "--lead", "zed", "--recorded-by", "alex", "--now", NOW, "--dir", year,
    )  # fmt: skip
    assert code != 0 and "zed" in out + err  # the roster is read: an unknown lead is refused


def test_without_a_folder_the_error_says_how_to_name_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for command in (["check"], ["leads"], ["log", "x", "--note", "n"]):
        code, out, err = run(capsys, *command)
        assert code == 2 and out == ""
        assert "no records folder found" in err and "--dir" in err, command
        assert "Traceback" not in err


def test_environment_variable_for_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = payments_repo(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv(ENV_DIR, os.fspath(folder))
    assert run(capsys, "check", "--now", NOW) == (0, "", "")
