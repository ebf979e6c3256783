"""PostgreSQL's ``moddatetime`` trigger (contrib, C): the ``trigger_function`` option.

``CREATE EXTENSION moddatetime`` needs a superuser (or a hosted service's admin
role): the extension is not marked ``trusted`` (PostgreSQL 15's control file), so
rowstamp never installs it; it checks that the function is there and says so in
one line when it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.engines.ddl import DropUpdatedAtTrigger, TriggerSpec
from rowstamp.engines.moddatetime import C_FUNCTION, CTriggerSupport
from rowstamp.errors import RowstampError

__all__ = ["CreateCTrigger", "PostgreSQLCTrigger"]

_INSTALLED = text(f"SELECT to_regprocedure('{C_FUNCTION}()') IS NOT NULL")


class CreateCTrigger(ExecutableDDLElement):
    """The table's ``update_timestamp`` trigger calling ``moddatetime('<column>')``."""

    inherit_cache = False

    def __init__(self, spec: TriggerSpec) -> None:
        self.spec = spec


class PostgreSQLCTrigger(CTriggerSupport):
    def c_create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [CreateCTrigger(spec)]

    def c_drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [DropUpdatedAtTrigger(spec)]

    def check_c_function(self, connection: Connection) -> None:
        if not connection.execute(_INSTALLED).scalar():
            raise RowstampError(
                f"the {C_FUNCTION} trigger function is not installed in this database",
                f"have a superuser run CREATE EXTENSION {C_FUNCTION}, or remove "
                "[rowstamp] trigger_function from alembic.ini",
            )


@compiles(CreateCTrigger, "postgresql")
def _create(element: CreateCTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    from rowstamp.engines.postgresql import trigger_table_and_name

    spec = element.spec
    table, name = trigger_table_and_name(compiler, spec)
    column = spec.column.replace("'", "''")  # a string argument: the exact column name
    return (
        f"CREATE TRIGGER {name} BEFORE UPDATE ON {table}\n"
        f"FOR EACH ROW EXECUTE FUNCTION {C_FUNCTION}('{column}')"
    )
