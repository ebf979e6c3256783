"""SQLite's catalog for the migration checks (``catalog``): one query, and three
more for the tables that are new or changed since the process last read them.

``sqlite_master`` gives every object and the SQL of indexes, triggers and views;
the table-valued pragmas give the columns (``pragma_table_xinfo``: type,
``NOT NULL``, default, primary key), foreign keys and unique constraints of every
table in one query each. A table's parts are remembered by its ``CREATE TABLE``
text, which decides them and which SQLite rewrites on every change. CHECK
constraints exist only in that text, so they are read from there. A default is
compared without the parentheses around it, which a batch table rebuild adds or
drops.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from rowstamp.engines.catalog import Catalog, CatalogBuilder, column_definition, plain_sql

__all__ = ["check_constraints", "read_catalog", "unique_columns"]

_USER = "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
_OBJECTS = f"SELECT m.type, m.name, m.sql FROM sqlite_master AS m WHERE {_USER}"
_COLUMNS = (
    'SELECT m.name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden '
    "FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p "
    f"WHERE m.type = 'table' AND {_USER}"
)
_FOREIGN_KEYS = (
    'SELECT m.name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete '
    "FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f "
    f"WHERE m.type = 'table' AND {_USER}"
)
_UNIQUES = (
    "SELECT m.name, i.name, c.seqno, c.name "
    "FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS i "
    "JOIN pragma_index_info(i.name) AS c "
    f"WHERE m.type = 'table' AND i.origin = 'u' AND {_USER}"
)
_HIDDEN = {2: "GENERATED VIRTUAL", 3: "GENERATED STORED"}
_QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}
_WORD = re.compile(r"\w")
_NEXT = re.compile(r"""['"`[]|CHECK\s*\(""", re.I)
"""The next place the scan stops: a quote or a CHECK clause (one search, not a match
at every character)."""
_CONSTRAINT_NAME = re.compile(r"""CONSTRAINT\s+("[^"]+"|`[^`]+`|\[[^\]]+\]|\S+)\s*$""", re.I)


_Part = tuple[str, str, str]
_PARTS: dict[tuple[str, str], list[_Part]] = {}
"""Each table's columns and constraints, by its name and ``CREATE TABLE`` text, which
alone decides what the pragmas report (SQLite rewrites the text on every ALTER): a
stairway reads the catalog three times a revision and most tables are the same each
time, so only new or changed tables are read again."""
_PARTS_KEPT = 20_000
_CHUNK = 500


def read_catalog(connection: Connection) -> Catalog:
    """Every object of the main database, with columns and constraints."""
    catalog = CatalogBuilder()
    objects = connection.exec_driver_sql(_OBJECTS).all()
    parts: dict[str, list[_Part]] = {}
    fresh: dict[str, str] = {}
    for kind, name, sql in objects:
        if kind != "table":
            catalog.add(kind, name, sql)
            continue
        catalog.add(kind, name)
        known = _PARTS.get((name, sql or ""))
        if known is None:
            fresh[name] = sql or ""
        else:
            parts[name] = known
    if fresh:
        if len(_PARTS) > _PARTS_KEPT:
            _PARTS.clear()
        names = list(fresh)
        for first in range(0, len(names), _CHUNK):
            read = _table_parts(connection, names[first : first + _CHUNK], fresh)
            for name, found in read.items():
                parts[name] = _PARTS[(name, fresh[name])] = found
    for found in parts.values():
        for kind, name, definition in found:
            catalog.add(kind, name, definition)
    return catalog.build()


def _table_parts(
    connection: Connection, names: list[str], sql: dict[str, str]
) -> dict[str, list[_Part]]:
    """The columns, primary key, foreign keys, UNIQUE and CHECK constraints of the
    tables ``names`` (whose ``CREATE TABLE`` texts ``sql`` holds): one query each."""
    parts: dict[str, list[_Part]] = {name: [] for name in names}
    among = f" AND m.name IN ({', '.join('?' * len(names))})"
    bound = tuple(names)
    keys: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for table, _, name, type_, not_null, default, pk, hidden in connection.exec_driver_sql(
        _COLUMNS + among, bound
    ).all():
        definition = column_definition(type_, not_null, _bare(default), _HIDDEN.get(hidden, ""))
        parts[table].append(("column", f"{table}.{name}", definition))
        if pk:
            keys[table].append((pk, name))
    for table, columns in keys.items():
        listed = ", ".join(name for _, name in sorted(columns))
        parts[table].append(("primary key", f"{table}.PRIMARY KEY", f"PRIMARY KEY ({listed})"))
    for key, definition in _foreign_keys(connection, among, bound).items():
        parts[key[0]].append(("foreign key", f"{key[0]}.{definition}", definition))
    for table, uniques in unique_columns(connection, among, bound).items():
        for unique in uniques:
            definition = f"UNIQUE ({', '.join(unique)})"
            parts[table].append(("unique constraint", f"{table}.{definition}", definition))
    for table in names:
        for constraint, clause in check_constraints(sql[table]):
            parts[table].append(("check constraint", f"{table}.{constraint or clause}", clause))
    return parts


def unique_columns(
    connection: Connection, among: str = "", bound: tuple[str, ...] = ()
) -> dict[str, set[tuple[str, ...]]]:
    """The columns of every table's UNIQUE constraints, column-level ones included
    (SQLAlchemy's reflection reads only table-level ones): one query; ``among`` (with
    its ``bound`` names) limits it to some tables."""
    uniques: defaultdict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for table, index, position, column in connection.exec_driver_sql(_UNIQUES + among, bound).all():
        uniques[(table, index)].append((position, column))
    found: defaultdict[str, set[tuple[str, ...]]] = defaultdict(set)
    for (table, _), columns in uniques.items():
        found[table].add(tuple(name for _, name in sorted(columns)))
    return dict(found)


def _foreign_keys(
    connection: Connection, among: str, bound: tuple[str, ...]
) -> dict[tuple[str, int], str]:
    parts: defaultdict[tuple[str, int], list[tuple[Any, ...]]] = defaultdict(list)
    for table, id_, seq, target, source, to, on_update, on_delete in connection.exec_driver_sql(
        _FOREIGN_KEYS + among, bound
    ).all():
        parts[(table, id_)].append((seq, target, source, str(to), on_update, on_delete))
    result = {}
    for key, rows in parts.items():
        rows.sort()
        _, target, _, _, on_update, on_delete = rows[0]
        sources = ", ".join(row[2] for row in rows)
        targets = ", ".join(row[3] for row in rows)
        result[key] = (
            f"FOREIGN KEY ({sources}) REFERENCES {target} ({targets}) "
            f"ON UPDATE {on_update} ON DELETE {on_delete}"
        )
    return result


def _bare(default: str | None) -> str | None:
    """A default without the parentheses around all of it: ``(1)`` is ``1``."""
    while default and default[0] == "(" and _closing(default, 0) == len(default) - 1:
        default = default[1:-1].strip()
    return default


def _closing(sql: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start`` (quotes skipped), or -1."""
    depth = 0
    index = start
    while index < len(sql):
        char = sql[index]
        if char in _QUOTES:
            end = sql.find(_QUOTES[char], index + 1)
            index = len(sql) if end < 0 else end
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def check_constraints(sql: str) -> list[tuple[str | None, str]]:
    """(name or None, ``CHECK (...)``) of each CHECK clause in a ``CREATE TABLE`` text."""
    found: list[tuple[str | None, str]] = []
    index = 0
    while (token := _NEXT.search(sql, index)) is not None:
        start = token.start()
        char = token.group()
        if char in _QUOTES:  # skip the quoted name or string whole
            end = sql.find(_QUOTES[char], start + 1)
            index = len(sql) if end < 0 else end + 1
            continue
        if start and _WORD.match(sql[start - 1]):  # part of a longer word (RECHECK)
            index = start + 1
            continue
        close = _closing(sql, token.end() - 1)
        if close < 0:
            break
        named = _CONSTRAINT_NAME.search(sql[:start])
        name = named.group(1).strip('"`[]') if named is not None else None
        found.append((name, plain_sql(f"CHECK {sql[token.end() - 1 : close + 1]}")))
        index = close + 1
    return found
