"""Engines whose ``ALTER TABLE`` may copy the whole table, and the size of a table.

An engine module that can tell which operations rebuild a table row by row, and
blocking writes while it does, implements ``CopiesTables``; the others do not, and
``rowstamp lint`` then has nothing to say about copies on them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from alembic.operations import MigrateOperation
from sqlalchemy import Connection

if TYPE_CHECKING:
    from rowstamp.engines.mysql_online import Online

__all__ = ["CopiesTables", "PinsAlgorithms", "TableSize"]


@dataclass(frozen=True)
class TableSize:
    """A table's size as the catalog estimates it (InnoDB's row count is an estimate)."""

    rows: int
    data_bytes: int

    def __str__(self) -> str:
        size, unit = float(self.data_bytes), "B"
        for bigger in ("KB", "MB", "GB", "TB"):
            if size < 1024:
                break
            size, unit = size / 1024, bigger
        shown = f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        return f"~{self.rows:,} rows, {shown}"


@runtime_checkable
class CopiesTables(Protocol):
    """An engine on which some ``ALTER TABLE`` statements copy the table."""

    name: str

    def table_copy(self, op: MigrateOperation) -> str | None:
        """Why ``op`` copies its (existing) table; None: it changes it in place."""

    def table_sizes(self, connection: Connection, tables: Collection[str]) -> dict[str, TableSize]:
        """The size of each of ``tables`` (``schema.table`` or ``table``) that exists."""


@runtime_checkable
class PinsAlgorithms(Protocol):
    """An engine on which autogenerate pins how an ``ALTER TABLE`` of an existing table
    runs (``op.online_alter``), so that it fails instead of copying the table."""

    def online_form(self, op: MigrateOperation) -> Online | None:
        """The clause ``op`` runs with; None: leave it plain."""
