"""SQLite's dual-write trigger of a safe rename: an ``AFTER INSERT`` and an ``AFTER
UPDATE OF`` the two columns, each updating the row by ``rowid`` when the columns
differ (``rowstamp.engines.dual_write`` says what they keep in sync). SQLite cannot
assign to ``NEW``; the ``WHEN`` guard skips rows already in sync, and with recursive
triggers off (SQLite's default) the trigger's own ``UPDATE`` does not fire it again.

One limit: SQLite checks ``NOT NULL`` before an ``AFTER`` trigger runs, so an
``INSERT`` that gives only the new column fails while the old column is ``NOT NULL``
without a default.

Registered when ``rowstamp.engines`` is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.engines.dual_write import (
    CreateDualWriteTrigger,
    DropDualWriteTrigger,
    DualWriteSpec,
    register,
)
from rowstamp.engines.sqlite import SQLiteSupport

__all__: list[str] = []

_DIALECT = "sqlite"
_LIMIT = SQLiteSupport.identifier_limit
_EVENTS = ("insert", "update")


def _trigger(compiler: DDLCompiler, spec: DualWriteSpec, event: str) -> str:
    name = compiler.preparer.quote(spec.name(_LIMIT, event))
    if spec.schema is not None:
        return f"{compiler.preparer.quote_schema(spec.schema)}.{name}"
    return name


@compiles(CreateDualWriteTrigger, _DIALECT)
def _create_trigger(element: CreateDualWriteTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec, event = element.spec, element.event or "update"
    quote = compiler.preparer.quote
    # a trigger body refuses schema-qualified names; the trigger lives in the table's schema
    table, old, new = quote(spec.table_name), quote(spec.old), quote(spec.new)
    if event == "insert":
        on, value = "INSERT", f"coalesce(NEW.{new}, NEW.{old})"
    else:
        on = f"UPDATE OF {old}, {new}"
        value = f"CASE WHEN NEW.{new} IS OLD.{new} THEN NEW.{old} ELSE NEW.{new} END"
    return (
        f"CREATE TRIGGER IF NOT EXISTS {_trigger(compiler, spec, event)}\n"
        f"AFTER {on} ON {table} FOR EACH ROW\n"
        f"WHEN NEW.{new} IS NOT NEW.{old}\n"
        "BEGIN\n"
        f"    UPDATE {table} SET {old} = {value}, {new} = {value} WHERE rowid = NEW.rowid;\n"
        "END"
    )


@compiles(DropDualWriteTrigger, _DIALECT)
def _drop_trigger(element: DropDualWriteTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    return f"DROP TRIGGER IF EXISTS {_trigger(compiler, element.spec, element.event or 'update')}"


def _create(spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    return [CreateDualWriteTrigger(spec, event) for event in _EVENTS]


def _drop(spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    return [DropDualWriteTrigger(spec, event) for event in _EVENTS]


register(SQLiteSupport, _create, _drop)
