"""The guide's five metadata columns, as a declarative mixin.

``sort_order`` puts them after the model's own columns. ``updated_at`` carries
``info[UPDATED_AT_MARK]``: that mark on the model is what tells autogenerate the
table wants the database-maintained trigger (intent lives on the model, not in a
registry).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, FetchedValue, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Table

from rowstamp.model.types import UTCDateTime
from rowstamp.sql import utc_now

__all__ = [
    "METADATA_COLUMNS",
    "NAMING_CONVENTION",
    "UPDATED_AT_MARK",
    "MetadataColumns",
    "wants_updated_at_trigger",
]

UPDATED_AT_MARK = "rowstamp.updated_at"
"""``Column.info`` key marking the column the database keeps at the last update time."""

METADATA_COLUMNS = ("is_active", "is_flagged", "notes", "created_at", "updated_at")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint and index names, so autogenerate can compare and drop them."""

_AFTER_MODEL_COLUMNS = 10_000


class MetadataColumns:
    """Soft-delete flag, general flag, notes, and database-maintained UTC timestamps."""

    is_active: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=true(),
        index=True,
        sort_order=_AFTER_MODEL_COLUMNS,
    )
    is_flagged: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=false(),
        index=True,
        sort_order=_AFTER_MODEL_COLUMNS,
    )
    notes: Mapped[str | None] = mapped_column(Text, nullable=True, sort_order=_AFTER_MODEL_COLUMNS)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        nullable=False,
        server_default=utc_now(),
        index=True,
        sort_order=_AFTER_MODEL_COLUMNS,
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        nullable=False,
        server_default=utc_now(),
        server_onupdate=FetchedValue(),
        info={UPDATED_AT_MARK: True},
        sort_order=_AFTER_MODEL_COLUMNS,
    )


def wants_updated_at_trigger(table: Table) -> bool:
    """True when the model behind ``table`` asks for the ``updated_at`` trigger."""
    column = table.columns.get("updated_at")
    return column is not None and bool(column.info.get(UPDATED_AT_MARK))
