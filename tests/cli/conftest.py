"""Project copies with the committed first migration, for driving ``rowstamp`` like a user."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.project import Project


@pytest.fixture
def offline_project(tmp_path: Path) -> Project:
    """The project with its first migration and no database (lint, review, heads)."""
    return Project.copy(tmp_path / "project", None, history=True)


@pytest.fixture
def db_project(tmp_path: Path, db_url: URL) -> Project:
    """The project with its first migration, on every engine's scratch database."""
    return Project.copy(tmp_path / "project", db_url, history=True)
