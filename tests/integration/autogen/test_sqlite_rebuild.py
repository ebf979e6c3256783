"""SQLite's rebuild in ``op.add_columns``: what the table keeps beyond its SQL (rowids,
the AUTOINCREMENT counter), and the one case it refuses (issue 15 item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.operations import Operations
from sqlalchemy import Boolean, Column, DateTime, create_engine, event, true

from rowstamp.autogen.ops import ADD_COLUMNS_VERSION, AddColumnsOp
from rowstamp.errors import MigrationFailedError
from rowstamp.sql import utc_now
from tests.helpers import run_ops

pytestmark = pytest.mark.sqlite


def _add(operations: Operations) -> None:
    columns = [
        Column("is_active", Boolean(), server_default=true(), nullable=False),
        Column("created_at", DateTime(timezone=True), server_default=utc_now(1), nullable=False),
    ]
    operations.invoke(AddColumnsOp("t", columns, version=ADD_COLUMNS_VERSION))


def test_rowids_and_the_autoincrement_counter_are_kept(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT)")
        conn.exec_driver_sql("CREATE TABLE plain (a TEXT)")
        conn.exec_driver_sql("INSERT INTO t (a) VALUES ('x'), ('y'), ('z')")
        conn.exec_driver_sql("DELETE FROM t WHERE id = 3")  # the counter stays at 3
    run_ops(engine, _add)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t (a) VALUES ('new')")
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM t ORDER BY id")]
        stamps = conn.exec_driver_sql("SELECT count(DISTINCT created_at) FROM t").scalar()
    assert ids == [1, 2, 4]  # 3 is not handed out again
    assert stamps in (1, 2)  # the old rows share one time; the new row has its own
    engine.dispose()


def test_a_table_other_tables_refer_to_is_refused_with_foreign_keys_on(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys = ON"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER"
            " REFERENCES t (id) ON DELETE CASCADE)"
        )
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'x')")
        conn.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
    with pytest.raises(MigrationFailedError, match="cascade into child"):
        run_ops(engine, _add)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM child").scalar() == 1
    engine.dispose()
