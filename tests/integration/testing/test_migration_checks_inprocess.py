"""The checks in-process on this repository's migrations, through ``MigrationRun``:
clean downgrade and round trip catch what only they can see, on every engine."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from rowstamp.commands import load_config
from rowstamp.testing.base import CheckFailed, MigrationRun
from rowstamp.testing.clean_downgrade import check_clean_downgrade
from rowstamp.testing.round_trip import check_round_trip
from tests.project import REPO


@pytest.fixture
def run(db_engine: Engine) -> MigrationRun:
    return MigrationRun(load_config(REPO / "alembic.ini"), db_engine)


def test_clean_downgrade_names_what_is_left_at_base(run: MigrationRun, db_engine: Engine) -> None:
    empty = run.catalog()
    run.upgrade("head")
    assert check_clean_downgrade(run, empty) == 1  # this repository's history is clean
    run.upgrade("head")
    with db_engine.begin() as connection:
        connection.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    with pytest.raises(
        CheckFailed,
        match=r"base: the database is not empty after downgrade: "
        r".*left behind table (public\.)?stray",
    ):
        check_clean_downgrade(run, empty)


def test_round_trip_passes_and_ends_at_base(run: MigrationRun) -> None:
    empty = run.catalog()
    assert check_round_trip(run) == 1
    assert run.catalog() == empty
