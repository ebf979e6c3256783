"""What the trigger operations run: the engine module's statements, compiled per dialect.

Nothing here queries the database offline, so ``alembic upgrade --sql`` works
without one; online, the engine may check once per migration run that the user
can create triggers at all (MySQL's binary-log rule).
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakSet

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.schema import AddConstraint

# Imported for what they register: autogenerate can write what runs here, and
# Alembic's own DDL implementations get the engines' reflection slips corrected.
import rowstamp.autogen.c_trigger
import rowstamp.autogen.online
import rowstamp.autogen.render
import rowstamp.autogen.safe_render
import rowstamp.engines.mysql_alembic
import rowstamp.engines.postgresql_alembic
import rowstamp.engines.sqlite_alembic  # noqa: F401
from rowstamp.autogen.ops import (
    COLUMNS_VERSION,
    AddColumnsOp,
    BackfillOp,
    CreateUpdatedAtTriggerOp,
    DropUpdatedAtTriggerOp,
    EnsureUpdatedAtTriggerOp,
    ReplaceUpdatedAtTriggerOp,
)
from rowstamp.autogen.rename_ops import RenameColumnSafelyOp, UndoRenameColumnSafelyOp
from rowstamp.autogen.safe_ops import AddNotNullCheckOp, DropNotNullCheckOp, ValidateConstraintOp
from rowstamp.engines import for_dialect
from rowstamp.engines.ddl import TriggerSpec
from rowstamp.engines.no_triggers import (
    create_without_trigger,
    drop_without_trigger,
    on_update_fallback,
)
from rowstamp.engines.postgresql_safe import (
    ValidateConstraint,
    drop_not_null_check,
    has_safe_ddl,
    not_null_check,
)

__all__: list[str] = []

_checked: WeakSet[MigrationContext] = WeakSet()


@Operations.implementation_for(CreateUpdatedAtTriggerOp)
def _create(operations: Operations, operation: CreateUpdatedAtTriggerOp) -> None:
    context = operations.get_context()
    support = for_dialect(context.dialect)
    if _without_triggers(context, create_without_trigger, operation):
        return
    if not context.as_sql and context not in _checked and context.connection is not None:
        support.check_can_create_triggers(context.connection)
        _checked.add(context)
    for statement in support.create_statements(operation.spec()):
        operations.execute(statement)


@Operations.implementation_for(DropUpdatedAtTriggerOp)
def _drop(operations: Operations, operation: DropUpdatedAtTriggerOp) -> None:
    context = operations.get_context()
    support = for_dialect(context.dialect)
    if _without_triggers(context, drop_without_trigger, operation):
        return
    for statement in support.drop_statements(operation.spec()):
        operations.execute(statement)
    if not context.as_sql and context.connection is not None:
        support.after_trigger_drop(context.connection, operation.schema)


@Operations.implementation_for(ReplaceUpdatedAtTriggerOp)
def _replace(operations: Operations, operation: ReplaceUpdatedAtTriggerOp) -> None:
    """The old trigger's drop, then the new one's create: one transaction where DDL
    is transactional; on MySQL a moment between the two where updates keep updated_at.
    A replacement of version 4's columns alone is nothing where no form names them."""
    spec, old = operation.spec(), operation.from_spec()
    context = operations.get_context()
    support = for_dialect(context.dialect)
    connection = None if context.as_sql else context.connection
    if connection is not None and on_update_fallback(connection):
        return  # no triggers here: the column's ON UPDATE clause has no version
    if operation.columns_only and support.trigger_form(operation.version) < COLUMNS_VERSION:
        return
    for statement in [*support.drop_statements(old), *support.create_statements(spec)]:
        operations.execute(statement)
    if not context.as_sql and context.connection is not None:
        support.after_trigger_drop(context.connection, operation.schema)


def _without_triggers(
    context: MigrationContext,
    fallback: Callable[[Connection, TriggerSpec], bool],
    operation: CreateUpdatedAtTriggerOp | DropUpdatedAtTriggerOp,
) -> bool:
    """Online on a server without row triggers, the fallback runs (``engines.no_triggers``)."""
    if context.as_sql or context.connection is None:
        return False
    return fallback(context.connection, operation.spec())


@Operations.implementation_for(EnsureUpdatedAtTriggerOp)
def _ensure(operations: Operations, operation: EnsureUpdatedAtTriggerOp) -> None:
    support = for_dialect(operations.get_context().dialect)
    for statement in support.ensure_statements(operation.spec()):
        operations.execute(statement)


@Operations.implementation_for(AddColumnsOp)
def _add_columns(operations: Operations, operation: AddColumnsOp) -> None:
    support = for_dialect(operations.get_context().dialect)
    support.add_columns(operations, operation.table_name, operation.columns, operation.schema)


@Operations.implementation_for(BackfillOp)
def _backfill(operations: Operations, operation: BackfillOp) -> None:
    from rowstamp.runtime.backfill import run_backfill

    run_backfill(operations, operation)


@Operations.implementation_for(ValidateConstraintOp)
def _validate_constraint(operations: Operations, operation: ValidateConstraintOp) -> None:
    if has_safe_ddl(operations.get_context().dialect):
        operations.execute(
            ValidateConstraint(operation.constraint_name, operation.table_name, operation.schema)
        )


@Operations.implementation_for(AddNotNullCheckOp)
def _add_not_null_check(operations: Operations, operation: AddNotNullCheckOp) -> None:
    if has_safe_ddl(operations.get_context().dialect):
        check = not_null_check(
            operation.constraint_name,
            operation.table_name,
            operation.column_name,
            operation.schema,
        )
        operations.execute(AddConstraint(check))


@Operations.implementation_for(DropNotNullCheckOp)
def _drop_not_null_check(operations: Operations, operation: DropNotNullCheckOp) -> None:
    context = operations.get_context()
    if has_safe_ddl(context.dialect):
        operations.execute(
            drop_not_null_check(
                operation.constraint_name,
                operation.table_name,
                operation.schema,
                context.dialect,
                as_sql=context.as_sql,
            )
        )


@Operations.implementation_for(RenameColumnSafelyOp)
def _rename_safely(operations: Operations, operation: RenameColumnSafelyOp) -> None:
    from rowstamp.runtime.rename import run_rename

    run_rename(operations, operation)


@Operations.implementation_for(UndoRenameColumnSafelyOp)
def _undo_rename_safely(operations: Operations, operation: UndoRenameColumnSafelyOp) -> None:
    from rowstamp.runtime.rename import undo_rename

    undo_rename(operations, operation)
