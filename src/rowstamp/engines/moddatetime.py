"""The C trigger option: ``[rowstamp] trigger_function = moddatetime``.

PostgreSQL's contrib function ``moddatetime(column)`` sets the column to the
current time in C, without a PL/pgSQL call per row. It writes the session's
"now", which is an absolute instant for rowstamp's ``timestamptz`` columns, so the
UTC contract holds. Only an engine that has it says so (``CTriggerSupport``); on
every other engine the option means rowstamp's version 1 trigger, so a migration
written with it stays portable. A table with it reads as version 1 (it cannot
read the untouched mark, so ``touch=False`` refuses it like a version 1 trigger).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.engines.base import EngineSupport
from rowstamp.engines.ddl import TriggerSpec

__all__ = ["C_FUNCTION", "CTriggerSupport", "c_create_statements", "c_drop_statements"]

C_FUNCTION = "moddatetime"
"""The only C trigger function rowstamp offers; its value in alembic.ini."""


class CTriggerSupport:
    """An engine with the contrib ``moddatetime`` trigger function."""

    def c_create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        """The table's trigger calling ``moddatetime(<column>)``."""
        raise NotImplementedError

    def c_drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        """Drop that trigger; the extension's function stays (it is not rowstamp's)."""
        raise NotImplementedError

    def check_c_function(self, connection: Connection) -> None:
        """Refuse in one line when the extension is not installed here."""
        raise NotImplementedError


def _v1(spec: TriggerSpec) -> TriggerSpec:
    return TriggerSpec(spec.table_name, spec.schema, version=1, now=None, column=spec.column)


def c_create_statements(
    support: EngineSupport, spec: TriggerSpec, connection: Connection | None
) -> Sequence[ExecutableDDLElement]:
    """The C trigger where the engine has one (checked online), else version 1's."""
    if not isinstance(support, CTriggerSupport):
        return support.create_statements(_v1(spec))
    if connection is not None:
        support.check_c_function(connection)
    return support.c_create_statements(spec)


def c_drop_statements(support: EngineSupport, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
    if not isinstance(support, CTriggerSupport):
        return support.drop_statements(_v1(spec))
    return support.c_drop_statements(spec)
