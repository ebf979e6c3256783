"""Trigger versions 2 to 4 and ``rowstamp.untouched``: marked writes leave
``updated_at`` alone, every other write (another connection's, or this one's after the
block) bumps it, and the mark is visible to no other connection, on every engine."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from rowstamp import RowstampError, untouched
from rowstamp.engines import for_dialect
from rowstamp.engines.untouched import TriggerState
from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from tests.helpers import catalog, run_ops, timestamps


class Base(MetadataColumns, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(50))


FIRED = [c.name for c in Thing.__table__.columns if c.name != "updated_at"]
"""What version 4 names: every column but updated_at."""


def _setup(engine: Engine, version: int = 2) -> None:
    Base.metadata.create_all(engine)
    columns = FIRED if version == 4 else None
    run_ops(
        engine,
        lambda op: op.create_updated_at_trigger("things", version=version, columns=columns),  # type: ignore[attr-defined]
    )
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO things (id, name) VALUES (1, 'a'), (2, 'a')"))
    time.sleep(0.01)


def _updated(engine: Engine, row: int) -> datetime:
    return timestamps(engine, "things", f"id = {row}")[1]


def _mark_seen(engine: Engine) -> object:
    """What another connection reads of the mark: it must not see one."""
    sql = {
        "postgresql": "SELECT current_setting('rowstamp.untouched', true)",
        "sqlite": "SELECT count(*) FROM rowstamp_untouched",
    }.get(engine.dialect.name, "SELECT @rowstamp_untouched")
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


@pytest.mark.parametrize("version", [2, 3, 4])
def test_marked_writes_keep_updated_at_and_other_writes_bump_it(
    db_engine: Engine, version: int
) -> None:
    _setup(db_engine, version)
    before = _updated(db_engine, 1), _updated(db_engine, 2)
    with db_engine.connect() as conn:
        with untouched(conn):
            conn.execute(text("UPDATE things SET name = 'b' WHERE id = 1"))
            assert _mark_seen(db_engine) in (None, "", 0)  # another connection sees nothing
            if db_engine.dialect.name != "sqlite":  # SQLite serializes writers
                with db_engine.begin() as other:
                    other.execute(text("UPDATE things SET name = 'b' WHERE id = 2"))
            conn.commit()
            conn.execute(text("UPDATE things SET name = 'c' WHERE id = 1"))  # a new transaction
            conn.commit()
        assert _updated(db_engine, 1) == before[0]
        if db_engine.dialect.name == "sqlite":
            with db_engine.begin() as other:
                other.execute(text("UPDATE things SET name = 'b' WHERE id = 2"))
        assert _updated(db_engine, 2) > before[1]
        conn.execute(text("UPDATE things SET name = 'd' WHERE id = 1"))  # after the block
        conn.commit()
    assert _updated(db_engine, 1) > before[0]
    assert _mark_seen(db_engine) in (None, "", 0)


@pytest.mark.parametrize("version", [2, 3, 4])
def test_an_explicit_updated_at_is_kept_when_marked(db_engine: Engine, version: int) -> None:
    _setup(db_engine, version)
    with db_engine.connect() as conn, untouched(conn):
        conn.execute(text("UPDATE things SET updated_at = '2001-02-03 04:05:06' WHERE id = 1"))
        conn.commit()
    assert _updated(db_engine, 1).replace(tzinfo=None) == datetime(2001, 2, 3, 4, 5, 6)


@pytest.mark.parametrize("version", [2, 3, 4])
def test_untouched_in_a_session_spans_its_commits(db_engine: Engine, version: int) -> None:
    _setup(db_engine, version)
    before = _updated(db_engine, 1)
    with Session(db_engine) as session:
        with untouched(session):
            session.get_one(Thing, 1).name = "orm"
            session.commit()  # the next transaction is marked too
            session.execute(update(Thing).where(Thing.id == 1).values(name="orm2"))
            session.commit()
        assert _updated(db_engine, 1) == before
        assert _mark_seen(db_engine) in (None, "", 0)
        session.get_one(Thing, 1).name = "after"
        session.commit()
        assert session.scalar(select(Thing.name).where(Thing.id == 1)) == "after"
    assert _updated(db_engine, 1) > before


@pytest.mark.parametrize("version", [2, 3, 4])
def test_a_rolled_back_block_leaves_no_mark(db_engine: Engine, version: int) -> None:
    _setup(db_engine, version)
    before = _updated(db_engine, 1)
    with db_engine.connect() as conn:
        with pytest.raises(ZeroDivisionError), untouched(conn):
            conn.execute(text("UPDATE things SET name = 'x' WHERE id = 1"))
            raise ZeroDivisionError
        conn.rollback()
        conn.execute(text("UPDATE things SET name = 'y' WHERE id = 1"))
        conn.commit()
    assert _updated(db_engine, 1) > before


def test_version_1_ignores_the_mark_and_keeps_its_sql(db_engine: Engine) -> None:
    _setup(db_engine, version=1)
    before = _updated(db_engine, 1)
    if db_engine.dialect.name == "sqlite":  # no marker table: said in one line
        with (
            db_engine.connect() as conn,
            pytest.raises(RowstampError, match="version 2"),
            untouched(conn),
        ):
            conn.execute(text("UPDATE things SET name = 'b' WHERE id = 1"))
        return
    with db_engine.connect() as conn, untouched(conn):
        conn.execute(text("UPDATE things SET name = 'b' WHERE id = 1"))
        conn.commit()
    assert _updated(db_engine, 1) > before


def test_versions_are_read_in_one_query_and_drops_leave_nothing(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine)
    empty = catalog(db_engine)
    run_ops(db_engine, lambda op: op.create_updated_at_trigger("things", version=2))  # type: ignore[attr-defined]
    support = for_dialect(db_engine.dialect)
    with db_engine.connect() as conn:
        assert support.trigger_versions(conn, None) == {"things": 2}
    run_ops(
        db_engine,
        lambda op: op.replace_updated_at_trigger("things", from_version=2, version=1),  # type: ignore[attr-defined]
    )
    with db_engine.connect() as conn:
        assert support.trigger_versions(conn, None) == {"things": 1}
    run_ops(db_engine, lambda op: op.drop_updated_at_trigger("things", version=1))  # type: ignore[attr-defined]
    assert catalog(db_engine) == empty


def test_the_three_versions_are_read_in_one_query(db_engine: Engine) -> None:
    """Version 3 reads as itself where it has a form of its own (PostgreSQL), else as
    version 2, whose trigger it then is; replaced by version 1 and dropped, it leaves
    nothing behind."""
    Base.metadata.create_all(db_engine)
    empty = catalog(db_engine)
    support = for_dialect(db_engine.dialect)
    for version, table in ((1, "one"), (2, "two"), (3, "three")):
        with db_engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, updated_at INTEGER)"))
        run_ops(db_engine, lambda op: op.create_updated_at_trigger(table, version=version))  # type: ignore[attr-defined]  # noqa: B023
    with db_engine.connect() as conn:
        found = support.trigger_versions(conn, None)
    assert found == {"one": 1, "two": 2, "three": support.trigger_form(3)}
    assert (support.trigger_form(3) == 3) is (db_engine.dialect.name == "postgresql")
    run_ops(
        db_engine,
        lambda op: op.replace_updated_at_trigger("three", from_version=3, version=1),  # type: ignore[attr-defined]
    )
    for version, table in ((1, "one"), (2, "two"), (1, "three")):
        run_ops(db_engine, lambda op: op.drop_updated_at_trigger(table, version=version))  # type: ignore[attr-defined]  # noqa: B023
        with db_engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
    assert catalog(db_engine) == empty


def _untouched_with_recursive_triggers(engine: Engine, conn: Connection) -> datetime:
    """Turn SQLite's recursive triggers on for ``conn``, check that an untouched update of
    row 1 still leaves its updated_at alone, and return that value."""
    before = _updated(engine, 1)
    conn.exec_driver_sql("PRAGMA recursive_triggers = ON")
    conn.commit()
    with untouched(conn), conn.begin():
        conn.execute(text("UPDATE things SET name = 'b' WHERE id = 1"))
    assert _updated(engine, 1) == before
    return before


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_sqlite_version_2_stays_correct_with_recursive_triggers(db_engine: Engine) -> None:
    """With ``PRAGMA recursive_triggers = ON`` the trigger's own UPDATE fires it again;
    its guard (``NEW.updated_at IS NOT <now>``) is false for that second call, so the
    recursion stops after one level, and the mark still leaves updated_at alone."""
    _setup(db_engine)
    with db_engine.connect() as conn:
        before = _untouched_with_recursive_triggers(db_engine, conn)
        with conn.begin():
            conn.execute(text("UPDATE things SET name = 'c'"))
            conn.execute(text("UPDATE things SET updated_at = '2000-01-01 00:00:00.000000'"))
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1
        conn.commit()
    assert _updated(db_engine, 1) > before
    assert _updated(db_engine, 2).year > 2000


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_sqlite_version_4_never_fires_itself(db_engine: Engine) -> None:
    """Version 4 fires only on an update of a column it names, and its own UPDATE sets
    updated_at alone: with ``PRAGMA recursive_triggers = ON`` it still runs once (no
    recursion, no guard needed), the mark leaves updated_at alone, and an UPDATE that
    sets only updated_at keeps that value (version 1 overwrote it)."""
    _setup(db_engine, 4)
    with db_engine.connect() as conn:
        before = _untouched_with_recursive_triggers(db_engine, conn)
        with conn.begin():
            conn.execute(text("UPDATE things SET name = 'c' WHERE id = 1"))
            conn.execute(text("UPDATE things SET updated_at = '2000-01-01 00:00:00' WHERE id = 2"))
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1
        conn.commit()
    assert _updated(db_engine, 1) > before
    assert _updated(db_engine, 2).year == 2000


def test_version_4_reads_back_in_one_query_with_its_columns(db_engine: Engine) -> None:
    """SQLite: version 4 and the columns that fire it, read back from the trigger's SQL
    (quoted and reserved names too); PostgreSQL and MariaDB: version 4 is version 3's
    trigger there and reads as it. Dropped, it leaves nothing behind."""
    empty = catalog(db_engine)
    support = for_dialect(db_engine.dialect)
    four = Table(
        "four",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column('Odd "Name"', Integer),
        Column("user", Integer),
        Column("updated_at", Integer),
    )
    four.create(db_engine)
    fired = ["id", 'Odd "Name"', "user"]
    run_ops(db_engine, lambda op: op.create_updated_at_trigger("four", version=4, columns=fired))  # type: ignore[attr-defined]
    with db_engine.connect() as conn:
        found = support.trigger_states(conn, None)
        assert support.trigger_versions(conn, None) == {"four": support.trigger_form(4)}
    if db_engine.dialect.name == "sqlite":
        assert found == {"four": TriggerState(4, tuple(fired))}
    else:
        assert found == {"four": TriggerState(support.trigger_form(4))}
    run_ops(db_engine, lambda op: op.drop_updated_at_trigger("four", version=4, columns=fired))  # type: ignore[attr-defined]
    four.drop(db_engine)
    assert catalog(db_engine) == empty
