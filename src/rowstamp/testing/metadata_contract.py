"""Metadata contract: every model table has the guide's five columns (under the names
its ``MetadataSpec`` gives them, less those it leaves out), and its trigger keeps
``updated_at`` honest.

Prevents: a table created without ``is_active``/``is_flagged``/``notes``/
``created_at``/``updated_at`` (or with the wrong type, default or index), and a
trigger that exists but does not fire - e.g. lost to SQLite's batch table
recreate - so a raw-SQL ``UPDATE`` leaves ``updated_at`` stale or moves ``created_at``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import (
    Connection,
    MetaData,
    Table,
    bindparam,
    inspect,
    text,
)
from sqlalchemy.exc import DBAPIError

from rowstamp.engines.no_triggers import KEPT_BY_ON_UPDATE, kept_by_on_update
from rowstamp.model.columns import (
    declares_metadata_columns,
    metadata_columns,
    updated_at_column,
    wants_updated_at_trigger,
)
from rowstamp.model.contract import PAST, column_problems, sample_row
from rowstamp.testing.base import CheckFailed, MigrationRun, describe_error

__all__ = ["check_metadata_contract", "target_metadata"]

log = logging.getLogger("rowstamp")


def target_metadata(run: MigrationRun) -> MetaData:
    """The ``target_metadata`` env.py configures, read by running env.py with no steps."""
    found: list[MetaData] = []

    def capture(rev: Any, context: Any) -> list[Any]:
        metadata = context.opts.get("target_metadata")
        if isinstance(metadata, MetaData):
            found.append(metadata)
        return []

    with EnvironmentContext(run.config, run.scripts, fn=capture, dont_mutate=True):
        run.scripts.run_env()
    if not found:
        raise CheckFailed("env.py configures no target_metadata, so there are no models to check")
    return found[0]


def check_metadata_contract(run: MigrationRun, exclude: frozenset[str] = frozenset()) -> int:
    """At head: columns, types, defaults, indexes, then the trigger on a real row.
    Tables in ``exclude`` (``schema.table`` or ``table``: what model match flagged) are
    left out. Return the number of tables checked."""
    metadata = target_metadata(run)
    tables = [t for t in metadata.sorted_tables if t.fullname not in exclude]
    problems: list[str] = []
    with run.engine.connect() as connection:
        kept = {s: kept_by_on_update(connection, s) for s in {t.schema for t in tables}}
        connection.rollback()
        for table in tables:
            if (updated_at_column(table) or "updated_at") in kept[table.schema].get(table.name, ()):
                log.warning("%s: %s", table.name, KEPT_BY_ON_UPDATE)  # said, not passed over
            found = _columns(connection, table)
            if not found:
                try:
                    found = _trigger(connection, table)
                except DBAPIError as exc:
                    found = [f"{table.name}: the trigger test row failed: {describe_error(exc)}"]
            connection.rollback()
            problems += found
    if problems:
        raise CheckFailed("; ".join(problems))
    return len(tables)


def _columns(connection: Connection, table: Table) -> list[str]:
    inspector = inspect(connection)
    columns = inspector.get_columns(table.name, schema=table.schema)
    return column_problems(table, columns, inspector.get_indexes(table.name, schema=table.schema))


def _trigger(connection: Connection, table: Table) -> list[str]:
    roles = metadata_columns(table)
    if not wants_updated_at_trigger(table) and declares_metadata_columns(table):
        return []  # the model asked for no trigger (or has no updated_at)
    values = sample_row(table)
    if values is None:
        return []  # a required foreign key: no row can be made up; the columns were checked
    created, stamp = roles.get("created_at"), roles.get("updated_at", "updated_at")
    values.update({name: PAST for name in (created, stamp) if name is not None})
    key = connection.execute(table.insert().values(values)).inserted_primary_key
    pk = list(table.primary_key.columns)
    quote = connection.dialect.identifier_preparer.quote
    where = " AND ".join(f"{quote(c.name)} = :k{i}" for i, c in enumerate(pk))
    params = {f"k{i}": value for i, value in enumerate(key or ())}
    name = connection.dialect.identifier_preparer.format_table(table)
    # notes changes; else another column is set to itself, which fires SQLite's version
    # 4 too (only an update of its columns does); else updated_at is set to the past.
    notes = roles.get("notes")
    other = None if notes else _other_column(table, {stamp, created})
    if other is not None:
        itself = f"{quote(other)} = {quote(other)}"
        connection.execute(text(f"UPDATE {name} SET {itself} WHERE {where}"), params)
    else:
        changed = notes or stamp
        update = text(f"UPDATE {name} SET {quote(changed)} = :changed WHERE {where}")
        update = update.bindparams(bindparam("changed", type_=table.c[changed].type))
        connection.execute(update, {**params, "changed": "rowstamp" if changed != stamp else PAST})
    read = ", ".join(quote(c) for c in (stamp, created) if c is not None)
    row = connection.execute(text(f"SELECT {read} FROM {name} WHERE {where}"), params).one()
    problems = []
    if _utc(row[0]) <= PAST:
        problems.append(
            f"{table.name}: a raw-SQL UPDATE left {stamp} at {row[0]} "
            "(the updated_at trigger did not fire)"
        )
    if created is not None and _utc(row[1]) != PAST:
        problems.append(f"{table.name}: a raw-SQL UPDATE changed {created} to {row[1]}")
    return problems


def _other_column(table: Table, skipped: set[str | None]) -> str | None:
    """A column an UPDATE may set to itself: not the key, not generated, not skipped."""
    for column in table.columns:
        if not column.primary_key and column.computed is None and column.name not in skipped:
            return column.name
    return None


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
