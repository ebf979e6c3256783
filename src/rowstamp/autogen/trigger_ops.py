"""The ``updated_at`` trigger operations: create, drop, ensure, replace.

Each takes ``version`` as a required keyword: it pins the SQL the operation runs,
so a migration keeps doing what it did when rowstamp changes. ``column`` names the
column the trigger sets when a model renamed ``updated_at`` (written only then).
Version 4 also takes ``columns``, the columns whose update fires the trigger (every
column but the one it sets): SQLite's version 4 names them in its SQL, so the
migration must, for offline ``--sql`` and for history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.operations import MigrateOperation, Operations

from rowstamp.engines.ddl import TriggerSpec

__all__ = [
    "COLUMNS_VERSION",
    "DEFAULT_COLUMN",
    "TRIGGER_VERSION",
    "CreateUpdatedAtTriggerOp",
    "DropUpdatedAtTriggerOp",
    "EnsureUpdatedAtTriggerOp",
    "ReplaceUpdatedAtTriggerOp",
]

DEFAULT_COLUMN = "updated_at"

TRIGGER_VERSION = 4
"""The newest trigger form ``[rowstamp] trigger_version`` may ask for. Version 2
leaves ``updated_at`` alone in writes marked untouched (``rowstamp.untouched``);
version 3 keeps that contract in a cheaper form where the engine has one
(PostgreSQL: the check in the trigger's ``WHEN`` clause) and is version 2's trigger
elsewhere; version 4 keeps it cheaper still on SQLite (``AFTER UPDATE OF`` the
columns) and is version 3's trigger elsewhere (``UntouchedSupport.trigger_forms``)."""

COLUMNS_VERSION = 4
"""The version whose operations name the columns that fire the trigger."""

_KNOWN_VERSIONS = frozenset({1, 2, 3, 4})


def _refuse_unknown(version: int) -> None:
    if version not in _KNOWN_VERSIONS:
        from rowstamp.errors import RowstampError

        raise RowstampError(
            f"updated_at trigger version {version} is newer than this rowstamp",
            "upgrade rowstamp to run this migration",
        )


def _pinned_columns(
    table_name: str, version: int, columns: Sequence[str] | None, column: str, keyword: str
) -> tuple[str, ...] | None:
    """``columns`` as the operation keeps them: given for version 4 only, without the
    column the trigger sets (its own update must never fire it)."""
    from rowstamp.errors import RowstampError

    where = f"updated_at trigger of {table_name}, version {version}"
    if (version == COLUMNS_VERSION) != (columns is not None):
        raise RowstampError(
            f"{where}: {keyword}= is {'missing' if columns is None else 'given'}",
            f"give {keyword}=[...] (every column but {column}) with version "
            f"{COLUMNS_VERSION} and only with it",
        )
    if columns is None:
        return None
    if isinstance(columns, str) or not columns or column in columns:
        raise RowstampError(
            f"{where}: {keyword}={columns!r} must list the columns whose update fires it",
            f"list every column of {table_name} but {column}",
        )
    return tuple(columns)


class _UpdatedAtTriggerOp(MigrateOperation):
    def __init__(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        version: int,
        now: str | None = None,
        column: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        _refuse_unknown(version)
        self.table_name = table_name
        self.schema = schema
        self.version = version
        self.now = now
        self.column = None if column == DEFAULT_COLUMN else column
        self.columns = _pinned_columns(
            table_name, version, columns, column or DEFAULT_COLUMN, "columns"
        )

    def spec(self) -> TriggerSpec:
        """The parameters that shape this operation's SQL."""
        return TriggerSpec(
            self.table_name,
            self.schema,
            version=self.version,
            now=self.now,
            column=self.column or DEFAULT_COLUMN,
            columns=self.columns,
        )

    def _kwargs(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "version": self.version,
            "now": self.now,
            "column": self.column,
            "columns": self.columns,
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
        columns: Sequence[str] | None = None,
    ) -> None:
        """Create the ``updated_at`` trigger (and, on PostgreSQL, ``set_updated_at()``)."""
        kwargs: dict[str, Any] = {"now": now, "column": column, "columns": columns}
        operations.invoke(cls(table_name, schema=schema, version=version, **kwargs))

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
        columns: Sequence[str] | None = None,
    ) -> None:
        """Drop the ``updated_at`` trigger; on PostgreSQL also ``set_updated_at()`` if unused."""
        kwargs: dict[str, Any] = {"now": now, "column": column, "columns": columns}
        operations.invoke(cls(table_name, schema=schema, version=version, **kwargs))

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
        columns: Sequence[str] | None = None,
    ) -> None:
        """Create the ``updated_at`` trigger again if a table rebuild dropped it."""
        kwargs: dict[str, Any] = {"now": now, "column": column, "columns": columns}
        operations.invoke(cls(table_name, schema=schema, version=version, **kwargs))

    def reverse(self) -> EnsureUpdatedAtTriggerOp:
        return EnsureUpdatedAtTriggerOp(self.table_name, **self._kwargs())

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("ensure_updated_at_trigger", self.schema, self.table_name)


@Operations.register_operation("replace_updated_at_trigger")
class ReplaceUpdatedAtTriggerOp(_UpdatedAtTriggerOp):
    """Replace a table's ``from_version`` trigger by a ``version`` one: autogenerated when
    alembic.ini's ``[rowstamp] trigger_version`` asks for it, reversed in the downgrade.

    At version 4 on both sides it replaces the columns that fire the trigger
    (``from_columns`` by ``columns``): autogenerate writes it beside the change that
    added, dropped or renamed a column, after that table's other operations.
    """

    def __init__(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        from_version: int,
        version: int,
        now: str | None = None,
        column: str | None = None,
        from_columns: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        _refuse_unknown(from_version)
        kwargs: dict[str, Any] = {"now": now, "column": column, "columns": columns}
        super().__init__(table_name, schema=schema, version=version, **kwargs)
        self.from_version = from_version
        self.from_columns = _pinned_columns(
            table_name, from_version, from_columns, column or DEFAULT_COLUMN, "from_columns"
        )

    @property
    def columns_only(self) -> bool:
        """True for a replacement of the columns alone (the version stays)."""
        return self.from_version == self.version

    def from_spec(self) -> TriggerSpec:
        """The parameters of the trigger this operation replaces."""
        return TriggerSpec(
            self.table_name,
            self.schema,
            version=self.from_version,
            now=self.now,
            column=self.column or DEFAULT_COLUMN,
            columns=self.from_columns,
        )

    @classmethod
    def replace_updated_at_trigger(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        from_version: int,
        version: int,
        now: str | None = None,
        column: str | None = None,
        from_columns: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        """Drop the ``from_version`` trigger and create the ``version`` one."""
        kwargs: dict[str, Any] = {"schema": schema, "now": now, "column": column}
        kwargs.update(from_columns=from_columns, columns=columns)
        operations.invoke(cls(table_name, from_version=from_version, version=version, **kwargs))

    def reverse(self) -> ReplaceUpdatedAtTriggerOp:
        kwargs = {**self._kwargs(), "version": self.from_version, "columns": self.from_columns}
        return ReplaceUpdatedAtTriggerOp(
            self.table_name, from_version=self.version, from_columns=self.columns, **kwargs
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        tail = () if self.columns is None else (self.columns,)
        return ("replace_updated_at_trigger", self.schema, self.table_name, self.version, *tail)
