"""DDL constructs for database-maintained ``updated_at``.

The constructs only carry names and pinned parameters; each engine module
compiles them (``@compiles``) with the dialect's identifier preparer, so no
table, schema or trigger name is ever formatted into SQL by hand.
"""

from __future__ import annotations

from sqlalchemy.sql.ddl import ExecutableDDLElement

__all__ = [
    "CreateUpdatedAtFunction",
    "CreateUpdatedAtTrigger",
    "DropUpdatedAtFunction",
    "DropUpdatedAtTrigger",
    "TriggerSpec",
]


class TriggerSpec:
    """Everything that shapes the SQL of one table's ``updated_at`` trigger."""

    def __init__(
        self, table_name: str, schema: str | None, *, version: int, now: str | None
    ) -> None:
        self.table_name = table_name
        self.schema = schema
        self.version = version
        self.now = now
        """Explicit engine SQL for "now in UTC" (``DATABASE_TIMESTAMP_UTC``), or None."""


class _TriggerDDL(ExecutableDDLElement):
    inherit_cache = False

    def __init__(self, spec: TriggerSpec) -> None:
        self.spec = spec


class CreateUpdatedAtFunction(_TriggerDDL):
    """Create (or replace with the same pinned body) the shared trigger function."""


class DropUpdatedAtFunction(_TriggerDDL):
    """Drop the shared trigger function once no trigger depends on it."""


class CreateUpdatedAtTrigger(_TriggerDDL):
    """Create the table's ``updated_at`` trigger if it is missing."""


class DropUpdatedAtTrigger(_TriggerDDL):
    """Drop the table's ``updated_at`` trigger if it is present."""
