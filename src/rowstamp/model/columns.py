"""The guide's five metadata columns, as a declarative mixin.

``sort_order`` puts them after the model's own columns. ``updated_at`` carries
``info[UPDATED_AT_MARK]``: that mark on the model is what tells autogenerate the
table wants the database-maintained trigger (intent lives on the model, not in a
registry).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, FetchedValue, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Constraint, Table

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


def _constraint_name(constraint: Constraint, table: Table) -> str:
    """``%(constraint_name)s``: the name given, else the names of the columns the
    constraint uses, else a short hash of its SQL. SQLAlchemy's own token refuses an
    unnamed constraint, so a model with an unnamed ``CheckConstraint`` or a
    ``Boolean(create_constraint=True)`` (which real projects have) could not even be
    imported."""
    if isinstance(constraint.name, str):  # SQLAlchemy's "no name" marker is not a str
        return constraint.name
    columns = [str(column.name) for column in getattr(constraint, "columns", ())]
    if columns:
        return "_".join(columns)
    sql = " ".join(str(getattr(constraint, "sqltext", "")).split())
    return hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:8]


NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "constraint_name": _constraint_name,
}
"""Deterministic constraint and index names, so autogenerate can compare and drop them.
An explicit CHECK name gets the ``ck_<table>_`` prefix; ``conv("name")`` keeps it as is.
Revisions up to ``[rowstamp] baseline`` run without it (``rowstamp.history.baseline``)."""

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
