"""A project copy with the committed first migration, for driving ``rowstamp`` like a user."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.project import REPO, Project

FIRST = next((REPO / "alembic" / "versions").glob("*_create_users_table.py"))


def project_with_history(root: Path, url: URL | None) -> Project:
    project = Project.copy(root, url)
    shutil.copy2(FIRST, root / "alembic" / "versions" / FIRST.name)
    return project


@pytest.fixture
def offline_project(tmp_path: Path) -> Project:
    """The project with its first migration and no database (lint, review, heads)."""
    return project_with_history(tmp_path / "project", None)


@pytest.fixture
def db_project(tmp_path: Path, db_url: URL) -> Project:
    """The project with its first migration, on every engine's scratch database."""
    return project_with_history(tmp_path / "project", db_url)
