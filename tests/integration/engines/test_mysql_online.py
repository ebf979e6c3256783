"""``op.online_alter`` on the real MariaDB server: each operation runs with the
algorithm ``engines/mysql_online.py`` pins it to, a server that cannot make a pinned
change refuses it in one line without copying, and a writer keeps writing while an
index is built on a 200,000-row table."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import MigrateOperation, Operations, ops
from sqlalchemy import Connection, Engine, text

import rowstamp.autogen.impl  # noqa: F401 - registers op.online_alter
from rowstamp.engines.mysql import MariaDBSupport
from rowstamp.engines.mysql_online import INPLACE, INSTANT, OnlineAlterRefused
from tests.integration.engines.test_mysql_copies import COPIES

pytestmark = pytest.mark.mariadb
MARIADB = pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)

_TABLE = (
    "CREATE TABLE t (id INT PRIMARY KEY, n INT, s VARCHAR(50), short VARCHAR(10), "
    "v VARCHAR(50) NOT NULL DEFAULT '', d DATETIME, m INT, "
    "KEY ix_t_s (s), UNIQUE KEY uq_t_short (short), "
    "CONSTRAINT fk_t_m FOREIGN KEY (m) REFERENCES parent (id)) "
    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
)

CASES: dict[str, tuple[MigrateOperation, object]] = {
    "add column": (
        ops.AddColumnOp("t", sa.Column("x", sa.Integer, nullable=False, server_default="0")),
        INSTANT,
    ),
    "add nullable column": (ops.AddColumnOp("t", sa.Column("x", sa.String(20))), INSTANT),
    "add virtual column": (
        ops.AddColumnOp("t", sa.Column("g", sa.Integer, sa.Computed("n + 1"))),
        INSTANT,
    ),
    "add auto-increment column": (
        ops.AddColumnOp("t", sa.Column("a", sa.Integer, autoincrement=True, unique=True)),
        INPLACE,
    ),
    "drop column": (ops.DropColumnOp("t", "d"), INPLACE),
    "drop indexed column": (ops.DropColumnOp("t", "s"), INPLACE),
    "rename column": (
        ops.AlterColumnOp("t", "n", existing_type=sa.Integer(), modify_name="n2"),
        INSTANT,
    ),
    "server default": (
        ops.AlterColumnOp("t", "n", existing_type=sa.Integer(), modify_server_default="5"),
        INSTANT,
    ),
    "comment": (
        ops.AlterColumnOp("t", "n", existing_type=sa.Integer(), modify_comment="count"),
        INSTANT,
    ),
    "set not null": (
        ops.AlterColumnOp("t", "s", existing_type=sa.String(50), modify_nullable=False),
        INPLACE,
    ),
    "drop not null": (
        ops.AlterColumnOp(
            "t", "v", existing_type=sa.String(50), modify_nullable=True, existing_nullable=False
        ),
        INPLACE,
    ),
    "varchar lengthened in place": (
        ops.AlterColumnOp("t", "short", existing_type=sa.String(10), modify_type=sa.String(60)),
        INPLACE,
    ),
    "create index": (ops.CreateIndexOp("ix_t_n", "t", ["n"]), INPLACE),
    "create unique index": (ops.CreateIndexOp("ux_t_n", "t", ["n"], unique=True), INPLACE),
    "drop index": (ops.DropIndexOp("ix_t_s", "t"), INPLACE),
    "drop index if exists": (ops.DropIndexOp("ix_t_s", "t", if_exists=True), INPLACE),
    "unique constraint": (ops.CreateUniqueConstraintOp("uq_t_n", "t", ["n"]), INPLACE),
    "drop unique constraint": (ops.DropConstraintOp("uq_t_short", "t", type_="unique"), INPLACE),
    "drop foreign key": (ops.DropConstraintOp("fk_t_m", "t", type_="foreignkey"), INPLACE),
}


_INSTANT_HERE = {"drop foreign key", "varchar lengthened in place", "drop column"}
"""MariaDB makes these instantly, and does so under ``INPLACE`` too (the least it accepts);
pinned ``INPLACE`` for MySQL, or for the same operation where an index uses the column."""


def _setup(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB"))
        connection.execute(text(_TABLE))
        connection.execute(text("INSERT INTO parent VALUES (1)"))
        connection.execute(text("INSERT INTO t (id, n, s, m) VALUES (1, 1, 'a', 1)"))


@contextmanager
def _operations(connection: Connection) -> Iterator[Operations]:
    yield Operations(MigrationContext.configure(connection))


def _run_pinned(engine: Engine, op: MigrateOperation, algorithm: str, lock: str | None) -> None:
    with (
        engine.connect() as connection,
        _operations(connection) as operations,
        operations.online_alter(algorithm=algorithm, lock=lock),  # type: ignore[attr-defined]
    ):
        operations.invoke(op)


@MARIADB
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_change_runs_with_the_algorithm_it_is_pinned_to(case: str, db_engine: Engine) -> None:
    op, expected = CASES[case]
    form = MariaDBSupport().online_form(op)
    assert form == expected
    assert form is not None
    _setup(db_engine)
    _run_pinned(db_engine, op, form.algorithm, form.lock)


_STRICTER = sorted(case for case, (_, form) in CASES.items() if form == INPLACE)


@MARIADB
@pytest.mark.parametrize("case", [c for c in _STRICTER if c not in _INSTANT_HERE])
def test_what_is_pinned_inplace_is_refused_instant(case: str, db_engine: Engine) -> None:
    """The facts are tight: a change pinned INPLACE really cannot run INSTANT here."""
    _setup(db_engine)
    with pytest.raises(OnlineAlterRefused):
        _run_pinned(db_engine, CASES[case][0], "INSTANT", None)


@pytest.mark.parametrize("case", sorted(COPIES))
def test_a_change_that_copies_the_table_stays_plain(case: str) -> None:
    assert MariaDBSupport().online_form(COPIES[case]) is None


@MARIADB
def test_a_refused_change_fails_at_once_in_one_line_and_copies_nothing(db_engine: Engine) -> None:
    _setup(db_engine)
    with pytest.raises(OnlineAlterRefused) as refused:
        _run_pinned(db_engine, ops.CreateIndexOp("ix_t_n", "t", ["n"]), "INSTANT", None)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(
        "MariaDB refused `CREATE INDEX ix_t_n ON t (n) ALGORITHM=INSTANT` (1846: "
    )
    assert "without copying the table" in message
    assert "move this operation out of its op.online_alter block" in message
    with db_engine.connect() as connection:
        indexes = sa.inspect(connection).get_indexes("t")
    assert "ix_t_n" not in {index["name"] for index in indexes}


@MARIADB
def test_a_block_pins_nothing_after_it_ends(db_engine: Engine) -> None:
    _setup(db_engine)
    with db_engine.connect() as connection, _operations(connection) as operations:
        with operations.online_alter(algorithm="INSTANT"):  # type: ignore[attr-defined]
            operations.add_column("t", sa.Column("x", sa.Integer))
        # an index build is not INSTANT: it runs here only because the block is over
        operations.create_index("ix_t_x", "t", ["x"])


ROWS = 200_000


def _writer(engine: Engine, stop: threading.Event, done: list[float]) -> None:
    with engine.connect() as connection:
        i = 0
        while not stop.is_set():
            i += 1
            connection.execute(text("UPDATE big SET n = n + 1 WHERE id = :id"), {"id": i % ROWS})
            connection.execute(text("INSERT INTO big (n, s) VALUES (0, 'new')"))
            connection.commit()
            done.append(time.monotonic())


@MARIADB
def test_a_writer_is_not_blocked_by_an_online_index_build(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE big (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL, "
                "s VARCHAR(100) NOT NULL) ENGINE=InnoDB"
            )
        )
        connection.execute(
            text(
                f"INSERT INTO big (n, s) SELECT seq % 1000, CONCAT('row ', seq, ' ', MD5(seq)) "
                f"FROM seq_1_to_{ROWS}"
            )
        )
    op = ops.CreateIndexOp("ix_big_s_n", "big", ["s", "n"])
    form = MariaDBSupport().online_form(op)
    assert form == INPLACE
    stop, done = threading.Event(), list[float]()
    writer = threading.Thread(target=_writer, args=(db_engine, stop, done))
    writer.start()
    try:
        time.sleep(0.3)
        started = time.monotonic()
        _run_pinned(db_engine, op, form.algorithm, form.lock)
        ended = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        writer.join()
    during = [t for t in done if started <= t <= ended]
    marks = [started, *during, ended]
    longest = max(b - a for a, b in itertools.pairwise(marks))
    assert during, f"no write finished during the {ended - started:.2f} s index build"
    assert longest < 1.0, f"a write waited {longest:.2f} s during the index build"
