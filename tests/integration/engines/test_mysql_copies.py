"""Each copy fact of ``engines/mysql_copies.py``, checked on the real MariaDB server.

The operation's SQL is what Alembic writes for it on MariaDB, run with
``ALGORITHM=INPLACE, LOCK=NONE`` appended: the server refuses exactly the
operations the rule says copy the table, and runs the others in place.
"""

from __future__ import annotations

from io import StringIO

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import MigrateOperation, Operations, ops
from sqlalchemy import Engine, text
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import DBAPIError

from rowstamp.engines.mysql import MariaDBSupport, MySQLSupport
from rowstamp.engines.mysql_copies import table_sizes

pytestmark = pytest.mark.mariadb
MARIADB = pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)

_TABLE = (
    "CREATE TABLE t (id INT PRIMARY KEY, n INT, s VARCHAR(50), short VARCHAR(10), mid VARCHAR(32), "
    "wide VARCHAR(100), v VARCHAR(50) NOT NULL DEFAULT '', d DATETIME, m NUMERIC(10, 2), "
    "is_active BOOL NOT NULL DEFAULT 1) "
    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
)


def _alter(column: str, old: object, new: object) -> MigrateOperation:
    return ops.AlterColumnOp("t", column, existing_type=old, modify_type=new)


COPIES: dict[str, MigrateOperation] = {
    "int to bigint": _alter("n", sa.Integer(), sa.BigInteger()),
    "int to unsigned": _alter("n", sa.Integer(), mysql.INTEGER(unsigned=True)),
    "varchar 50 to 100 crosses 255 bytes": _alter("s", sa.String(50), sa.String(100)),
    "varchar 32 to 64 crosses 255 bytes": _alter("mid", sa.String(32), sa.String(64)),
    "varchar shortened": _alter("wide", sa.String(100), sa.String(50)),
    "varchar to text": _alter("s", sa.String(50), sa.Text()),
    "varchar charset": _alter("s", sa.String(50), mysql.VARCHAR(50, charset="latin1")),
    "numeric precision": _alter("m", sa.Numeric(10, 2), sa.Numeric(12, 2)),
    "datetime precision": _alter("d", sa.DateTime(), mysql.DATETIME(fsp=6)),
    "type without existing_type": _alter("n", None, sa.BigInteger()),
    "foreign key": ops.CreateForeignKeyOp("fk_t_parent", "t", "parent", ["n"], ["id"]),
    "check constraint": ops.CreateCheckConstraintOp("ck_t_n", "t", sa.text("n > 0")),
    "drop primary key": ops.DropConstraintOp("pk_t", "t", type_="primary"),
    "stored generated column": ops.AddColumnOp(
        "t", sa.Column("g", sa.Integer, sa.Computed("n + 1", persisted=True))
    ),
    "convert charset": ops.ExecuteSQLOp("ALTER TABLE t CONVERT TO CHARACTER SET latin1"),
    "unique among active index": ops.CreateIndexOp(
        "uq_t_s_active", "t", ["s"], unique=True, postgresql_where=sa.text("is_active")
    ),
}

IN_PLACE: dict[str, MigrateOperation] = {
    "varchar 10 to 63 stays under 255 bytes": _alter("short", sa.String(10), sa.String(63)),
    "varchar 10 to 300 from under 128 bytes": _alter("short", sa.String(10), sa.String(300)),
    "varchar 100 to 200 stays over 255 bytes": _alter("wide", sa.String(100), sa.String(200)),
    "varchar collation": _alter("s", sa.String(50), mysql.VARCHAR(50, collation="utf8mb4_bin")),
    "set not null": ops.AlterColumnOp("t", "s", existing_type=sa.String(50), modify_nullable=False),
    "drop not null": ops.AlterColumnOp(
        "t", "v", existing_type=sa.String(50), modify_nullable=True, existing_nullable=False
    ),
    "rename column": ops.AlterColumnOp("t", "n", existing_type=sa.Integer(), modify_name="n2"),
    "server default": ops.AlterColumnOp(
        "t", "n", existing_type=sa.Integer(), modify_server_default="5"
    ),
    "add column": ops.AddColumnOp(
        "t", sa.Column("x", sa.Integer, nullable=False, server_default="0")
    ),
    "virtual generated column": ops.AddColumnOp(
        "t", sa.Column("g", sa.Integer, sa.Computed("n + 1"))
    ),
    "drop column": ops.DropColumnOp("t", "n"),
    "index": ops.CreateIndexOp("ix_t_n", "t", ["n"]),
    "unique index": ops.CreateIndexOp("ux_t_n", "t", ["n"], unique=True),
}


def _sql(op: MigrateOperation) -> str:
    """The statement Alembic writes for ``op`` on MariaDB, without its semicolon."""
    buffer = StringIO()
    context = MigrationContext.configure(
        dialect_name="mariadb", opts={"as_sql": True, "output_buffer": buffer}
    )
    Operations(context).invoke(op)
    [statement] = [s.strip() for s in buffer.getvalue().split(";") if s.strip()]
    return statement


def _in_place(engine: Engine, op: MigrateOperation, algorithm: str = "INPLACE") -> str | None:
    """None when MariaDB runs ``op`` with ALGORITHM=INPLACE, LOCK=NONE; else its error."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB"))
        connection.execute(text(_TABLE))
        connection.execute(text("INSERT INTO parent VALUES (1)"))
        connection.execute(text("INSERT INTO t (id, n, s) VALUES (1, 1, 'a')"))
    try:
        with engine.begin() as connection:
            statement = _sql(op)
            options = f", ALGORITHM={algorithm}, LOCK=NONE"
            if statement.startswith("CREATE"):  # CREATE INDEX takes them without commas
                options = f" ALGORITHM={algorithm} LOCK=NONE"
            connection.execute(text(f"{statement}{options}"))
    except DBAPIError as exc:
        return str(exc.orig)
    return None


@MARIADB
@pytest.mark.parametrize("case", sorted(COPIES))
def test_the_server_refuses_in_place_what_the_rule_calls_a_copy(
    case: str, db_engine: Engine
) -> None:
    op = COPIES[case]
    assert MariaDBSupport().table_copy(op) is not None
    error = _in_place(db_engine, op)
    assert error is not None and "ALGORITHM=INPLACE is not supported" in error, error


@MARIADB
@pytest.mark.parametrize("case", sorted(IN_PLACE))
def test_the_server_runs_in_place_what_the_rule_leaves_alone(case: str, db_engine: Engine) -> None:
    op = IN_PLACE[case]
    assert MariaDBSupport().table_copy(op) is None
    assert _in_place(db_engine, op) is None


def test_mysql_copies_a_short_varchar_grown_past_255_bytes() -> None:
    """MySQL's manual: growing a VARCHAR from under 256 bytes to 256 or more copies the
    table (not tested: no MySQL server here); MariaDB does it in place (tested above)."""
    op = IN_PLACE["varchar 10 to 300 from under 128 bytes"]
    assert MySQLSupport().table_copy(op) is not None
    assert MySQLSupport().table_copy(IN_PLACE["varchar 10 to 63 stays under 255 bytes"]) is None


@MARIADB
def test_a_copy_blocks_writes(db_engine: Engine) -> None:
    """Why the rule matters: a copy cannot let writers in (LOCK=NONE is refused)."""
    error = _in_place(db_engine, COPIES["int to bigint"], algorithm="COPY")
    assert error is not None and "COPY algorithm requires a lock" in error, error


@MARIADB
def test_sizes_of_every_table_in_one_query(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        connection.execute(text(_TABLE))
        connection.execute(text("INSERT INTO t (id, n) VALUES (1, 1), (2, 2), (3, 3)"))
        connection.execute(text("ANALYZE TABLE t"))
        schema = connection.execute(text("SELECT DATABASE()")).scalar_one()
    statements: list[str] = []
    sa.event.listen(db_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db_engine.connect() as connection:
        sizes = table_sizes(connection, {"t", f"{schema}.t", "missing"})
    assert len(statements) == 1
    assert set(sizes) == {"t", f"{schema}.t"}
    assert sizes["t"].rows == 3 and sizes["t"].data_bytes > 0
    assert str(sizes["t"]).startswith("~3 rows, ")


def test_sql_built_with_sqlalchemy_is_read_without_compiling_it() -> None:
    """The retrofit fills NULLs with an UPDATE built from ``utc_now()``: a construct
    is no CONVERT TO, and ``str()`` of it has no engine to compile rowstamp's SQL for
    (lint failed on every MariaDB retrofit)."""
    from rowstamp.sql import utc_now

    items = sa.table("items", sa.column("created_at"))
    fill = items.update().where(items.c.created_at.is_(None)).values(created_at=utc_now())
    assert MariaDBSupport().table_copy(ops.ExecuteSQLOp(fill)) is None
    convert = ops.ExecuteSQLOp(sa.text("ALTER TABLE t CONVERT TO CHARACTER SET latin1"))
    assert MariaDBSupport().table_copy(convert) == "converts table t to another character set"
