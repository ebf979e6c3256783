"""One readable line per Alembic operation, and the table it belongs to.

Shared by ``rowstamp review`` (operations read from a file) and ``rowstamp check``
(operations autogenerate would write), so both speak the same words.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column, Constraint, ForeignKeyConstraint, Index
from sqlalchemy.dialects import postgresql

from rowstamp.autogen.ops import CreateUpdatedAtTriggerOp, DropUpdatedAtTriggerOp

__all__ = ["describe", "flatten", "table_of"]

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


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
    name: Any = getattr(op, "table_name", None)
    if name is None:
        return None
    schema = getattr(op, "schema", None)
    return f"{schema}.{name}" if schema else str(name)


def _type(type_: Any) -> str:
    try:
        return str(type_.compile(dialect=_DIALECT))
    except Exception:  # a type PostgreSQL cannot compile (e.g. a SQLite-only type)
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


def _create_index(op: ops.CreateIndexOp) -> str:
    kind = "unique index" if op.unique else "index"
    columns = ", ".join(str(getattr(c, "name", c)) for c in op.columns)
    concurrently = " concurrently" if op.kw.get("postgresql_concurrently") else ""
    return f"create {kind} {op.index_name} ({columns}){concurrently}"


def _add_constraint(op: ops.MigrateOperation) -> str:
    if isinstance(op, ops.CreateForeignKeyOp):
        not_valid = " NOT VALID" if op.kw.get("postgresql_not_valid") else ""
        local = ", ".join(op.local_cols)
        remote = ", ".join(op.remote_cols)
        return (
            f"add foreign key {op.constraint_name} ({local}) -> "
            f"{op.referent_table}({remote}){not_valid}"
        )
    if isinstance(op, ops.CreateUniqueConstraintOp):
        return f"add unique constraint {op.constraint_name} ({', '.join(op.columns)})"
    if isinstance(op, ops.CreateCheckConstraintOp):
        return f"add check constraint {op.constraint_name}"
    if isinstance(op, ops.CreatePrimaryKeyOp):
        return f"add primary key {op.constraint_name} ({', '.join(op.columns)})"
    constraint = getattr(op, "constraint", None)
    if isinstance(constraint, ForeignKeyConstraint):
        return f"add foreign key {constraint.name} ({_columns(constraint)})"
    return f"add constraint {getattr(op, 'constraint_name', '')}".rstrip()


def describe(op: ops.MigrateOperation) -> str:
    """What the operation does, in a few words, without the table name."""
    if isinstance(op, ops.CreateTableOp):
        columns = sum(isinstance(c, Column) for c in op.columns)
        return f"create table ({columns} columns)"
    if isinstance(op, ops.DropTableOp):
        return "drop table"
    if isinstance(op, ops.RenameTableOp):
        return f"rename table to {op.new_table_name}"
    if isinstance(op, ops.AddColumnOp):
        return f"add column {_column(op.column)}"
    if isinstance(op, ops.DropColumnOp):
        return f"drop column {op.column_name}"
    if isinstance(op, ops.AlterColumnOp):
        return _alter(op)
    if isinstance(op, ops.CreateIndexOp):
        return _create_index(op)
    if isinstance(op, ops.DropIndexOp):
        return f"drop index {op.index_name}"
    if isinstance(op, ops.AddConstraintOp):
        return _add_constraint(op)
    if isinstance(op, ops.DropConstraintOp):
        return f"drop {op.constraint_type or ''} constraint {op.constraint_name}".replace("  ", " ")
    if isinstance(op, CreateUpdatedAtTriggerOp):
        return "create updated_at trigger"
    if isinstance(op, DropUpdatedAtTriggerOp):
        return "drop updated_at trigger"
    if isinstance(op, ops.ExecuteSQLOp):
        sql = " ".join(str(op.sqltext).split())
        return f"execute SQL: {sql[:60]}{'...' if len(sql) > 60 else ''}"
    if isinstance(op, ops.BulkInsertOp):
        return f"insert {len(op.rows)} rows"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(op).__name__.removesuffix("Op"))
    return words.lower()
