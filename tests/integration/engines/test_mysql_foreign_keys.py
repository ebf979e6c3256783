"""``op.create_foreign_key_online`` on the real MariaDB server: the key is added in place
while a writer keeps writing to a 200,000-row table, ``foreign_key_checks`` is off for
that statement only, rows that break the key stop it in one line with the table as it
was, and the key holds for rows written after it."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

import rowstamp.autogen.impl  # noqa: F401 - registers op.create_foreign_key_online
from rowstamp.engines.mysql_foreign_keys import ForeignKeyOrphans
from rowstamp.engines.mysql_online import OnlineAlterRefused

pytestmark = pytest.mark.mariadb
MARIADB = pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)

ROWS = 200_000


def _tables(engine: Engine, rows: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB"))
        connection.execute(text("INSERT INTO parent SELECT seq FROM seq_1_to_100"))
        connection.execute(
            text(
                "CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, "
                "n INT NOT NULL DEFAULT 0, s VARCHAR(100) NOT NULL DEFAULT '') ENGINE=InnoDB"
            )
        )
        connection.execute(text(rows))


def _add(connection: Connection) -> None:
    operations = Operations(MigrationContext.configure(connection))
    operations.create_foreign_key_online(  # type: ignore[attr-defined]
        "fk_child_parent", "child", "parent", ["parent_id"], ["id"]
    )


def _checks(connection: Connection) -> int:
    return int(connection.execute(text("SELECT @@foreign_key_checks")).scalar_one())


def _keys_and_indexes(connection: Connection) -> tuple[set[str], set[str]]:
    inspector = sa.inspect(connection)
    keys = {str(fk["name"]) for fk in inspector.get_foreign_keys("child")}
    return keys, {str(index["name"]) for index in inspector.get_indexes("child")}


def _writer(engine: Engine, stop: threading.Event, done: list[float]) -> None:
    with engine.connect() as connection:
        for i in itertools.count():
            if stop.is_set():
                return
            connection.execute(text("UPDATE child SET n = n + 1 WHERE id = :id"), {"id": i % ROWS})
            connection.execute(
                text("INSERT INTO child (parent_id, s) VALUES (1 + :i % 100, 'new')"), {"i": i}
            )
            connection.commit()
            done.append(time.monotonic())


@MARIADB
def test_a_writer_is_not_blocked_while_the_foreign_key_is_added(db_engine: Engine) -> None:
    _tables(
        db_engine,
        f"INSERT INTO child (parent_id, s) SELECT 1 + seq % 100, CONCAT('row ', MD5(seq)) "
        f"FROM seq_1_to_{ROWS}",
    )
    stop, done = threading.Event(), list[float]()
    writer = threading.Thread(target=_writer, args=(db_engine, stop, done))
    writer.start()
    try:
        time.sleep(0.3)
        with db_engine.connect() as connection:
            started = time.monotonic()
            _add(connection)
            ended = time.monotonic()
            assert _checks(connection) == 1  # set back after the statement
            assert _keys_and_indexes(connection)[0] == {"fk_child_parent"}
        time.sleep(0.3)
    finally:
        stop.set()
        writer.join()
    during = [t for t in done if started <= t <= ended]
    longest = max(b - a for a, b in itertools.pairwise([started, *during, ended]))
    assert during, f"no write finished during the {ended - started:.2f} s foreign key add"
    assert longest < 1.0, f"a write waited {longest:.2f} s while the foreign key was added"
    with db_engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text("INSERT INTO child (parent_id) VALUES (999)"))


@MARIADB
def test_rows_that_break_the_key_stop_it_in_one_line_and_leave_the_table_as_it_was(
    db_engine: Engine,
) -> None:
    _tables(db_engine, "INSERT INTO child (parent_id) VALUES (1), (NULL), (7), (404), (2)")
    with db_engine.connect() as connection:
        with pytest.raises(ForeignKeyOrphans) as orphans:
            _add(connection)
        assert _checks(connection) == 1
        assert _keys_and_indexes(connection) == (set(), set())
    message = str(orphans.value)
    assert "\n" not in message
    assert message.startswith(
        "foreign key fk_child_parent does not hold for the rows already in child: some have "
        "a parent_id that no parent row has in id (for example parent_id=404); rowstamp "
        "dropped fk_child_parent again and the index the server made for it, so child is "
        "as it was before; fix or delete those rows, then run the upgrade again"
    ), message
    with db_engine.begin() as connection:
        connection.execute(text("DELETE FROM child WHERE parent_id = 404"))
    with db_engine.connect() as connection:
        _add(connection)  # the same operation runs again once the rows are fixed
        assert _keys_and_indexes(connection) == ({"fk_child_parent"}, {"fk_child_parent"})


@MARIADB
def test_an_index_the_table_had_stays_when_the_key_is_dropped_again(db_engine: Engine) -> None:
    _tables(db_engine, "INSERT INTO child (parent_id) VALUES (404)")
    with db_engine.begin() as connection:
        connection.execute(text("CREATE INDEX fk_child_parent ON child (parent_id)"))
    with db_engine.connect() as connection:
        with pytest.raises(ForeignKeyOrphans) as orphans:
            _add(connection)
        assert _keys_and_indexes(connection) == (set(), {"fk_child_parent"})
    assert "rowstamp dropped fk_child_parent again, so child is as it was" in str(orphans.value)


@MARIADB
def test_foreign_key_checks_come_back_when_the_statement_fails(db_engine: Engine) -> None:
    _tables(db_engine, "INSERT INTO child (parent_id) VALUES (1)")
    with db_engine.connect() as connection:
        operations = Operations(MigrationContext.configure(connection))
        with pytest.raises((OperationalError, OnlineAlterRefused)):
            operations.create_foreign_key_online(  # type: ignore[attr-defined]
                "fk_child_n", "child", "parent", ["n"], ["no_such_column"]
            )
        assert _checks(connection) == 1
        connection.execute(text("SET foreign_key_checks = 0"))
        operations.create_foreign_key_online(  # type: ignore[attr-defined]
            "fk_child_parent", "child", "parent", ["parent_id"], ["id"]
        )
        assert _checks(connection) == 0  # the session's own value, not forced on
