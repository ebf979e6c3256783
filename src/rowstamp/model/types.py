"""``UTCDateTime``: timestamps that are UTC in the database and aware in Python."""

from __future__ import annotations

from datetime import UTC, datetime
from operator import methodcaller
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["UTCDateTime", "portable_timestamp_type"]


def portable_timestamp_type() -> TypeEngine[datetime]:
    """The column type migrations pin: zone-aware where the engine has it, with each
    engine module's own type where that is not enough (MySQL's microseconds)."""
    from rowstamp.engines import type_variants

    portable = DateTime(timezone=True)
    for variant, dialects in type_variants(methodcaller("timestamp_type")):
        portable = portable.with_variant(variant, *dialects)
    return portable


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column whose values are always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz`` and returns it in the session's ``TimeZone``;
    SQLite and MySQL store zone-less UTC wall time. Either way Python gets UTC.
    Naive datetimes written to it are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # this dialect's form only: every engine's variants (portable_timestamp_type)
        # would import the MySQL dialect package on every run on any engine
        return dialect.type_descriptor(_timestamp_type(dialect))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if _naive(dialect) else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp_type(dialect: Dialect) -> TypeEngine[datetime]:
    """What ``portable_timestamp_type()`` resolves to on ``dialect``."""
    from rowstamp.engines import for_dialect
    from rowstamp.errors import UnsupportedEngineError

    try:
        own = for_dialect(dialect).timestamp_type()
    except UnsupportedEngineError:  # compiled for an engine rowstamp does not run on
        own = None
    return own if own is not None else DateTime(timezone=True)


def _naive(dialect: Dialect) -> bool:
    from rowstamp.engines import for_dialect

    return for_dialect(dialect).naive_timestamps
