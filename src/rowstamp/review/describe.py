"""One readable line per Alembic operation, and the table it belongs to.

Shared by ``rowstamp review`` (operations read from a file) and ``rowstamp check``
(operations autogenerate would write), so both speak the same words.
"""

from __future__ import annotations

import re
from functools import singledispatch
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column, Constraint, ForeignKeyConstraint, Index

from rowstamp.autogen.online_fk import OnlineForeignKeyOp
from rowstamp.autogen.ops import BackfillOp, CreateUpdatedAtTriggerOp, DropUpdatedAtTriggerOp
from rowstamp.autogen.rename_ops import RenameColumnSafelyOp, UndoRenameColumnSafelyOp
from rowstamp.autogen.safe_ops import AddNotNullCheckOp, DropNotNullCheckOp, ValidateConstraintOp
from rowstamp.engines import neutral_dialect

__all__ = ["describe", "flatten", "table_of"]


def flatten(operations: list[ops.MigrateOperation]) -> list[ops.MigrateOperation]:
    """Operations with Alembic's per-table containers opened up, in running order."""
    flat: list[ops.MigrateOperation] = []
    for operation in operations:
        if isinstance(operation, ops.OpContainer):
            flat.extend(flatten(list(operation.ops)))
        else:
            flat.append(operation)
    return flat


def table_of(op: ops.MigrateOperation) -> str | None:
    """``schema.table`` an operation changes, or None (raw SQL and the like)."""
    if isinstance(op, ops.CreateForeignKeyOp):  # the one op that calls its table "source"
        name: Any = op.source_table
        schema = op.kw.get("source_schema")
    else:
        name = getattr(op, "table_name", None)
        schema = getattr(op, "schema", None)
    if name is None:
        return None
    return f"{schema}.{name}" if schema else str(name)


def _type(type_: Any) -> str:
    try:
        return str(type_.compile(dialect=neutral_dialect()))
    except Exception:  # a type the neutral dialect cannot compile (e.g. a SQLite-only type)
        return type(type_).__name__.upper()


def _column(column: Column[Any]) -> str:
    text = f"{column.name} {_type(column.type)}"
    text += " NULL" if column.nullable else " NOT NULL"
    if column.server_default is not None:
        text += " with server default"
    return text


def _columns(item: Index | Constraint | Any) -> str:
    names = [getattr(c, "name", str(c)) for c in getattr(item, "columns", [])]
    if not names and isinstance(item, Index):
        names = [str(e) for e in item.expressions]
    return ", ".join(names)


@singledispatch
def describe(op: ops.MigrateOperation) -> str:
    """What the operation does, in a few words, without the table name.

    One function per operation type (``describe.register``); any other operation
    is named after its class: ``ensure updated at trigger``.
    """
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(op).__name__.removesuffix("Op"))
    return words.lower()


@describe.register
def _create_table(op: ops.CreateTableOp) -> str:
    columns = sum(isinstance(c, Column) for c in op.columns)
    return f"create table ({columns} columns)"


@describe.register
def _drop_table(op: ops.DropTableOp) -> str:
    return "drop table"


@describe.register
def _rename_table(op: ops.RenameTableOp) -> str:
    return f"rename table to {op.new_table_name}"


@describe.register
def _add_column(op: ops.AddColumnOp) -> str:
    return f"add column {_column(op.column)}"


@describe.register
def _drop_column(op: ops.DropColumnOp) -> str:
    return f"drop column {op.column_name}"


@describe.register
def _alter(op: ops.AlterColumnOp) -> str:
    changes = []
    if op.modify_type is not None:
        before = _type(op.existing_type) if op.existing_type is not None else "?"
        changes.append(f"type {before} -> {_type(op.modify_type)}")
    if op.modify_nullable is not None:
        changes.append("now NOT NULL" if op.modify_nullable is False else "now NULL")
    if op.modify_server_default is not False:
        changes.append("server default changed")
    if op.modify_name:
        changes.append(f"renamed to {op.modify_name}")
    if op.modify_comment is not False:
        changes.append("comment changed")
    return f"alter column {op.column_name}: {', '.join(changes) or 'no change'}"


@describe.register
def _create_index(op: ops.CreateIndexOp) -> str:
    kind = "unique index" if op.unique else "index"
    columns = ", ".join(str(getattr(c, "name", c)) for c in op.columns)
    concurrently = " concurrently" if op.kw.get("postgresql_concurrently") else ""
    return f"create {kind} {op.index_name} ({columns}){concurrently}"


@describe.register
def _drop_index(op: ops.DropIndexOp) -> str:
    concurrently = " concurrently" if op.kw.get("postgresql_concurrently") else ""
    return f"drop index {op.index_name}{concurrently}"


@describe.register
def _add_constraint(op: ops.AddConstraintOp) -> str:
    constraint = getattr(op, "constraint", None)
    if isinstance(constraint, ForeignKeyConstraint):
        return f"add foreign key {constraint.name} ({_columns(constraint)})"
    return f"add constraint {getattr(op, 'constraint_name', '')}".rstrip()


@describe.register
def _create_foreign_key(op: ops.CreateForeignKeyOp) -> str:
    not_valid = " NOT VALID" if op.kw.get("postgresql_not_valid") else ""
    local = ", ".join(op.local_cols)
    remote = ", ".join(op.remote_cols)
    return (
        f"add foreign key {op.constraint_name} ({local}) -> "
        f"{op.referent_table}({remote}){not_valid}"
    )


@describe.register
def _create_foreign_key_online(op: OnlineForeignKeyOp) -> str:
    return (
        f"{_create_foreign_key(op)}, in place (MySQL/MariaDB: foreign_key_checks off for "
        "that statement, then one anti-join query checks the existing rows; on a row that "
        "breaks it, the key is dropped again and the upgrade stops)"
    )


@describe.register
def _create_unique_constraint(op: ops.CreateUniqueConstraintOp) -> str:
    return f"add unique constraint {op.constraint_name} ({', '.join(op.columns)})"


@describe.register
def _create_check_constraint(op: ops.CreateCheckConstraintOp) -> str:
    return f"add check constraint {op.constraint_name}"


@describe.register
def _create_primary_key(op: ops.CreatePrimaryKeyOp) -> str:
    return f"add primary key {op.constraint_name} ({', '.join(op.columns)})"


@describe.register
def _drop_constraint(op: ops.DropConstraintOp) -> str:
    return f"drop {op.constraint_type or ''} constraint {op.constraint_name}".replace("  ", " ")


@describe.register
def _create_trigger(op: CreateUpdatedAtTriggerOp) -> str:
    return "create updated_at trigger"


@describe.register
def _drop_trigger(op: DropUpdatedAtTriggerOp) -> str:
    return "drop updated_at trigger"


@describe.register
def _validate(op: ValidateConstraintOp) -> str:
    return f"validate constraint {op.constraint_name}"


@describe.register
def _add_not_null_check(op: AddNotNullCheckOp) -> str:
    return f"add check {op.constraint_name} ({op.column_name} IS NOT NULL) NOT VALID"


@describe.register
def _drop_not_null_check(op: DropNotNullCheckOp) -> str:
    return f"drop check {op.constraint_name} (NOT NULL holds it now)"


@describe.register
def _backfill(op: BackfillOp) -> str:
    return f"backfill {', '.join(op.values)} in batches of {op.batch_size} rows"


@describe.register
def _rename_safely(op: RenameColumnSafelyOp) -> str:
    if op.step == "expand":
        return (
            f"rename {op.old} to {op.new} safely, expand step: add {op.new}, keep it equal to "
            f"{op.old} with a trigger, backfill it in batches of {op.batch_size} rows"
        )
    return f"rename {op.old} to {op.new} safely, contract step: drop the trigger and {op.old}"


@describe.register
def _undo_rename_safely(op: UndoRenameColumnSafelyOp) -> str:
    if op.step == "expand":
        return (
            f"undo the expand step of renaming {op.old} to {op.new}: drop the trigger and {op.new}"
        )
    return (
        f"undo the contract step of renaming {op.old} to {op.new}: add {op.old} back, kept "
        f"equal to {op.new}, backfilled{'' if op.nullable else ', then NOT NULL'}"
    )


@describe.register
def _execute(op: ops.ExecuteSQLOp) -> str:
    sql = " ".join(str(op.sqltext).split())
    return f"execute SQL: {sql[:60]}{'...' if len(sql) > 60 else ''}"


@describe.register
def _bulk_insert(op: ops.BulkInsertOp) -> str:
    return f"insert {len(op.rows)} rows"
