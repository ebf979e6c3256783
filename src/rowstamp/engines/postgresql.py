"""PostgreSQL: a shared plpgsql function and a ``BEFORE UPDATE`` trigger per table.

Trigger names are scoped to their table, so every table's trigger is called
``update_timestamp``; the function ``set_updated_at()`` lives in the table's
schema and is dropped only when no trigger depends on it any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import Connection, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler, SQLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.ddl import (
    CreateUpdatedAtFunction,
    CreateUpdatedAtTrigger,
    DropUpdatedAtFunction,
    DropUpdatedAtTrigger,
    TriggerSpec,
)
from rowstamp.engines.base import EngineSupport

__all__ = ["PostgreSQLSupport"]

_DIALECT = "postgresql"
_FUNCTION = "set_updated_at"
# Dollar-quote tag for function and DO bodies; identifiers never appear inside it unquoted.
_TAG = "$rowstamp$"

_TABLES_WITH_TRIGGER = text(
    """
    SELECT c.relname
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
    WHERE n.nspname = coalesce(:schema, current_schema())
      AND t.tgname = :trigger
      AND p.proname = :function
      AND NOT t.tgisinternal
    """
)

_CATALOG_OBJECTS = text(
    """
    SELECT c.relkind::text, n.nspname || '.' || c.relname
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
    UNION ALL
    SELECT 'function', n.nspname || '.' || p.proname
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
    UNION ALL
    SELECT 'trigger', c.relname || '.' || t.tgname
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal
    """
)


class PostgreSQLSupport(EngineSupport):
    """PostgreSQL 11 or newer (``EXECUTE FUNCTION``)."""

    name: ClassVar[str] = "PostgreSQL"
    dialects: ClassVar[tuple[str, ...]] = (_DIALECT,)
    identifier_limit: ClassVar[int] = 63
    trigger_name_per_table: ClassVar[bool] = True
    naive_timestamps: ClassVar[bool] = False
    table_name_limit: ClassVar[int | None] = 63
    function_name: ClassVar[str] = _FUNCTION
    """The shared trigger function, named as the guide names it."""

    def utc_now_sql(self, compiler: SQLCompiler, version: int, **kw: Any) -> str:
        # now() is an absolute instant for timestamptz columns, whatever the session
        # TimeZone; being STABLE, it keeps ADD COLUMN ... DEFAULT catalog-only.
        return "now()"

    def create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [CreateUpdatedAtFunction(spec), CreateUpdatedAtTrigger(spec)]

    def drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [DropUpdatedAtTrigger(spec), DropUpdatedAtFunction(spec)]

    def tables_with_trigger(self, connection: Connection, schema: str | None) -> set[str]:
        rows = connection.execute(
            _TABLES_WITH_TRIGGER,
            {"schema": schema, "trigger": self.trigger_prefix, "function": _FUNCTION},
        )
        return {row[0] for row in rows}

    def catalog_objects(self, connection: Connection) -> set[tuple[str, str]]:
        return {(kind, name) for kind, name in connection.execute(_CATALOG_OBJECTS)}


_SUPPORT = PostgreSQLSupport()


def _function(compiler: DDLCompiler, spec: TriggerSpec) -> str:
    name = compiler.preparer.quote(_FUNCTION)
    if spec.schema is not None:
        return f"{compiler.preparer.quote_schema(spec.schema)}.{name}"
    return name


def _table(compiler: DDLCompiler, spec: TriggerSpec) -> str:
    table = compiler.preparer.quote(spec.table_name)
    if spec.schema is not None:
        return f"{compiler.preparer.quote_schema(spec.schema)}.{table}"
    return table


@compiles(CreateUpdatedAtFunction, _DIALECT)
def _create_function(element: CreateUpdatedAtFunction, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    column = compiler.preparer.quote("updated_at")
    now = _SUPPORT.now_sql(compiler.sql_compiler, spec, **kw)
    return (
        f"CREATE OR REPLACE FUNCTION {_function(compiler, spec)}() RETURNS trigger\n"
        f"LANGUAGE plpgsql AS {_TAG}\n"
        "BEGIN\n"
        f"    NEW.{column} := {now};\n"
        "    RETURN NEW;\n"
        "END;\n"
        f"{_TAG}"
    )


@compiles(DropUpdatedAtFunction, _DIALECT)
def _drop_function(element: DropUpdatedAtFunction, compiler: DDLCompiler, **kw: Any) -> str:
    # Other tables' triggers may still use the function: PostgreSQL's dependency
    # tracking refuses the drop then, and the DO block keeps that refusal quiet.
    return (
        f"DO {_TAG}\n"
        "BEGIN\n"
        f"    DROP FUNCTION IF EXISTS {_function(compiler, element.spec)}();\n"
        "EXCEPTION WHEN dependent_objects_still_exist THEN\n"
        "    NULL;\n"
        "END;\n"
        f"{_TAG}"
    )


@compiles(CreateUpdatedAtTrigger, _DIALECT)
def _create_trigger(element: CreateUpdatedAtTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    name = compiler.preparer.quote(_SUPPORT.trigger_name(spec.table_name))
    return (
        f"CREATE TRIGGER {name} BEFORE UPDATE ON {_table(compiler, spec)}\n"
        f"FOR EACH ROW EXECUTE FUNCTION {_function(compiler, spec)}()"
    )


@compiles(DropUpdatedAtTrigger, _DIALECT)
def _drop_trigger(element: DropUpdatedAtTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    name = compiler.preparer.quote(_SUPPORT.trigger_name(spec.table_name))
    return f"DROP TRIGGER IF EXISTS {name} ON {_table(compiler, spec)}"
