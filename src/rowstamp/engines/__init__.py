"""The engine registry: one module per database engine, looked up by dialect name.

Everything rowstamp knows about an engine lives in this folder, as class attributes
and methods of its ``EngineSupport`` (``base``): ``postgresql``, ``sqlite`` and
``mysql`` (MariaDB as a subclass). Beside them: ``ddl`` (the engine-neutral
constructs they compile), ``mysql_ddl`` (MySQL's ``@compiles``), the
``*_alembic`` modules (Alembic's DDL implementations, corrected; they import
Alembic, so only ``rowstamp.autogen.impl`` loads them; ``postgresql_safe``: the lock
retries PostgreSQL's impl runs, and its safe DDL statements), ``catalog`` and the
``*_catalog`` modules (each engine's catalog queries for the migration checks) and
``tools`` (the client tools backups run), ``copies`` (engines whose ALTER may copy a
table, and ``mysql_copies``: which operations do on MySQL/MariaDB), ``dual_write`` and
the ``*_dual_write`` modules (the trigger of ``op.rename_column_safely``). Features ask this
registry (``for_dialect``) instead of comparing dialect names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy.engine import URL, Dialect
from sqlalchemy.types import TypeEngine

import rowstamp.engines.mysql_ddl  # registers MySQL's and MariaDB's @compiles
import rowstamp.engines.mysql_dual_write
import rowstamp.engines.postgresql_dual_write
import rowstamp.engines.sqlite_dual_write  # noqa: F401 - a safe rename's trigger, per engine
from rowstamp.engines.base import EngineSupport, bounded_name
from rowstamp.engines.mysql import MariaDBSupport, MySQLSupport
from rowstamp.engines.postgresql import PostgreSQLSupport
from rowstamp.engines.sqlite import SQLiteSupport
from rowstamp.errors import UnsupportedEngineError

__all__ = [
    "EngineSupport",
    "bounded_name",
    "check_table_name",
    "dialects_without_partial_indexes",
    "for_dialect",
    "for_name",
    "neutral_dialect",
    "portable_identifier_limit",
    "supported_engines",
    "type_variants",
]

_REGISTRY: dict[str, EngineSupport] = {}
for _support in (PostgreSQLSupport(), SQLiteSupport(), MySQLSupport(), MariaDBSupport()):
    for _dialect in _support.dialects:
        _REGISTRY[_dialect] = _support


def supported_engines() -> list[str]:
    """Dialect names rowstamp supports, for messages."""
    return sorted(_REGISTRY)


def for_name(dialect_name: str) -> EngineSupport:
    """The engine module for a SQLAlchemy dialect name, or a one-line error."""
    try:
        return _REGISTRY[dialect_name]
    except KeyError:
        raise UnsupportedEngineError(
            f"database engine {dialect_name!r} is not supported by rowstamp",
            f"use one of: {', '.join(supported_engines())}",
        ) from None


def for_dialect(dialect: Dialect) -> EngineSupport:
    """The engine module for a SQLAlchemy dialect."""
    return for_name(dialect.name)


@cache
def neutral_dialect() -> Dialect:
    """The dialect rowstamp shows migrations in when no database is at hand: ``review``
    and ``check`` describe types in it, the reader replays migration files in it, and
    ``lint`` hands its offline SQL to squawk, which reads PostgreSQL only. PostgreSQL:
    its SQL shows every lock and validation a migration takes."""
    return URL.create("postgresql").get_dialect()()


def check_table_name(table_name: str) -> None:
    """Refuse a table name any supported engine would truncate or refuse: a migration
    written on one engine must run on every other (``IdentifierError`` names the engine)."""
    for support in dict.fromkeys(_REGISTRY.values()):
        support.check_table_name(table_name)


def portable_identifier_limit() -> int:
    """The longest name, in bytes, every supported engine keeps: a name rowstamp makes
    up (an index's) must fit them all, as one migration runs on each."""
    return min(support.identifier_limit for support in _REGISTRY.values())


def dialects_without_partial_indexes() -> list[str]:
    """Dialect names whose engine emulates or refuses a unique-among-active index."""
    return [name for name, support in _REGISTRY.items() if not support.partial_indexes]


def type_variants(
    kind: Callable[[EngineSupport], TypeEngine[Any] | None],
) -> list[tuple[TypeEngine[Any], tuple[str, ...]]]:
    """The engines' own forms of a portable type (``kind``, e.g.
    ``methodcaller("timestamp_type")``), each with the dialect names it is for, in
    registry order; engines with the same form share one entry, as in
    ``with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")``."""
    grouped: dict[str, tuple[TypeEngine[Any], list[str]]] = {}
    for name, support in _REGISTRY.items():
        variant = kind(support)
        if variant is not None:
            grouped.setdefault(repr(variant), (variant, []))[1].append(name)
    return [(variant, tuple(names)) for variant, names in grouped.values()]
