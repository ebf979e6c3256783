"""``op.create_moddatetime_trigger``: the ``[rowstamp] trigger_function = moddatetime`` option.

The operations are the version 1 trigger operations with the trigger's function
swapped for PostgreSQL's contrib C function ``moddatetime`` (no PL/pgSQL call per
row: measured in docs/benchmarks.md section 2b). They subclass the trigger
operations so ordering, review and ``alembic check`` treat them alike; a rendered
call names the function in the operation itself, so the migration keeps doing what
it did whatever alembic.ini says later. Other engines run version 1's SQL.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations

from rowstamp.autogen.ops import (
    CreateUpdatedAtTriggerOp,
    DropUpdatedAtTriggerOp,
    _UpdatedAtTriggerOp,
)
from rowstamp.engines import for_dialect
from rowstamp.engines.moddatetime import C_FUNCTION, c_create_statements, c_drop_statements
from rowstamp.errors import SettingsError

__all__ = [
    "TRIGGER_FUNCTION_SETTING",
    "CreateModdatetimeTriggerOp",
    "DropModdatetimeTriggerOp",
    "c_trigger_instead",
]

TRIGGER_FUNCTION_SETTING = "trigger_function"
"""alembic.ini ``[rowstamp] trigger_function``: ``moddatetime`` gives new tables the C
trigger; unset, rowstamp's PL/pgSQL function."""


@Operations.register_operation("create_moddatetime_trigger")
class CreateModdatetimeTriggerOp(CreateUpdatedAtTriggerOp):
    """Give a table a trigger calling ``moddatetime`` (PostgreSQL; elsewhere version 1)."""

    def __init__(
        self, table_name: str, *, schema: str | None = None, column: str | None = None
    ) -> None:
        super().__init__(table_name, schema=schema, version=1, column=column)

    @classmethod
    def create_moddatetime_trigger(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        column: str | None = None,
    ) -> None:
        """Create the ``updated_at`` trigger on ``moddatetime`` (it must be installed)."""
        operations.invoke(cls(table_name, schema=schema, column=column))

    def reverse(self) -> DropModdatetimeTriggerOp:
        return DropModdatetimeTriggerOp(self.table_name, schema=self.schema, column=self.column)


@Operations.register_operation("drop_moddatetime_trigger")
class DropModdatetimeTriggerOp(DropUpdatedAtTriggerOp):
    """Remove a table's ``moddatetime`` trigger; the extension stays."""

    def __init__(
        self, table_name: str, *, schema: str | None = None, column: str | None = None
    ) -> None:
        super().__init__(table_name, schema=schema, version=1, column=column)

    @classmethod
    def drop_moddatetime_trigger(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        column: str | None = None,
    ) -> None:
        """Drop the ``moddatetime`` trigger."""
        operations.invoke(cls(table_name, schema=schema, column=column))

    def reverse(self) -> CreateModdatetimeTriggerOp:
        return CreateModdatetimeTriggerOp(self.table_name, schema=self.schema, column=self.column)


@Operations.implementation_for(CreateModdatetimeTriggerOp)
def _create(operations: Operations, operation: CreateModdatetimeTriggerOp) -> None:
    context = operations.get_context()
    support = for_dialect(context.dialect)
    connection = None if context.as_sql else context.connection
    if connection is not None:
        support.check_can_create_triggers(connection)
    for statement in c_create_statements(support, operation.spec(), connection):
        operations.execute(statement)


@Operations.implementation_for(DropModdatetimeTriggerOp)
def _drop(operations: Operations, operation: DropModdatetimeTriggerOp) -> None:
    context = operations.get_context()
    support = for_dialect(context.dialect)
    for statement in c_drop_statements(support, operation.spec()):
        operations.execute(statement)
    if not context.as_sql and context.connection is not None:
        support.after_trigger_drop(context.connection, operation.schema)


def _render(name: str, op: _UpdatedAtTriggerOp, autogen_context: AutogenContext) -> str:
    args = [repr(op.table_name)]
    if op.schema is not None:
        args.append(f"schema={op.schema!r}")
    if op.column is not None:
        args.append(f"column={op.column!r}")
    prefix = autogen_context.opts.get("alembic_module_prefix", "op.")
    return f"{prefix}{name}({', '.join(args)})"


@renderers.dispatch_for(CreateModdatetimeTriggerOp)
def _render_create(autogen_context: AutogenContext, op: CreateModdatetimeTriggerOp) -> str:
    return _render("create_moddatetime_trigger", op, autogen_context)


@renderers.dispatch_for(DropModdatetimeTriggerOp)
def _render_drop(autogen_context: AutogenContext, op: DropModdatetimeTriggerOp) -> str:
    return _render("drop_moddatetime_trigger", op, autogen_context)


def c_trigger_instead(autogen_context: AutogenContext, op: Any) -> Any:
    """A new table's trigger operation on ``moddatetime`` when alembic.ini asks for it."""
    from rowstamp.runtime.config import rowstamp_option

    config = autogen_context.migration_context.config
    value = rowstamp_option(config, TRIGGER_FUNCTION_SETTING) if config is not None else ""
    if not value:
        return op
    if value != C_FUNCTION:
        raise SettingsError(
            f"alembic.ini [rowstamp] {TRIGGER_FUNCTION_SETTING} = {value} is not a trigger "
            "function rowstamp offers",
            f"set it to {C_FUNCTION}, or remove it",
        )
    if type(op) is not CreateUpdatedAtTriggerOp:
        return op
    if op.version != 1 or op.now is not None:
        raise SettingsError(
            f"[rowstamp] {TRIGGER_FUNCTION_SETTING} = {C_FUNCTION} cannot read the untouched "
            "mark (trigger_version = 2 or 3) nor a pinned DATABASE_TIMESTAMP_UTC",
            f"remove trigger_version / DATABASE_TIMESTAMP_UTC, or {TRIGGER_FUNCTION_SETTING}",
        )
    return CreateModdatetimeTriggerOp(op.table_name, schema=op.schema, column=op.column)
