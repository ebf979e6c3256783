"""What ``op.rename_column_safely`` runs (``rowstamp.autogen.rename_ops`` says why).

Adding a column: the column (nullable: the rows have no value yet), the engine's
dual-write trigger, then ``op.backfill`` of the rows from before, in batches along
the primary key and outside the revision's transaction, leaving ``updated_at`` alone
where the table's trigger is version 2. The backfill commits the
DDL before it, so a run killed during the backfill has the column and the trigger
already: online, the step looks once at the table's columns and adds only what is
missing, and the backfill resumes where it stopped. Dropping a column: the trigger
first (it names the column), then the column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, inspect
from sqlalchemy import column as column_

from rowstamp.autogen.ops import BackfillOp
from rowstamp.autogen.rename_ops import RenameColumnSafelyOp, UndoRenameColumnSafelyOp
from rowstamp.engines import for_dialect
from rowstamp.engines.dual_write import create_statements, drop_statements
from rowstamp.runtime.backfill import run_backfill

if TYPE_CHECKING:
    from alembic.operations import Operations

    from rowstamp.autogen.rename_ops import _RenameOp

__all__ = ["run_rename", "undo_rename"]


def run_rename(operations: Operations, op: RenameColumnSafelyOp) -> None:
    """Expand: add ``new``, kept equal to ``old``; contract: drop ``old``."""
    if op.step == "expand":
        _add(operations, op, column=op.new, source=op.old)
    else:
        _drop(operations, op, column=op.old)


def undo_rename(operations: Operations, op: UndoRenameColumnSafelyOp) -> None:
    """Undo expand: drop ``new``; undo contract: add ``old`` back, kept equal to ``new``."""
    if op.step == "expand":
        _drop(operations, op, column=op.new)
    else:
        _add(operations, op, column=op.old, source=op.new)


def _add(operations: Operations, op: _RenameOp, *, column: str, source: str) -> None:
    context = operations.get_context()
    if column not in _existing_columns(operations, op):
        operations.add_column(
            op.table_name, Column(column, op.type_, nullable=True), schema=op.schema
        )
    for statement in create_statements(for_dialect(context.dialect), op.spec()):
        operations.execute(statement)
    fill = BackfillOp(
        op.table_name,
        {column: column_(source)},
        where=column_(column).is_(None) & column_(source).is_not(None),
        schema=op.schema,
        batch_size=op.batch_size,
        touch=_touch(operations, op),
    )
    run_backfill(operations, fill)


def _drop(operations: Operations, op: _RenameOp, *, column: str) -> None:
    context = operations.get_context()
    for statement in drop_statements(for_dialect(context.dialect), op.spec()):
        operations.execute(statement)
    operations.drop_column(op.table_name, column, schema=op.schema)


def _touch(operations: Operations, op: _RenameOp) -> bool:
    """Copying a value under a new name changes no row, so the fill leaves ``updated_at``
    alone (``touch=False``), except where the table's trigger is version 1, which
    cannot: there it bumps it, as every backfill did before version 2. Offline the
    script marks its one update untouched, which a version 1 trigger ignores."""
    context = operations.get_context()
    if context.as_sql or context.connection is None:
        return False
    support = for_dialect(context.dialect)
    return support.trigger_versions(context.connection, op.schema).get(op.table_name, 2) < 2


def _existing_columns(operations: Operations, op: _RenameOp) -> set[str]:
    """The table's columns online (one reflection); offline, none: the script adds all."""
    context = operations.get_context()
    if context.as_sql or context.connection is None:
        return set()
    columns = inspect(context.connection).get_columns(op.table_name, schema=op.schema)
    return {c["name"] for c in columns}
