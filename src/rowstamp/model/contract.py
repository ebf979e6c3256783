"""What a model's table must look like in a database, judged on what reflection read.

The migration checks (``rowstamp test``'s metadata contract, on a scratch database)
and ``rowstamp doctor`` (on a live one) ask the same questions of the same reflected
columns and indexes, so both use these; neither the reading nor the database is here.
``sample_row`` makes up the values an ``INSERT`` into a model's table needs, for a
trigger test on a table that holds no row yet.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, Table
from sqlalchemy.engine.interfaces import ReflectedColumn, ReflectedIndex
from sqlalchemy.types import TypeEngine

from rowstamp.model.columns import metadata_columns

__all__ = ["PAST", "column_problems", "sample_row"]

PAST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""A time no trigger writes: a test row's timestamps start here, so a fired trigger shows."""

_NOT_NULL_WITH_DEFAULT = ("is_active", "is_flagged", "created_at", "updated_at")
_INDEXED = ("is_active", "is_flagged", "created_at")
_TYPES: dict[str, tuple[type[TypeEngine[Any]], ...]] = {
    "is_active": (Boolean, Integer),  # MariaDB reflects BOOLEAN as TINYINT(1)
    "is_flagged": (Boolean, Integer),
    "created_at": (DateTime,),
    "updated_at": (DateTime,),
}


def column_problems(
    table: Table, columns: Sequence[ReflectedColumn], indexes: Iterable[ReflectedIndex]
) -> list[str]:
    """One line per way ``table``'s metadata columns in the database (``columns`` and
    ``indexes`` as reflected) differ from the guide's: missing, wrong type, nullable or
    without a server default, or not indexed."""
    found = {column["name"]: column for column in columns}
    indexed = {tuple(index["column_names"]) for index in indexes}
    problems = []
    for role, name in metadata_columns(table).items():
        column = found.get(name)
        if column is None:
            problems.append(f"{table.name}: has no {name} column")
            continue
        kinds = _TYPES.get(role)
        if kinds is not None and not isinstance(column["type"], kinds):
            problems.append(
                f"{table.name}.{name}: type {column['type']} is not {kinds[0].__name__}"
            )
        if role in _NOT_NULL_WITH_DEFAULT and (column["nullable"] or not column.get("default")):
            problems.append(f"{table.name}.{name}: must be NOT NULL with a server default")
        if role in _INDEXED and (name,) not in indexed:
            problems.append(f"{table.name}.{name}: has no index")
    return problems


_SAMPLES: dict[type, Any] = {
    int: 1,
    str: "rowstamp",
    bool: False,
    float: 1.0,
    decimal.Decimal: decimal.Decimal(1),
    dt.datetime: PAST,
    dt.date: PAST.date(),
    bytes: b"rowstamp",
    uuid.UUID: uuid.uuid4(),
}


def sample_row(table: Table) -> dict[str, Any] | None:
    """Values for the columns an INSERT must give; None when one cannot be made up
    (a required foreign key, a type with no plain Python value)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        needed = not column.nullable and column.server_default is None
        if not needed or column.default is not None:
            continue
        if column is table.autoincrement_column:
            continue  # SQLAlchemy's own rule: never a column of a composite key unless marked
        if column.foreign_keys:
            return None
        try:
            sample = _SAMPLES.get(column.type.python_type)
        except NotImplementedError:
            return None
        if sample is None:
            return None
        values[column.name] = sample
    return values
