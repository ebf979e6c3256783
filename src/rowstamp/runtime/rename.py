"""What ``op.rename_column_safely`` runs (``rowstamp.autogen.rename_ops`` says why).

Adding a column: the column (nullable: the rows have no value yet), the engine's
dual-write trigger, then ``op.backfill`` of the rows from before, in batches along
the primary key and outside the revision's transaction, leaving ``updated_at`` alone
where the table's trigger is version 2. The backfill commits the
DDL before it, so a run killed during the backfill has the column and the trigger
already: online, the step looks once at the table's columns and adds only what is
missing, and the backfill resumes where it stopped. Dropping a column: the trigger
first (it names the column), then the column. Adding the old column back restores
its ``server_default`` before the backfill and its ``NOT NULL`` after it (on SQLite,
which alters neither, by rebuilding the table with the column filled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, inspect
from sqlalchemy import column as column_

from rowstamp.autogen.ops import BackfillOp
from rowstamp.autogen.rename_ops import RenameColumnSafelyOp, UndoRenameColumnSafelyOp
from rowstamp.autogen.safe_ops import AddNotNullCheckOp, DropNotNullCheckOp, ValidateConstraintOp
from rowstamp.engines import for_dialect
from rowstamp.engines.base import bounded_name
from rowstamp.engines.dual_write import create_statements, drop_statements
from rowstamp.engines.sqlite_rebuild import add_columns_keeping_table
from rowstamp.runtime.backfill import run_backfill

if TYPE_CHECKING:
    from alembic.operations import Operations

    from rowstamp.autogen.rename_ops import _RenameOp

__all__ = ["run_rename", "undo_rename"]

_NAME_LIMIT = 63  # PostgreSQL's identifiers


def run_rename(operations: Operations, op: RenameColumnSafelyOp) -> None:
    """Expand: add ``new``, kept equal to ``old``; contract: drop ``old``."""
    if op.step == "expand":
        _add(operations, op, column=op.new, source=op.old)
    else:
        _drop(operations, op, column=op.old)


def undo_rename(operations: Operations, op: UndoRenameColumnSafelyOp) -> None:
    """Undo expand: drop ``new``; undo contract: add ``old`` back as it was (its
    ``server_default`` and ``nullable``), kept equal to ``new``."""
    if op.step == "expand":
        _drop(operations, op, column=op.new)
    else:
        _add(operations, op, column=op.old, source=op.new, restore=True)
        if (
            not op.nullable
            and not for_dialect(operations.get_context().dialect).rebuilds_tables_in_batch
        ):
            _set_not_null(operations, op, op.old)


def _add(
    operations: Operations, op: _RenameOp, *, column: str, source: str, restore: bool = False
) -> None:
    context = operations.get_context()
    support = for_dialect(context.dialect)
    pinned = restore and (not op.nullable or op.server_default is not None)
    if column not in _existing_columns(operations, op):
        if pinned and support.rebuilds_tables_in_batch:
            # SQLite alters neither NOT NULL nor a default: its rebuild adds the column
            # as it was and fills it in the copy
            restored = Column(
                column, op.type_, nullable=op.nullable, server_default=op.server_default
            )
            add_columns_keeping_table(
                operations, op.table_name, [restored], op.schema, copied_from={column: source}
            )
        else:  # nullable and without a default, so the backfill finds the rows to fill
            operations.add_column(
                op.table_name, Column(column, op.type_, nullable=True), schema=op.schema
            )
    if pinned and op.server_default is not None and not support.rebuilds_tables_in_batch:
        operations.alter_column(  # for the old code's inserts from now on
            op.table_name,
            column,
            server_default=op.server_default,
            existing_type=op.type_,
            existing_nullable=True,
            schema=op.schema,
        )
    for statement in create_statements(for_dialect(context.dialect), op.spec()):
        operations.execute(statement)
    # a restored column may hold its default already (SQLite's --sql adds it with it)
    unfilled = column_(column).is_distinct_from(column_(source)) if pinned else None
    fill = BackfillOp(
        op.table_name,
        {column: column_(source)},
        where=(unfilled if unfilled is not None else column_(column).is_(None))
        & column_(source).is_not(None),
        schema=op.schema,
        batch_size=op.batch_size,
        touch=_touch(operations, op),
    )
    run_backfill(operations, fill)


def _set_not_null(operations: Operations, op: _RenameOp, column: str) -> None:
    """``SET NOT NULL`` after the backfill; on PostgreSQL behind a validated CHECK, as
    autogenerate writes it, so the lock that sets it does not scan the table."""
    name = bounded_name(f"ck_{op.table_name}_{column}_not_null", _NAME_LIMIT)
    operations.invoke(AddNotNullCheckOp(name, op.table_name, column, schema=op.schema))
    operations.invoke(ValidateConstraintOp(name, op.table_name, schema=op.schema))
    operations.alter_column(
        op.table_name,
        column,
        nullable=False,
        existing_type=op.type_,
        existing_server_default=op.server_default,
        schema=op.schema,
    )
    operations.invoke(DropNotNullCheckOp(name, op.table_name, schema=op.schema))


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
