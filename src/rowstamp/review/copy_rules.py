"""``table-copy``: an ``ALTER TABLE`` that copies a live table on MariaDB/MySQL.

A copy (``ALGORITHM=COPY``) rebuilds the table row by row and blocks writes to it
until it ends: seconds on a small table, an outage on a big, busy one. Which
operations copy is an engine fact (``CopiesTables``, in ``engines/mysql_copies.py``),
so the rule runs only when the environment's database is MariaDB or MySQL; SQLite
and PostgreSQL projects get nothing from it. It is a warning, since a copy of a
small table is harmless: when the database is reachable the finding says how big
each table is, read with one catalog query for every table linted. Acknowledged
like every rule::

    # rowstamp: allow table-copy -- 2,000 rows, copied in the maintenance window
    op.alter_column("users", "age", existing_type=sa.Integer(), type_=sa.BigInteger())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alembic.config import Config
from alembic.operations import ops
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from rowstamp.engines import for_name
from rowstamp.engines.copies import CopiesTables, TableSize
from rowstamp.errors import RowstampError
from rowstamp.review.acknowledgements import Finding, acknowledge
from rowstamp.review.describe import table_of
from rowstamp.review.reader import MigrationFile, RecordedOp
from rowstamp.runtime.options import RunOptions
from rowstamp.settings import RowstampSettings

__all__ = ["RULE_ID", "table_copy_findings"]

RULE_ID = "table-copy"
"""Prevents: a migration that blocks writes to a big table while MariaDB/MySQL copies it."""


@dataclass(frozen=True)
class _Copy:
    item: RecordedOp
    table: str | None
    reason: str


def _settings(config: Config) -> RowstampSettings | None:
    """The environment's settings; None when they cannot load (lint must still run in CI)."""
    from rowstamp.runtime.config import project_settings

    options = RunOptions.of(config)
    if options.settings is not None:
        return options.settings
    try:
        return project_settings(config, options.environment)
    except RowstampError:
        return None


def _copies(support: CopiesTables, migration: MigrationFile) -> list[_Copy]:
    """The operations of ``migration`` that copy a table it did not create itself."""
    new = {table_of(i.op) for i in migration.upgrade if isinstance(i.op, ops.CreateTableOp)}
    found = []
    for item in migration.upgrade:
        table = table_of(item.op)
        if table in new and table is not None:
            continue
        if (reason := support.table_copy(item.op)) is not None:
            found.append(_Copy(item, table, reason))
    return found


def _sizes(
    support: CopiesTables, settings: RowstampSettings, tables: set[str]
) -> dict[str, TableSize] | None:
    """Each table's size, in one catalog query; None when the database is not reachable."""
    engine = create_engine(settings.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return support.table_sizes(connection, tables)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _message(support: CopiesTables, copy: _Copy, sizes: dict[str, TableSize] | None) -> str:
    where = f"table {copy.table}" if copy.table else "the table"
    if sizes is None:
        size = "its size is unknown (the database is not reachable)"
    elif copy.table is None or copy.table not in sizes:
        size = "it is not in the database yet"
    else:
        size = f"{copy.table} holds {sizes[copy.table]}"
    return (
        f"{copy.reason}: {support.name} copies {where} (ALGORITHM=COPY), blocking writes to it "
        f"until the copy ends; {size}"
    )


def table_copy_findings(config: Config, migrations: Sequence[MigrationFile]) -> list[list[Finding]]:
    """Per migration, a ``table-copy`` warning for each operation that copies a table, when
    the environment's database copies tables at all."""
    settings = _settings(config)
    support = None
    if settings is not None:
        try:
            support = for_name(settings.url.get_backend_name())
        except RowstampError:
            support = None
    if settings is None or not isinstance(support, CopiesTables):
        return [[] for _ in migrations]
    copies = [_copies(support, m) for m in migrations]
    tables = {c.table for found in copies for c in found if c.table is not None}
    sizes = _sizes(support, settings, tables) if tables else {}
    return [
        acknowledge(
            migration,
            [
                Finding(
                    RULE_ID,
                    "warning",
                    _message(support, c, sizes),
                    c.table,
                    migration.statement_start(c.item.line),
                )
                for c in found
            ],
        )
        for migration, found in zip(migrations, copies, strict=True)
    ]
