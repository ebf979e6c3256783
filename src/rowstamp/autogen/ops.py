"""``op.create_updated_at_trigger`` and ``op.drop_updated_at_trigger``.

Both take ``version`` as a required keyword: it pins the SQL the operation runs,
so a migration keeps doing what it did when rowstamp changes. ``column`` names the
column the trigger sets when a model renamed ``updated_at`` (written only then).
"""

from __future__ import annotations

from typing import Any

from alembic.operations import MigrateOperation, Operations

from rowstamp.engines.ddl import TriggerSpec

__all__ = [
    "TRIGGER_VERSION",
    "CreateUpdatedAtTriggerOp",
    "DropUpdatedAtTriggerOp",
    "EnsureUpdatedAtTriggerOp",
]

DEFAULT_COLUMN = "updated_at"

TRIGGER_VERSION = 1
"""The newest trigger form; autogenerate renders it into new migrations."""

_KNOWN_VERSIONS = frozenset({1})


class _UpdatedAtTriggerOp(MigrateOperation):
    def __init__(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        version: int,
        now: str | None = None,
        column: str | None = None,
    ) -> None:
        if version not in _KNOWN_VERSIONS:
            from rowstamp.errors import RowstampError

            raise RowstampError(
                f"updated_at trigger version {version} is newer than this rowstamp",
                "upgrade rowstamp to run this migration",
            )
        self.table_name = table_name
        self.schema = schema
        self.version = version
        self.now = now
        self.column = None if column == DEFAULT_COLUMN else column

    def spec(self) -> TriggerSpec:
        """The parameters that shape this operation's SQL."""
        return TriggerSpec(
            self.table_name,
            self.schema,
            version=self.version,
            now=self.now,
            column=self.column or DEFAULT_COLUMN,
        )

    def _kwargs(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "version": self.version,
            "now": self.now,
            "column": self.column,
        }


@Operations.register_operation("create_updated_at_trigger")
class CreateUpdatedAtTriggerOp(_UpdatedAtTriggerOp):
    """Give a table the trigger that sets ``updated_at`` to the UTC now on every update."""

    @classmethod
    def create_updated_at_trigger(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        version: int,
        now: str | None = None,
        column: str | None = None,
    ) -> None:
        """Create the ``updated_at`` trigger (and, on PostgreSQL, ``set_updated_at()``)."""
        operations.invoke(cls(table_name, schema=schema, version=version, now=now, column=column))

    def reverse(self) -> DropUpdatedAtTriggerOp:
        return DropUpdatedAtTriggerOp(self.table_name, **self._kwargs())

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_updated_at_trigger", self.schema, self.table_name)


@Operations.register_operation("drop_updated_at_trigger")
class DropUpdatedAtTriggerOp(_UpdatedAtTriggerOp):
    """Remove a table's ``updated_at`` trigger (and the function once unused)."""

    @classmethod
    def drop_updated_at_trigger(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        version: int,
        now: str | None = None,
        column: str | None = None,
    ) -> None:
        """Drop the ``updated_at`` trigger; on PostgreSQL also ``set_updated_at()`` if unused."""
        operations.invoke(cls(table_name, schema=schema, version=version, now=now, column=column))

    def reverse(self) -> CreateUpdatedAtTriggerOp:
        return CreateUpdatedAtTriggerOp(self.table_name, **self._kwargs())

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_updated_at_trigger", self.schema, self.table_name)


@Operations.register_operation("ensure_updated_at_trigger")
class EnsureUpdatedAtTriggerOp(_UpdatedAtTriggerOp):
    """Re-create the trigger where a batch migration rebuilt the table without it.

    SQLite's batch mode copies a table into a new one and drops the old, and its
    triggers with it; autogenerate puts this operation right after such a batch, in
    upgrade and downgrade alike. Engines that alter tables in place need nothing.
    """

    @classmethod
    def ensure_updated_at_trigger(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        version: int,
        now: str | None = None,
        column: str | None = None,
    ) -> None:
        """Create the ``updated_at`` trigger again if a table rebuild dropped it."""
        operations.invoke(cls(table_name, schema=schema, version=version, now=now, column=column))

    def reverse(self) -> EnsureUpdatedAtTriggerOp:
        return EnsureUpdatedAtTriggerOp(self.table_name, **self._kwargs())

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("ensure_updated_at_trigger", self.schema, self.table_name)
