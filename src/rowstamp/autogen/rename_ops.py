"""``op.rename_column_safely`` and ``op.undo_rename_column_safely``: a column rename
that the old and the new application both live through.

A rename is two revisions around the application deploy:

- ``step="expand"`` (in an expand revision, before the deploy): add the new column,
  a dual-write trigger that keeps both columns equal whichever the code writes, and
  fill the new column from the old in batches (``op.backfill``);
- ``step="contract"`` (in a contract revision, after the deploy, once no running code
  reads the old column): drop the trigger and the old column.

A downgrade writes the same call as ``op.undo_rename_column_safely``: undoing the
expand step drops the trigger and the new column; undoing the contract step adds the
old column back, with the trigger, fills it from the new one, then gives it back its
``server_default`` and ``NOT NULL`` (``nullable=False``). ``version`` pins the
trigger's SQL, ``type_``, ``nullable`` and ``server_default`` the old column, so a
migration keeps its meaning: their defaults (nullable, no default) are what a file
written before ``nullable`` and ``server_default`` existed got back.
Written by hand: autogenerate sees a rename as a drop and an add.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from alembic.operations import MigrateOperation, Operations
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

from rowstamp.engines.dual_write import DUAL_WRITE_VERSIONS, DualWriteSpec
from rowstamp.errors import RowstampError

__all__ = [
    "RENAME_VERSION",
    "RenameColumnSafelyOp",
    "RenameStep",
    "UndoRenameColumnSafelyOp",
]

RENAME_VERSION = 1
"""The newest dual-write trigger form: write it into new migrations."""

RenameStep = Literal["expand", "contract"]
_STEPS: tuple[RenameStep, ...] = get_args(RenameStep)


class _RenameOp(MigrateOperation):
    def __init__(
        self,
        table_name: str,
        old: str,
        new: str,
        *,
        type_: TypeEngine[Any] | type[TypeEngine[Any]],
        step: RenameStep,
        version: int,
        schema: str | None = None,
        batch_size: int = 1000,
        nullable: bool = True,
        server_default: str | TextClause | None = None,
    ) -> None:
        where = f"op.rename_column_safely of {table_name}.{old}"
        if step not in _STEPS:
            raise RowstampError(
                f"{where} has step={step!r}, which is not a step",
                'write step="expand" (before the deploy) or step="contract" (after it)',
            )
        if version not in DUAL_WRITE_VERSIONS:
            raise RowstampError(
                f"{where}: dual-write trigger version {version} is newer than this rowstamp",
                "upgrade rowstamp to run this migration",
            )
        if old == new:
            raise RowstampError(f"{where} renames it to itself", "give the new column's name")
        self.table_name = table_name
        self.old = old
        self.new = new
        self.type_ = type_() if isinstance(type_, type) else type_
        self.step = step
        self.version = version
        self.schema = schema
        self.batch_size = batch_size
        self.nullable = nullable
        self.server_default = server_default

    def spec(self) -> DualWriteSpec:
        """The parameters that shape the dual-write trigger's SQL."""
        return DualWriteSpec(self.table_name, self.schema, self.old, self.new, version=self.version)

    def _args(self) -> tuple[tuple[str, str, str], dict[str, Any]]:
        kwargs = {
            "type_": self.type_,
            "step": self.step,
            "version": self.version,
            "schema": self.schema,
            "batch_size": self.batch_size,
            "nullable": self.nullable,
            "server_default": self.server_default,
        }
        return (self.table_name, self.old, self.new), kwargs

    def to_diff_tuple(self) -> tuple[Any, ...]:
        name = type(self).__name__.removesuffix("Op")
        return (name, self.step, self.schema, self.table_name, self.old, self.new)


@Operations.register_operation("rename_column_safely")
class RenameColumnSafelyOp(_RenameOp):
    """One step of renaming ``old`` to ``new`` while both applications run."""

    @classmethod
    def rename_column_safely(
        cls,
        operations: Operations,
        table_name: str,
        old: str,
        new: str,
        *,
        type_: TypeEngine[Any] | type[TypeEngine[Any]],
        step: RenameStep,
        version: int,
        schema: str | None = None,
        batch_size: int = 1000,
        nullable: bool = True,
        server_default: str | TextClause | None = None,
    ) -> None:
        """``step="expand"``: add ``new`` (of ``type_``, nullable) with a dual-write
        trigger and fill it from ``old`` in batches of ``batch_size`` rows;
        ``step="contract"``: drop the trigger and ``old`` (``nullable`` and
        ``server_default`` describe it, for the downgrade)."""
        operations.invoke(
            cls(
                table_name,
                old,
                new,
                type_=type_,
                step=step,
                version=version,
                schema=schema,
                batch_size=batch_size,
                nullable=nullable,
                server_default=server_default,
            )
        )

    def reverse(self) -> UndoRenameColumnSafelyOp:
        args, kwargs = self._args()
        return UndoRenameColumnSafelyOp(*args, **kwargs)


@Operations.register_operation("undo_rename_column_safely")
class UndoRenameColumnSafelyOp(_RenameOp):
    """The downgrade of one step of ``op.rename_column_safely``."""

    @classmethod
    def undo_rename_column_safely(
        cls,
        operations: Operations,
        table_name: str,
        old: str,
        new: str,
        *,
        type_: TypeEngine[Any] | type[TypeEngine[Any]],
        step: RenameStep,
        version: int,
        schema: str | None = None,
        batch_size: int = 1000,
        nullable: bool = True,
        server_default: str | TextClause | None = None,
    ) -> None:
        """Undo ``step``: for expand, drop the trigger and ``new``; for contract, add
        ``old`` back with the trigger, fill it from ``new``, then restore its
        ``server_default`` and ``NOT NULL``."""
        operations.invoke(
            cls(
                table_name,
                old,
                new,
                type_=type_,
                step=step,
                version=version,
                schema=schema,
                batch_size=batch_size,
                nullable=nullable,
                server_default=server_default,
            )
        )

    def reverse(self) -> RenameColumnSafelyOp:
        args, kwargs = self._args()
        return RenameColumnSafelyOp(*args, **kwargs)
