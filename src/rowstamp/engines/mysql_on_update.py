"""``updated_at`` without a trigger on the MySQL family: ``ON UPDATE CURRENT_TIMESTAMP(6)``.

TiDB, Vitess and a MariaDB/MySQL user without the TRIGGER privilege have no row
triggers; the column itself can keep current instead. The column is redefined from
``SHOW CREATE TABLE`` (one catalog query), so its type, nullability, default and
comment stay as they were, and only the clause is added (MariaDB 10.11 does this in
place, without a table copy). A row in ``rowstamp_on_update`` remembers that rowstamp
added it, so the reverse removes the clause only then: a column that had its own
``ON UPDATE`` before keeps it. The marker row is written before the clause and
removed after it, so a run stopped half-way (MySQL DDL commits at once) is finished by
running it again; the marker table is dropped with its last row.

Limits, said when the fallback is used: ``CURRENT_TIMESTAMP`` is in the session's
time zone (rowstamp pins ``+00:00`` on its own connections; applications must too),
and ``ON UPDATE`` fires only when another column's value changes.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Connection, String, column, func, literal, select, table, text

from rowstamp.errors import RowstampError

__all__ = [
    "MARKER_TABLE",
    "PIN_UTC",
    "add_on_update",
    "fallback_line",
    "on_update_columns",
    "remove_on_update",
]

log = logging.getLogger("rowstamp")

MARKER_TABLE = "rowstamp_on_update"
"""Which ``ON UPDATE`` clauses rowstamp added (table, column), so only those are removed."""

PIN_UTC = "SET SESSION time_zone = '+00:00'"
"""What every connection writing such a table must run once (rowstamp's do)."""

_CLAUSE = "ON UPDATE CURRENT_TIMESTAMP(6)"
_HAS_CLAUSE = re.compile(r" ON UPDATE (?:current_timestamp|now)(?:\(\d*\))?", re.IGNORECASE)


def fallback_line(table_name: str, column_name: str, product: str) -> str:
    """The one line a run prints when the fallback is used: what, and its limit."""
    return (
        f"{table_name}.{column_name} is kept by {_CLAUSE}, not a trigger ({product} gives "
        "rowstamp no row triggers): CURRENT_TIMESTAMP is in the session time zone, so "
        "rowstamp sets time_zone = '+00:00' on its connections and application "
        "connections must too (connect_args={'init_command': \"SET time_zone = "
        "'+00:00'\"}); an UPDATE that changes no other column leaves it (docs/engines.md)"
    )


def on_update_columns(connection: Connection, schema: str | None) -> dict[str, set[str]]:
    """The columns of each table in ``schema`` that keep themselves current with an
    ``ON UPDATE`` clause, whoever wrote it: one catalog query."""
    columns = table(
        "COLUMNS",
        column("table_schema"),
        column("table_name"),
        column("column_name"),
        column("extra"),
        schema="information_schema",
    )
    where = columns.c.table_schema == (
        literal(schema, String) if schema is not None else func.database()
    )
    rows = connection.execute(
        select(columns.c.table_name, columns.c.column_name).where(
            where, columns.c.extra.like("%on update%")
        )
    )
    found: dict[str, set[str]] = {}
    for table_name, column_name in rows:
        found.setdefault(str(table_name), set()).add(str(column_name))
    return found


def add_on_update(
    connection: Connection, table_name: str, column_name: str, schema: str | None
) -> bool:
    """Give the column ``ON UPDATE CURRENT_TIMESTAMP(6)`` unless it has one; True when
    rowstamp's clause is (now) there, False when the column had its own."""
    definition = _definition(connection, table_name, column_name, schema)
    if _HAS_CLAUSE.search(definition):
        return _ours(connection, table_name, column_name, schema)
    marker = _qualified(MARKER_TABLE, schema)
    connection.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {marker} (table_name VARCHAR(64) NOT NULL, "
            "column_name VARCHAR(64) NOT NULL, PRIMARY KEY (table_name, column_name))"
        )
    )
    connection.execute(
        text(f"INSERT IGNORE INTO {marker} VALUES (:t, :c)"), {"t": table_name, "c": column_name}
    )
    _modify(connection, table_name, column_name, schema, f"{definition} {_CLAUSE}")
    return True


def remove_on_update(
    connection: Connection, table_name: str, column_name: str, schema: str | None
) -> bool:
    """Take away the clause ``add_on_update`` added; nothing when it was the column's
    own (or is gone). True when one was removed."""
    if not _ours(connection, table_name, column_name, schema):
        return False
    definition = _definition(connection, table_name, column_name, schema)
    if _HAS_CLAUSE.search(definition):
        plain = _HAS_CLAUSE.sub("", definition, count=1)
        _modify(connection, table_name, column_name, schema, plain)
    marker = _qualified(MARKER_TABLE, schema)
    connection.execute(
        text(f"DELETE FROM {marker} WHERE table_name = :t AND column_name = :c"),
        {"t": table_name, "c": column_name},
    )
    _drop_marker_table_if_empty(connection, marker)
    return True


def _ours(connection: Connection, table_name: str, column_name: str, schema: str | None) -> bool:
    """Whether the marker table says rowstamp added the column's clause."""
    exists = connection.execute(
        text(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE table_name = :m "
            "AND table_schema = COALESCE(:s, DATABASE())"
        ),
        {"m": MARKER_TABLE, "s": schema},
    ).scalar()
    return bool(exists) and _marked(
        connection, _qualified(MARKER_TABLE, schema), table_name, column_name
    )


def _definition(
    connection: Connection, table_name: str, column_name: str, schema: str | None
) -> str:
    """The column's definition as the server prints it, without its name."""
    create = str(
        connection.execute(text(f"SHOW CREATE TABLE {_qualified(table_name, schema)}")).one()[1]
    )
    name = _quote(column_name)
    for line in create.splitlines():
        line = line.strip()
        if line.startswith(f"{name} "):
            return line[len(name) + 1 :].rstrip(",")
    raise RowstampError(
        f"{table_name} has no column {column_name} to keep current",
        "add the column before its updated_at operation",
    )


def _modify(
    connection: Connection, table_name: str, column_name: str, schema: str | None, definition: str
) -> None:
    # on the driver's cursor without parameters: the definition holds literals (a
    # comment, a default) as the server printed them, which may contain ':' or '%'
    statement = f"ALTER TABLE {_qualified(table_name, schema)} MODIFY COLUMN "
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"{statement}{_quote(column_name)} {definition}")
    finally:
        cursor.close()


def _marked(connection: Connection, marker: str, table_name: str, column_name: str) -> bool:
    query = text(f"SELECT COUNT(*) FROM {marker} WHERE table_name = :t AND column_name = :c")
    return bool(connection.execute(query, {"t": table_name, "c": column_name}).scalar())


def _drop_marker_table_if_empty(connection: Connection, marker: str) -> None:
    if not connection.execute(text(f"SELECT COUNT(*) FROM {marker}")).scalar():
        connection.execute(text(f"DROP TABLE IF EXISTS {marker}"))


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _qualified(name: str, schema: str | None) -> str:
    return f"{_quote(schema)}.{_quote(name)}" if schema else _quote(name)
