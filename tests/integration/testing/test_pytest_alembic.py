"""pytest-alembic's built-in tests on this repository's migrations, on every engine: an
independent check of what ``rowstamp test`` checks (single head, upgrade, model match,
up/down consistency).

pytest-alembic binds its built-in tests to one collected file; on pytest 9 that
collection fails (``TestCollector._nodeid``), so pyproject.toml binds it to no file
and the tests are imported here, with the two fixtures it asks a project for.
"""

from __future__ import annotations

import pytest
from alembic.config import Config
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Engine

from rowstamp.commands import load_config
from tests.project import REPO

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_config() -> Config:
    """This repository's alembic.ini, loaded as the rowstamp command loads it."""
    return load_config(REPO / "alembic.ini")


@pytest.fixture
def alembic_engine(db_engine: Engine) -> Engine:
    """A new, empty database on each engine; pytest-alembic hands env.py this Engine."""
    return db_engine
