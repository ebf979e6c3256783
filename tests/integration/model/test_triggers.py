"""The updated_at trigger on real engines: raw-SQL updates bump it, drops leave nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, Integer, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from tests.helpers import catalog, run_ops, timestamps


class Base(MetadataColumns, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(50))


class Other(Base):
    __tablename__ = "others"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


def _setup(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    run_ops(engine, lambda op: op.create_updated_at_trigger("things", version=1))  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO things (name) VALUES ('a')"))


def test_raw_update_bumps_updated_at_and_keeps_created_at(db_engine: Engine) -> None:
    _setup(db_engine)
    created, updated = timestamps(db_engine, "things")
    assert created == updated
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)
    time.sleep(0.01)
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE things SET name = 'b'"))
    created2, updated2 = timestamps(db_engine, "things")
    assert created2 == created
    assert updated2 > updated


def test_explicit_updated_at_is_overwritten_by_the_database(db_engine: Engine) -> None:
    _setup(db_engine)
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE things SET updated_at = '2000-01-01 00:00:00'"))
    _, updated = timestamps(db_engine, "things")
    assert abs(datetime.now(UTC) - updated) < timedelta(minutes=1)


def test_drop_removes_everything_the_create_added(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine)
    before = catalog(db_engine)
    for table in ("things", "others"):
        run_ops(db_engine, lambda op, t=table: op.create_updated_at_trigger(t, version=1))  # type: ignore[attr-defined,misc]
    with_triggers = catalog(db_engine)
    assert len(with_triggers - before) >= 2
    run_ops(db_engine, lambda op: op.drop_updated_at_trigger("things", version=1))  # type: ignore[attr-defined]
    # the other table's trigger (and, on PostgreSQL, the shared function) is still there
    with db_engine.begin() as conn:
        conn.execute(Other.__table__.insert())  # each dialect's form of "all defaults"
        conn.execute(text("UPDATE others SET updated_at = '2000-01-01 00:00:00'"))
    _, updated = timestamps(db_engine, "others")
    assert updated.year > 2000
    run_ops(db_engine, lambda op: op.drop_updated_at_trigger("others", version=1))  # type: ignore[attr-defined]
    assert catalog(db_engine) == before
    # dropping again is harmless (safe to re-run after a half-applied migration)
    run_ops(db_engine, lambda op: op.drop_updated_at_trigger("others", version=1))  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_sqlite_recursive_triggers_do_not_loop(db_engine: Engine) -> None:
    _setup(db_engine)
    with db_engine.begin() as conn:
        conn.execute(text("PRAGMA recursive_triggers = ON"))
        conn.execute(text("UPDATE things SET name = 'c'"))
        conn.execute(text("UPDATE things SET updated_at = '2000-01-01 00:00:00.000000'"))
    _, updated = timestamps(db_engine, "things")
    assert updated.year > 2000


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_postgresql_timestamps_are_utc_whatever_the_session_time_zone(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine)
    run_ops(db_engine, lambda op: op.create_updated_at_trigger("things", version=1))  # type: ignore[attr-defined]
    with db_engine.begin() as conn:
        conn.execute(text("SET TIME ZONE 'Asia/Tokyo'"))
        conn.execute(text("INSERT INTO things (name) VALUES ('a')"))
        conn.execute(text("UPDATE things SET name = 'b'"))
        offset = conn.execute(text("SELECT extract(timezone FROM updated_at) FROM things")).scalar()
    assert offset == 9 * 3600  # the session really was in Tokyo
    created, updated = timestamps(db_engine, "things")
    assert created.tzinfo is UTC and updated.tzinfo is UTC
    assert abs(datetime.now(UTC) - updated) < timedelta(minutes=1)
