"""Shared pytest fixtures: Sphinx test roots live in tests/roots/test-<name>/."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOTS = Path(__file__).parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS
