"""MySQL and MariaDB: add a column whose default is an expression without a rewrite.

InnoDB adds a column instantly only with a constant default: the value of existing
rows is kept once, in the table's metadata. ``DEFAULT UTC_TIMESTAMP(6)`` is not
constant, so ``ADD COLUMN created_at ... DEFAULT UTC_TIMESTAMP(6)`` copies the whole
table. Adding the column with the expression's value now, then ``SET DEFAULT`` to
the expression (metadata only), gives existing rows that one value (as the copy
would) and new rows the expression, with the table's rows untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, String, cast, select
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql.elements import ClauseElement, False_, Null, True_

if TYPE_CHECKING:
    from alembic.operations import Operations

__all__ = ["add_columns_instantly"]

_CONSTANT = (True_, False_, Null)


def _expression(column: Column[Any]) -> ClauseElement | None:
    """The column's server default where it is an expression other than a constant."""
    default = column.server_default
    if not isinstance(default, DefaultClause) or not isinstance(default.arg, ClauseElement):
        return None
    return None if isinstance(default.arg, _CONSTANT) else default.arg


def add_columns_instantly(
    operations: Operations, table_name: str, columns: Sequence[Column[Any]], schema: str | None
) -> None:
    """Add ``columns``; each with an expression default as the module says (online)."""
    context = operations.get_context()
    for column in columns:
        expression = _expression(column)
        if expression is None or context.as_sql or context.connection is None:
            operations.add_column(table_name, column, schema=schema)
            continue
        now = context.connection.execute(select(cast(expression, String()))).scalar_one()
        constant = Column(
            column.name,
            column.type,
            nullable=column.nullable,
            server_default=str(now),
            comment=column.comment,
        )
        operations.add_column(table_name, constant, schema=schema)
        operations.alter_column(
            table_name,
            column.name,
            schema=schema,
            server_default=DefaultClause(expression),
            existing_type=column.type,
            existing_nullable=column.nullable,
        )
