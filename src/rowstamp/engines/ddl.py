"""DDL constructs for database-maintained ``updated_at``, and the partial-index form.

The constructs only carry names and pinned parameters; each engine module
compiles them (``@compiles``) with the dialect's identifier preparer, so no
table, schema or trigger name is ever formatted into SQL by hand.

A unique-among-active index needs no construct of its own: it is an ``Index``
with the partial-index arguments below, which engines without partial indexes
recognise (``filters_on_active``) and compile their own way.
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.compat import explicit_dialect_options

__all__ = [
    "ACTIVE_FLAG",
    "PARTIAL_INDEX_DIALECTS",
    "CreateUpdatedAtFunction",
    "CreateUpdatedAtTrigger",
    "DropUpdatedAtFunction",
    "DropUpdatedAtTrigger",
    "TriggerSpec",
    "filters_on_active",
]

ACTIVE_FLAG = "is_active"
"""The soft-delete flag: a unique-among-active index counts only rows where it is true."""

PARTIAL_INDEX_DIALECTS = ("postgresql", "sqlite")
"""The dialects whose ``<dialect>_where=`` a unique-among-active index carries (the engines
with partial indexes). Fixed: migrations written with these arguments are history."""


def filters_on_active(index: Index) -> bool:
    """True for an index whose partial-index predicate is exactly ``is_active``.

    Read from the ``postgresql_where``/``sqlite_where`` a migration carries, so an
    ``op.create_index`` written by hand with those arguments counts too, and so does
    a migration's ``op.drop_index()``, which carries them but not ``unique=True``.
    """
    for dialect in PARTIAL_INDEX_DIALECTS:
        where = explicit_dialect_options(index, dialect).get("where")
        if where is not None and str(where).strip() == ACTIVE_FLAG:
            return True
    return False


class TriggerSpec:
    """Everything that shapes the SQL of one table's ``updated_at`` trigger."""

    def __init__(
        self,
        table_name: str,
        schema: str | None,
        *,
        version: int,
        now: str | None,
        column: str = "updated_at",
        columns: tuple[str, ...] | None = None,
    ) -> None:
        self.table_name = table_name
        self.schema = schema
        self.version = version
        self.now = now
        """Explicit engine SQL for "now in UTC" (``DATABASE_TIMESTAMP_UTC``), or None."""
        self.column = column
        """The column the trigger sets: ``updated_at``, or the name a model gave it."""
        self.columns = columns
        """Version 4: the columns whose update fires the trigger (every one but
        ``column``); None for the versions that fire on any update."""


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
