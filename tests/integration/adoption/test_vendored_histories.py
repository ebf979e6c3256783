"""The vendored real projects' own Alembic histories run under their own settings on
every engine, before rowstamp is involved: what adopting rowstamp must keep working."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from tests.integration.adoption.vendored import (
    PROJECTS_VENDORED,
    Vendored,
    own_downgrade,
    own_drift,
    own_upgrade,
    with_engine,
)


def _versions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


@pytest.mark.parametrize("project", PROJECTS_VENDORED, ids=lambda p: p.name)
def test_own_history_upgrades_downgrades_and_upgrades_again(
    project: Vendored, engine_name: str, db_url: URL
) -> None:
    own_upgrade(project, db_url, "head")
    assert with_engine(db_url, _versions) == [project.head]
    assert own_drift(project, db_url) == project.expected_drift.get(engine_name, [])

    target = project.downgrade_floors[engine_name]
    own_downgrade(project, db_url, target)
    floor = [] if target == "base" else [target]
    assert with_engine(db_url, _versions) == floor

    own_upgrade(project, db_url, "head")
    assert with_engine(db_url, _versions) == [project.head]
