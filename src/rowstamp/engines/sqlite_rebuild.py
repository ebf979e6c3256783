"""SQLite: add columns to a table with rows, keeping everything the table has.

SQLite's ``ALTER TABLE ADD COLUMN`` refuses a default that is an expression (such
as ``created_at``'s UTC now) once the table has rows. Alembic's batch mode then
rebuilds the table from reflection, which cannot see unnamed CHECK constraints,
generated columns, expression indexes or the table's other triggers: they are
dropped, or the copy fails. This rebuild follows SQLite's own procedure for
changes ALTER TABLE cannot make (https://sqlite.org/lang_altertable.html), from the
table's own SQL in ``sqlite_master``:

1. move the table aside (``legacy_alter_table``, so views, triggers and other
   tables' foreign keys keep naming the table, not the copy);
2. run the table's own ``CREATE TABLE`` again, and add the columns to it while it
   is empty, which SQLite allows with any default;
3. copy the rows (with their ``rowid``; generated columns compute themselves);
4. drop the old copy, then run the saved ``CREATE INDEX`` and ``CREATE TRIGGER``
   statements, and keep the ``AUTOINCREMENT`` counter.

Measured against ``ADD COLUMN`` with a constant default plus a backfill (docs/migrations.md):
the backfill writes every row too, fires the table's own ``UPDATE`` triggers, and
needs ``writable_schema`` to put the real default in; the rebuild fires nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, inspect
from sqlalchemy.exc import DBAPIError

from rowstamp.errors import MigrationFailedError

if TYPE_CHECKING:
    from alembic.operations import Operations

__all__ = ["add_columns_keeping_table", "batch_losses"]

_OLD_PREFIX = "_rowstamp_old_"
_GENERATED = (2, 3)  # PRAGMA table_xinfo's "hidden": a virtual or stored generated column


def add_columns_keeping_table(
    operations: Operations,
    table_name: str,
    columns: Sequence[Column[Any]],
    schema: str | None,
    *,
    copied_from: Mapping[str, str] | None = None,
) -> None:
    """Add ``columns`` in place where SQLite can, else by the rebuild above.
    ``copied_from`` (new column: existing column) always rebuilds, filling the new
    columns in the copy: a ``NOT NULL`` column without a default can be added so."""
    context = operations.get_context()
    connection = None if context.as_sql else context.connection
    if (
        connection is None
        or schema is not None
        or not (copied_from or _needs_rebuild(connection, table_name))
    ):
        # offline SQL cannot read the table; an attached database's SQL names no schema
        for column in columns:
            operations.add_column(table_name, column, schema=schema)
        return
    _refuse_cascading_drop(connection, table_name)
    quote = connection.dialect.identifier_preparer.quote
    table_sql, dependents = _own_sql(connection, table_name)
    copied = [
        quote(name)
        for name, hidden in connection.exec_driver_sql(
            "SELECT name, hidden FROM pragma_table_xinfo(?)", (table_name,)
        )
        if hidden not in _GENERATED
    ]
    if _has_rowid(connection, table_name):
        copied.insert(0, "rowid")
    sequence = _autoincrement(connection, table_name)
    legacy = connection.exec_driver_sql("PRAGMA legacy_alter_table").scalar()
    table, old = quote(table_name), quote(_OLD_PREFIX + table_name)
    targets = ", ".join([*copied, *(quote(c) for c in copied_from or {})])
    sources = ", ".join([*copied, *(quote(c) for c in (copied_from or {}).values())])
    connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    try:
        connection.exec_driver_sql(f"ALTER TABLE {table} RENAME TO {old}")
        connection.exec_driver_sql(table_sql)
        for column in columns:
            operations.add_column(table_name, column)
        connection.exec_driver_sql(f"INSERT INTO {table} ({targets}) SELECT {sources} FROM {old}")
        connection.exec_driver_sql(f"DROP TABLE {old}")
        for statement in dependents:
            connection.exec_driver_sql(statement)
        if sequence is not None:
            connection.exec_driver_sql(
                "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                (sequence, table_name),
            )
    finally:
        connection.exec_driver_sql(f"PRAGMA legacy_alter_table = {int(bool(legacy))}")


def _needs_rebuild(connection: Connection, table_name: str) -> bool:
    """SQLite adds any column to an empty table in place."""
    table = connection.dialect.identifier_preparer.quote(table_name)
    return connection.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is not None


def _own_sql(connection: Connection, table_name: str) -> tuple[str, list[str]]:
    """The table's ``CREATE TABLE``, and its indexes' and triggers' statements in the
    order they were made (a UNIQUE or PRIMARY KEY index has none: the table makes it)."""
    rows = connection.exec_driver_sql(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
        " AND type IN ('table', 'index', 'trigger') ORDER BY rowid",
        (table_name,),
    ).all()
    [table_sql] = [sql for kind, sql in rows if kind == "table"]
    return table_sql, [sql for kind, sql in rows if kind != "table"]


def _has_rowid(connection: Connection, table_name: str) -> bool:
    """False for a ``WITHOUT ROWID`` table, and where a column itself is named rowid."""
    names = {
        name.lower()
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM pragma_table_xinfo(?)", (table_name,)
        )
    }
    if "rowid" in names:
        return False
    table = connection.dialect.identifier_preparer.quote(table_name)
    try:
        connection.exec_driver_sql(f"SELECT rowid FROM {table} LIMIT 0")
    except DBAPIError:
        return False
    return True


def _autoincrement(connection: Connection, table_name: str) -> int | None:
    """The table's ``AUTOINCREMENT`` counter: ids of deleted rows are never reused."""
    exists = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
    ).first()
    if exists is None:
        return None
    value = connection.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = ?", (table_name,)
    ).scalar()
    return None if value is None else int(value)


def _refuse_cascading_drop(connection: Connection, table_name: str) -> None:
    """With ``PRAGMA foreign_keys`` on, dropping the old copy deletes its rows first and
    runs the ``ON DELETE`` actions of every table that refers to it."""
    if not connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return
    children = sorted(
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT DISTINCT m.name FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f"
            " WHERE m.type = 'table' AND f.\"table\" = ? COLLATE NOCASE",
            (table_name,),
        )
    )
    if children:
        raise MigrationFailedError(
            f"SQLite rebuilds table {table_name} to add its columns, and with PRAGMA "
            f"foreign_keys on that would delete or cascade into {', '.join(children)}",
            "run the migration on a connection with foreign_keys off (rowstamp's own is)",
        )


def batch_losses(connection: Connection, table_name: str, own_trigger: str) -> list[str]:
    """What Alembic's batch rebuild of ``table_name`` would drop or fail on: it rebuilds
    from reflection, which does not see these (``own_trigger`` is put back by rowstamp)."""
    inspector = inspect(connection)
    losses = [
        f"unnamed CHECK ({check['sqltext']})"
        for check in inspector.get_check_constraints(table_name)
        if check.get("name") is None
    ]
    losses += [
        f"generated column {name}"
        for name, hidden in connection.exec_driver_sql(
            "SELECT name, hidden FROM pragma_table_xinfo(?)", (table_name,)
        )
        if hidden in _GENERATED
    ]
    losses += [
        f"expression index {name}"
        for (name,) in connection.exec_driver_sql(
            "SELECT DISTINCT l.name FROM pragma_index_list(?) AS l, pragma_index_xinfo(l.name) AS x"
            " WHERE x.cid = -2 ORDER BY l.name",
            (table_name,),
        )
    ]
    others = connection.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " WHERE type IN ('trigger', 'view') AND name != ? ORDER BY name",
        (own_trigger,),
    ).all()
    word = re.compile(rf"(?<![\w$]){re.escape(table_name)}(?![\w$])", re.IGNORECASE)
    for kind, name, table, sql in others:
        if (kind == "trigger" and table == table_name) or (kind == "view" and word.search(sql)):
            losses.append(f"{kind} {name}")
    return losses
