"""MySQL's and MariaDB's dual-write trigger of a safe rename: a ``BEFORE INSERT`` and a
``BEFORE UPDATE`` trigger of one ``SET`` each (``rowstamp.engines.dual_write`` says what
they keep in sync). One statement, no ``BEGIN ... END``, so ``--sql`` output runs in
the ``mysql`` client without a ``DELIMITER``. The assignments of one ``SET`` run left
to right: the second reads the old column as the first left it.

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
from rowstamp.engines.mysql import MariaDBSupport, MySQLSupport

__all__: list[str] = []

_LIMIT = MySQLSupport.identifier_limit
_EVENTS = ("insert", "update")


def _qualified(compiler: DDLCompiler, name: str, schema: str | None) -> str:
    quoted = compiler.preparer.quote(name)
    if schema is not None:
        return f"{compiler.preparer.quote_schema(schema)}.{quoted}"
    return quoted


def _create_trigger(element: CreateDualWriteTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec, event = element.spec, element.event or "update"
    old, new = compiler.preparer.quote(spec.old), compiler.preparer.quote(spec.new)
    # the new column wins when this write gave it a value, else the old one's is copied
    new_written = f"NEW.{new} IS NULL" if event == "insert" else f"NEW.{new} <=> OLD.{new}"
    trigger = _qualified(compiler, spec.name(_LIMIT, event), spec.schema)
    return (
        f"CREATE TRIGGER IF NOT EXISTS {trigger}\n"
        f"BEFORE {event.upper()} ON {_qualified(compiler, spec.table_name, spec.schema)}\n"
        f"FOR EACH ROW SET NEW.{old} = IF({new_written}, NEW.{old}, NEW.{new}),"
        f" NEW.{new} = NEW.{old}"
    )


def _drop_trigger(element: DropDualWriteTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec, event = element.spec, element.event or "update"
    return f"DROP TRIGGER IF EXISTS {_qualified(compiler, spec.name(_LIMIT, event), spec.schema)}"


def _create(spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    return [CreateDualWriteTrigger(spec, event) for event in _EVENTS]


def _drop(spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    return [DropDualWriteTrigger(spec, event) for event in _EVENTS]


for _dialect in MySQLSupport.dialects + MariaDBSupport.dialects:
    compiles(CreateDualWriteTrigger, _dialect)(_create_trigger)
    compiles(DropDualWriteTrigger, _dialect)(_drop_trigger)
register(MySQLSupport, _create, _drop)
