"""Shared pytest fixtures: Sphinx test roots live in tests/roots/test-<name>/."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOTS = Path(__file__).parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz",
        action="store_true",
        help="run the fuzz tests (tests/fuzz/, marker 'fuzz'): nox -s fuzz",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz tests take minutes to hours: they run only when asked for (``--fuzz``)."""
    if config.getoption("--fuzz"):
        return
    skip = pytest.mark.skip(reason="a fuzz test: run with --fuzz (nox -s fuzz)")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)
