"""MySQL and MariaDB: which Alembic operations copy the table (``ALGORITHM=COPY``).

A copy rebuilds the table row by row and blocks every write to it until it ends
(``LOCK=NONE`` is refused), so on a big, busy table it is an outage. Each fact
below was checked on MariaDB 10.11 by running the statement with
``ALGORITHM=INPLACE, LOCK=NONE`` and getting an error
(tests/integration/engines/test_mysql_copies.py keeps checking them):

- changing a column's type ("Cannot change column type"), except lengthening a
  ``VARCHAR`` whose stored length prefix can stay as it is (a copy only when it grows
  from 128-255 bytes to more than 255; lengths count 4 bytes a character, utf8mb4;
  this is MariaDB's InnoDB with its default DYNAMIC row format; MySQL's manual says
  any growth past 255 bytes copies) or changing only its collation. The MariaDB
  manual lists widening an integer as instant: that holds for ROW_FORMAT=REDUNDANT
  only, and 10.11 refuses ``INT`` to ``BIGINT`` in place on a DYNAMIC table;
- changing a column's character set (``CONVERT TO CHARACTER SET`` too);
- adding a foreign key while ``foreign_key_checks`` is on (``op.create_foreign_key``;
  ``op.create_foreign_key_online`` turns it off for its statement: ``mysql_foreign_keys``);
- adding a CHECK constraint;
- dropping the primary key without adding one in the same statement;
- adding a ``STORED`` generated column;
- creating or dropping a unique-among-active index on MariaDB: its virtual column and
  its index change in one statement, and "INPLACE ADD or DROP of virtual columns cannot
  be combined with other ALTER TABLE actions" (``mysql_ddl``; MySQL refuses the index).

Not copies there: adding a column anywhere (instant since MariaDB 10.4 and MySQL
8.0.29; before MariaDB 10.3.2 only as the last column, and Alembic always adds it
last), dropping or renaming a column, a default, ``NULL``/``NOT NULL``, an index.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from alembic.operations import MigrateOperation, ops
from sqlalchemy import Computed, Connection, String, Text, bindparam, text
from sqlalchemy.types import TypeEngine

from rowstamp.engines.copies import TableSize
from rowstamp.engines.ddl import filters_on_active

__all__ = ["table_copy", "table_sizes"]

_BYTES_PER_CHARACTER = 4
"""utf8mb4: the worst case, so a lengthening that may cross 255 bytes is flagged."""

_SHORT_PREFIX_BYTES = 255
"""A ``VARCHAR`` of up to 255 bytes stores its length in one byte, a longer one in two."""

_ALWAYS_SHORT_BYTES = 127
"""InnoDB stores a value of up to 127 bytes with a one-byte length in a longer ``VARCHAR``
too, so a ``VARCHAR`` of at most 127 bytes grows to any length in place."""

_CONVERT = re.compile(
    r"\bALTER\s+TABLE\s+(?P<table>\S+)\s.*?\bCONVERT\s+TO\s+(CHARACTER\s+SET|CHARSET)\b",
    re.IGNORECASE | re.DOTALL,
)

_SIZES = text(
    "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH, DATABASE() "
    "FROM information_schema.TABLES "
    "WHERE TABLE_NAME IN :names AND (TABLE_SCHEMA IN :schemas OR TABLE_SCHEMA = DATABASE()) "
    "AND TABLE_TYPE = 'BASE TABLE'"
).bindparams(bindparam("names", expanding=True), bindparam("schemas", expanding=True))
"""One catalog query for every table linted (``DATABASE()``: unqualified names' schema)."""


def _instance(type_: object) -> TypeEngine[object] | None:
    if isinstance(type_, type) and issubclass(type_, TypeEngine):
        return type_()
    return type_ if isinstance(type_, TypeEngine) else None


def _varchar_in_place(old: TypeEngine[object], new: TypeEngine[object], any_length: bool) -> bool:
    """A ``VARCHAR`` kept or lengthened with the same length prefix and character set."""
    if not isinstance(old, String) or not isinstance(new, String):
        return False
    if isinstance(old, Text) or isinstance(new, Text) or old.length is None or new.length is None:
        return False
    if getattr(old, "charset", None) != getattr(new, "charset", None):
        return False
    old_bytes, new_bytes = (n * _BYTES_PER_CHARACTER for n in (old.length, new.length))
    return new.length >= old.length and (
        new_bytes <= _SHORT_PREFIX_BYTES
        or (any_length and old_bytes <= _ALWAYS_SHORT_BYTES)
        or old_bytes > _SHORT_PREFIX_BYTES
    )


def _type_copy(op: ops.AlterColumnOp, any_length: bool) -> str | None:
    old, new = _instance(op.existing_type), _instance(op.modify_type)
    if new is None:
        return None
    if old is None:
        return (
            f"changes the type of {op.column_name} (no existing_type= to judge it by: "
            "most type changes copy the table)"
        )
    if _varchar_in_place(old, new, any_length):
        return None
    return f"changes the type of {op.column_name} from {old!r} to {new!r}"


def table_copy(op: MigrateOperation, *, short_varchar_grows: bool) -> str | None:
    """Why ``op`` copies its table on MySQL/MariaDB; None: in place or instant.
    ``short_varchar_grows``: a ``VARCHAR`` of at most 127 bytes grows to any length in
    place (MariaDB; MySQL's manual says a copy once it passes 255 bytes)."""
    if isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
        return _type_copy(op, short_varchar_grows)
    if isinstance(op, ops.CreateForeignKeyOp) and not getattr(op, "rows_checked_apart", False):
        return f"adds foreign key {op.constraint_name} with foreign_key_checks on"
    if isinstance(op, ops.CreateCheckConstraintOp):
        return f"adds CHECK constraint {op.constraint_name}"
    if isinstance(op, ops.DropConstraintOp) and op.constraint_type == "primary":
        return f"drops primary key {op.constraint_name}"
    if isinstance(op, ops.AddColumnOp):
        computed = op.column.computed
        if isinstance(computed, Computed) and computed.persisted:
            return f"adds STORED generated column {op.column.name}"
    if isinstance(op, (ops.CreateIndexOp, ops.DropIndexOp)) and _emulated(op):
        verb = "adds" if isinstance(op, ops.CreateIndexOp) else "drops"
        return f"{verb} unique-among-active index {op.index_name} (a virtual column and an index)"
    if isinstance(op, ops.ExecuteSQLOp) and (match := _CONVERT.search(_sql_text(op.sqltext))):
        return f"converts table {match['table'].strip('`')} to another character set"
    return None


def _emulated(op: ops.CreateIndexOp | ops.DropIndexOp) -> bool:
    """A unique-among-active index, which MariaDB emulates with a virtual column: declared
    (``filters_on_active``) or as MariaDB reflects it (its last column named like it)."""
    index = op.to_index()
    if filters_on_active(index) and (isinstance(op, ops.DropIndexOp) or index.unique):
        return True
    names = [getattr(column, "name", None) for column in index.expressions]
    return bool(index.unique) and len(names) > 1 and names[-1] == index.name


def _sql_text(sqltext: object) -> str:
    """The text of SQL written as a string or ``sa.text()``; a construct (an UPDATE
    built with SQLAlchemy) is never a CONVERT TO, and ``str()`` of one that holds
    rowstamp's ``utc_now()`` has no engine to compile for."""
    if isinstance(sqltext, str):
        return sqltext
    return str(getattr(sqltext, "text", "") or "")


def table_sizes(connection: Connection, tables: Collection[str]) -> dict[str, TableSize]:
    """``tables`` (``schema.table`` or ``table``) that exist, with their size, in one query."""
    if not tables:
        return {}
    names = sorted({t.rpartition(".")[2] for t in tables})
    schemas = sorted({t.rpartition(".")[0] for t in tables} - {""})
    sizes: dict[str, TableSize] = {}
    for schema, name, count, size, current in connection.execute(
        _SIZES, {"names": names, "schemas": schemas}
    ):
        for key in (f"{schema}.{name}", name if schema == current else ""):
            if key in tables:
                sizes[key] = TableSize(int(count or 0), int(size or 0))
    return sizes
