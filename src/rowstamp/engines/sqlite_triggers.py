"""SQLite's trigger versions read back from their SQL, and the marker table.

SQLite keeps each trigger's ``CREATE TRIGGER`` text in ``sqlite_master``, so one
query reads every table's version. Version 4 names the columns that fire it
(``AFTER UPDATE OF a, b ON t``); they are read back from that text, as SQLite keeps
it: ``ALTER TABLE ... RENAME COLUMN`` rewrites the list itself (quoting a new name
that needs it), ``DROP COLUMN`` leaves a dropped name in it.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, Connection, Integer, MetaData, Table, column, select, table

from rowstamp.engines.untouched import UNTOUCHED_SETTING, TriggerState

__all__ = ["fired_by", "marker_table", "trigger_rows", "trigger_state"]

# A quoted identifier ("", ``, []), a string, a word (SQLite's identifier characters),
# or any other single character.
_TOKEN = re.compile(r""""(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[\w$]+|\S""")


def marker_table(schema: str | None) -> Table:
    """The table a version 2 (3, 4) trigger looks in: a row there means "leave updated_at"."""
    return Table(
        UNTOUCHED_SETTING, MetaData(), Column("marked", Integer, nullable=False), schema=schema
    )


def _name(token: str) -> str:
    if token[0] == '"':
        return token[1:-1].replace('""', '"')
    if token[0] == "`":
        return token[1:-1].replace("``", "`")
    if token[0] == "[":
        return token[1:-1]
    return token


def fired_by(sql: str) -> tuple[str, ...] | None:
    """The columns of a trigger's ``UPDATE OF`` list, or None where it has none: only
    the text before ``BEGIN`` is read, and a quoted name is one token, so a name that
    holds these words cannot mislead it."""
    tokens: list[str] = []
    for token in _TOKEN.findall(sql):
        if token.upper() == "BEGIN":
            break
        tokens.append(token)
    upper = [t.upper() for t in tokens]
    for i in range(len(upper) - 1):
        if upper[i] == "UPDATE" and upper[i + 1] == "OF":
            names, rest = [], tokens[i + 2 :]
            while rest and rest[0].upper() != "ON":
                if rest[0] != ",":
                    names.append(_name(rest[0]))
                rest = rest[1:]
            return tuple(names)
    return None


def trigger_rows(connection: Connection, schema: str | None) -> list[tuple[str, str, str]]:
    """(name, table, SQL) of every trigger in ``schema``: one catalog query."""
    master = table(
        "sqlite_master", column("type"), column("name"), column("tbl_name"), column("sql")
    )
    master.schema = schema
    query = select(master.c.name, master.c.tbl_name, master.c.sql).where(master.c.type == "trigger")
    return [(name, tbl, str(sql)) for name, tbl, sql in connection.execute(query)]


def trigger_state(sql: str) -> TriggerState:
    """The version of rowstamp's trigger from its SQL: version 4 names its columns,
    version 2 (and 3, its twin here) reads the marker table, version 1 neither."""
    columns = fired_by(sql)
    if columns is not None:
        return TriggerState(4, columns)
    return TriggerState(2 if UNTOUCHED_SETTING in sql else 1)
