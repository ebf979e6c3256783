"""PostgreSQL's dual-write trigger of a safe rename: one ``BEFORE INSERT OR UPDATE``
trigger and its plpgsql function (``rowstamp.engines.dual_write`` says what it keeps
in sync). ``UPDATE OF`` the two columns: an update of other columns does not fire it.

Registered when ``rowstamp.engines`` is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.engines.dual_write import (
    CreateDualWriteFunction,
    CreateDualWriteTrigger,
    DropDualWriteFunction,
    DropDualWriteTrigger,
    DualWriteSpec,
    register,
)
from rowstamp.engines.postgresql import PostgreSQLSupport

__all__: list[str] = []

_DIALECT = "postgresql"
_TAG = "$rowstamp$"
_LIMIT = PostgreSQLSupport.identifier_limit


def _qualified(compiler: DDLCompiler, name: str, schema: str | None) -> str:
    quoted = compiler.preparer.quote(name)
    if schema is not None:
        return f"{compiler.preparer.quote_schema(schema)}.{quoted}"
    return quoted


def _function(compiler: DDLCompiler, spec: DualWriteSpec) -> str:
    return _qualified(compiler, spec.name(_LIMIT), spec.schema)


@compiles(CreateDualWriteFunction, _DIALECT)
def _create_function(element: CreateDualWriteFunction, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    old, new = compiler.preparer.quote(spec.old), compiler.preparer.quote(spec.new)
    return (
        f"CREATE OR REPLACE FUNCTION {_function(compiler, spec)}() RETURNS trigger\n"
        f"LANGUAGE plpgsql AS {_TAG}\n"
        "BEGIN\n"
        f"    IF (TG_OP = 'INSERT' AND NEW.{new} IS NULL)\n"
        f"        OR (TG_OP = 'UPDATE' AND NEW.{new} IS NOT DISTINCT FROM OLD.{new}) THEN\n"
        f"        NEW.{new} := NEW.{old};\n"
        "    ELSE\n"
        f"        NEW.{old} := NEW.{new};\n"
        "    END IF;\n"
        "    RETURN NEW;\n"
        "END;\n"
        f"{_TAG}"
    )


@compiles(DropDualWriteFunction, _DIALECT)
def _drop_function(element: DropDualWriteFunction, compiler: DDLCompiler, **kw: Any) -> str:
    return f"DROP FUNCTION IF EXISTS {_function(compiler, element.spec)}()"


@compiles(CreateDualWriteTrigger, _DIALECT)
def _create_trigger(element: CreateDualWriteTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    quote = compiler.preparer.quote
    return (
        f"CREATE TRIGGER {quote(spec.name(_LIMIT))}\n"
        f"BEFORE INSERT OR UPDATE OF {quote(spec.old)}, {quote(spec.new)}"
        f" ON {_qualified(compiler, spec.table_name, spec.schema)}\n"
        f"FOR EACH ROW EXECUTE FUNCTION {_function(compiler, spec)}()"
    )


@compiles(DropDualWriteTrigger, _DIALECT)
def _drop_trigger(element: DropDualWriteTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    table = _qualified(compiler, spec.table_name, spec.schema)
    return f"DROP TRIGGER IF EXISTS {compiler.preparer.quote(spec.name(_LIMIT))} ON {table}"


def _create(spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    # DROP, then CREATE: a resumed expand step finds it there (OR REPLACE needs 14+)
    return [CreateDualWriteFunction(spec), DropDualWriteTrigger(spec), CreateDualWriteTrigger(spec)]


def _drop(spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    return [DropDualWriteTrigger(spec), DropDualWriteFunction(spec)]


register(PostgreSQLSupport, _create, _drop)
