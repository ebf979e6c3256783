"""How ``op.backfill`` walks a table's primary key: which keys it can walk, the key
ranges of a batch, and the name that finds an unfinished backfill again.

Kept apart from ``backfill.py``, which runs the walk, so each stays small.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Table, tuple_

from rowstamp.errors import RowstampError

__all__ = [
    "KEY_TYPES",
    "after_key",
    "backfill_name",
    "plain_key",
    "settable_column",
    "up_to_key",
    "walked_keys",
]

KEY_TYPES = (int, str)
"""The Python types of the key columns a backfill walks (JSON keeps them exactly)."""


def walked_keys(table: Table) -> list[Column[Any]]:
    """The primary key's columns, or a one-line refusal of a key it cannot walk."""
    keys = list(table.primary_key.columns)
    if not keys:
        raise RowstampError(
            f"op.backfill cannot walk {table.fullname}: it has no primary key",
            "add one, or update it with op.execute in batches of your own",
        )
    for key in keys:
        try:
            python_type = key.type.python_type
        except NotImplementedError:
            python_type = object
        if python_type not in KEY_TYPES:
            raise RowstampError(
                f"op.backfill cannot walk {table.fullname}: its key column {key.name} is "
                f"{key.type}, and only integer and string keys are walked",
                "update it with op.execute in batches of your own",
            )
    return keys


def settable_column(table: Table, name: str) -> Column[Any]:
    if name not in table.c:
        raise RowstampError(
            f"op.backfill sets {name}, which {table.fullname} does not have",
            f"name one of its columns: {', '.join(table.c.keys())}",
        )
    return table.c[name]


def after_key(keys: Sequence[Column[Any]], last: Sequence[Any] | None) -> list[ColumnElement[bool]]:
    if last is None:
        return []
    if len(keys) == 1:
        return [keys[0] > last[0]]
    return [tuple_(*keys) > tuple_(*last)]


def up_to_key(keys: Sequence[Column[Any]], bound: Sequence[Any]) -> ColumnElement[bool]:
    if len(keys) == 1:
        return keys[0] <= bound[0]  # type: ignore[no-any-return]
    return tuple_(*keys) <= tuple_(*bound)


def plain_key(value: Any) -> Any:
    """A key value as JSON keeps it (the key types walked are int and str)."""
    return int(value) if isinstance(value, int) else str(value)


def backfill_name(conn: Connection, table: Table, statement: Any) -> str:
    """Who this backfill is, across runs: its table and the SQL it runs, hashed."""
    compiled = statement.compile(dialect=conn.dialect)
    params = sorted((k, repr(v)) for k, v in compiled.params.items())
    digest = hashlib.sha256(f"{table.fullname}|{compiled}|{params}".encode()).hexdigest()
    return digest[:64]
