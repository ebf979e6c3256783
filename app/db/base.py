"""``Base``: every model inheriting it gets the five metadata columns and the
database-maintained ``updated_at`` trigger, with no further configuration."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from rowstamp import NAMING_CONVENTION, MetadataColumns


class Base(MetadataColumns, DeclarativeBase):
    """Declarative base of all tables: ``is_active``, ``is_flagged``, ``notes``,
    ``created_at`` and ``updated_at`` are appended after each model's own columns."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
