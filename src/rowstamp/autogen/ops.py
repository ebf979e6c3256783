"""rowstamp's operations: the trigger operations (``autogen.trigger_ops``, imported from
here too), ``op.add_columns``, ``op.backfill``, and the containers autogenerate writes.

Each pinned operation takes ``version`` as a required keyword: it pins the SQL the
operation runs, so a migration keeps doing what it did when rowstamp changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alembic.operations import MigrateOperation, Operations, ops
from sqlalchemy import Column

from rowstamp.autogen.trigger_ops import (
    COLUMNS_VERSION,
    DEFAULT_COLUMN,
    TRIGGER_VERSION,
    CreateUpdatedAtTriggerOp,
    DropUpdatedAtTriggerOp,
    EnsureUpdatedAtTriggerOp,
    ReplaceUpdatedAtTriggerOp,
)
from rowstamp.autogen.trigger_ops import _UpdatedAtTriggerOp as _UpdatedAtTriggerOp

__all__ = [
    "ADD_COLUMNS_VERSION",
    "COLUMNS_VERSION",
    "DEFAULT_COLUMN",
    "TRIGGER_VERSION",
    "AddColumnsOp",
    "BackfillOp",
    "ConcurrentIndexesOp",
    "CreateUpdatedAtTriggerOp",
    "DropUpdatedAtTriggerOp",
    "EnsureUpdatedAtTriggerOp",
    "FillNullsOp",
    "ReplaceUpdatedAtTriggerOp",
    "TopLevelOps",
]

ADD_COLUMNS_VERSION = 1
"""The newest form of ``op.add_columns``; autogenerate renders it into new migrations."""


@Operations.register_operation("add_columns")
class AddColumnsOp(ops.OpContainer):
    """Add columns to a table that may hold rows, keeping everything else it has.

    Every engine but SQLite adds them in place. SQLite cannot add a column whose
    default is an expression to a table with rows, and Alembic's batch rebuild drops
    what reflection does not see (unnamed CHECKs, the table's triggers, generated
    columns, expression indexes); rowstamp's SQLite rebuild keeps the table's own SQL.
    Its ``ops`` are the ``AddColumnOp`` of each column, so a review reads them as such.
    """

    def __init__(
        self,
        table_name: str,
        columns: list[Column[Any]],
        *,
        schema: str | None = None,
        version: int,
    ) -> None:
        if version != ADD_COLUMNS_VERSION:
            from rowstamp.errors import RowstampError

            raise RowstampError(
                f"add_columns version {version} is newer than this rowstamp",
                "upgrade rowstamp to run this migration",
            )
        super().__init__([ops.AddColumnOp(table_name, c, schema=schema) for c in columns])
        self.table_name = table_name
        self.schema = schema
        self.version = version

    @property
    def columns(self) -> list[Column[Any]]:
        return [op.column for op in self.ops if isinstance(op, ops.AddColumnOp)]

    @classmethod
    def add_columns(
        cls,
        operations: Operations,
        table_name: str,
        columns: list[Column[Any]],
        *,
        schema: str | None = None,
        version: int,
    ) -> None:
        """Add ``columns`` to ``table_name``; on SQLite, rebuild it keeping its own SQL."""
        operations.invoke(cls(table_name, columns, schema=schema, version=version))

    def reverse(self) -> TopLevelOps:
        """Each column's ``drop_column`` outside a batch block: SQLite drops a column in
        place (3.35+), where a batch block would rebuild the table and lose what it has."""
        return TopLevelOps([op.reverse() for op in reversed(self.ops)])

    def to_diff_tuple(self) -> tuple[Any, ...]:
        names = tuple(c.name for c in self.columns)
        return ("add_columns", self.schema, self.table_name, names)


class TopLevelOps(ops.OpContainer):
    """Alembic operations written one by one outside any batch block (only
    autogenerate builds this container; the migration holds the plain operations)."""

    def reverse(self) -> TopLevelOps:
        return TopLevelOps([op.reverse() for op in reversed(self.ops)])


class ConcurrentIndexesOp(ops.OpContainer):
    """``create_index`` operations on existing tables, written inside
    ``op.get_context().autocommit_block()`` with ``postgresql_concurrently=True``, so
    PostgreSQL builds them without blocking writes (only autogenerate builds this)."""

    def __init__(self, indexes: list[ops.CreateIndexOp]) -> None:
        for index in indexes:
            index.kw["postgresql_concurrently"] = True
        super().__init__(list(indexes))

    def reverse(self) -> TopLevelOps:
        """Plain ``drop_index``: CONCURRENTLY would fail inside the downgrade's transaction."""
        drops = [op.reverse() for op in reversed(self.ops) if isinstance(op, ops.CreateIndexOp)]
        for drop in drops:
            drop.kw.pop("postgresql_concurrently", None)
        return TopLevelOps(list(drops))


class FillNullsOp(ops.OpContainer):
    """``UPDATE table SET column = <its server default> WHERE column IS NULL``, written
    before the ``alter_column`` that makes an existing column NOT NULL (only autogenerate
    builds this; the migration holds ``op.execute`` of the update). A container of no
    operations: ``alembic check`` and the review see the ``alter_column`` as the change."""

    def __init__(
        self, table_name: str, column_name: str, default: Any, *, schema: str | None = None
    ) -> None:
        super().__init__([])
        self.table_name = table_name
        self.column_name = column_name
        self.default = default
        self.schema = schema

    def reverse(self) -> TopLevelOps:
        """Nothing: the rows keep their values, which the column allows again."""
        return TopLevelOps([])


@Operations.register_operation("backfill")
class BackfillOp(MigrateOperation):
    """Set ``values`` on the rows of a table that match ``where``, in batches of
    ``batch_size`` rows along the primary key, each batch its own short transaction,
    outside the revision's transaction, resumable (``rowstamp.runtime.backfill``).
    Written by hand only: autogenerate cannot know what a column should be filled with."""

    def __init__(
        self,
        table_name: str,
        values: Mapping[str, Any],
        *,
        where: Any = None,
        schema: str | None = None,
        batch_size: int = 1000,
        sleep_between_batches: float = 0,
        max_replication_lag: Callable[[], float] | None = None,
        replication_lag_limit: float = 1.0,
        touch: bool = True,
    ) -> None:
        from rowstamp.errors import RowstampError

        if not values:
            raise RowstampError(
                f"op.backfill of {table_name} sets no column",
                "give values={'column': value, ...}",
            )
        if batch_size < 1:
            raise RowstampError(
                f"op.backfill of {table_name} has batch_size={batch_size}",
                "give a batch_size of 1 or more (1000 is a good start)",
            )
        self.table_name = table_name
        self.values = dict(values)
        self.where = where
        self.schema = schema
        self.batch_size = batch_size
        self.sleep_between_batches = sleep_between_batches
        self.max_replication_lag = max_replication_lag
        self.replication_lag_limit = replication_lag_limit
        self.touch = touch

    @classmethod
    def backfill(
        cls,
        operations: Operations,
        table_name: str,
        *,
        values: Mapping[str, Any],
        where: Any = None,
        schema: str | None = None,
        batch_size: int = 1000,
        sleep_between_batches: float = 0,
        max_replication_lag: Callable[[], float] | None = None,
        replication_lag_limit: float = 1.0,
        touch: bool = True,
    ) -> None:
        """Fill ``values`` into ``table_name`` in batches along its primary key.

        ``where`` (SQL text or an expression) picks the rows; ``max_replication_lag``
        is a callable returning the replicas' lag in seconds: no batch starts while it
        is above ``replication_lag_limit``. ``touch=False`` leaves ``updated_at`` as it
        was (the table's trigger must be version 2).
        """
        operations.invoke(
            cls(
                table_name,
                values,
                where=where,
                schema=schema,
                batch_size=batch_size,
                sleep_between_batches=sleep_between_batches,
                max_replication_lag=max_replication_lag,
                replication_lag_limit=replication_lag_limit,
                touch=touch,
            )
        )

    def reverse(self) -> TopLevelOps:
        """Nothing: the rows keep the values, as the columns allow them either way."""
        return TopLevelOps([])

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("backfill", self.schema, self.table_name, tuple(self.values))
