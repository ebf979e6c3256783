"""What ``make dev`` and ``scripts/dev_migrate`` report about a database.

Read with one catalog query per kind (columns, triggers), never one per table.
A column is reported as rowstamp's only when the models say so (``MetadataSpec``
renames and omissions included). ``rowstamp status`` alone reads the models from
env.py in offline mode (no connection, no lock); a table the models do not know is
judged by its column types, so a ``created_at BIGINT`` is never claimed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, DateTime, Integer, MetaData, String, inspect
from sqlalchemy.engine.interfaces import ReflectedColumn

from rowstamp.engines import for_dialect
from rowstamp.history.applied import last_applied
from rowstamp.history.ledger import Entry, Ledger, ledger_table_name, own_tables
from rowstamp.history.messages import revision_messages
from rowstamp.history.phases import Pending, pending_revisions
from rowstamp.model.columns import (
    METADATA_COLUMNS,
    declares_metadata_columns,
    metadata_columns,
)
from rowstamp.runtime.backfill import PROGRESS_TABLE
from rowstamp.runtime.backfill_state import Unfinished, unfinished_backfills
from rowstamp.runtime.config import run_options
from rowstamp.runtime.env import connect
from rowstamp.urls import mask_url

__all__ = ["DatabaseStatus", "TableStatus", "database_status", "model_metadata"]


@dataclass(frozen=True)
class TableStatus:
    """One table: which metadata columns it has, and its ``updated_at`` trigger."""

    name: str
    metadata_columns: tuple[str, ...]
    trigger: str | None


@dataclass(frozen=True)
class DatabaseStatus:
    """The database of one environment, as the user should see it after migrating."""

    environment: str
    url: str
    """The database URL with its password masked."""
    engine: str
    current: tuple[str, ...]
    head: tuple[str, ...]
    messages: dict[str, str]
    tables: list[TableStatus]
    last_applied: Entry | None = None
    """The newest upgrade step the ledger records as done."""
    pending: list[Pending] = field(default_factory=list)
    """The revisions not yet applied, oldest first, each with its phase."""
    backfills: list[Unfinished] = field(default_factory=list)
    """Backfills a killed run left part-way: their batches so far are committed."""

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.head)


def database_status(config: Config) -> DatabaseStatus:
    """Revision, tables, metadata columns and triggers of the configured database."""
    run = run_options(config)
    settings = run.required_settings()
    scripts = ScriptDirectory.from_config(config)
    models = run.state.target_metadata or model_metadata(config, scripts)
    with connect(run) as connection:
        support = for_dialect(connection.dialect)
        version_table = MigrationContext.configure(connection)
        current = tuple(version_table.get_current_heads())
        columns = inspect(connection).get_multi_columns()
        with_trigger = support.tables_with_trigger(connection, None)
        ledger = ledger_table_name(config)
        last = last_applied(connection, Ledger(ledger)) if ledger else None
        backfills = unfinished_backfills(
            connection, exists=any(name == PROGRESS_TABLE for _, name in columns)
        )
    tables = [
        TableStatus(
            name=name,
            metadata_columns=_rowstamp_columns(models, schema, name, cols),
            trigger=support.trigger_name(name) if name in with_trigger else None,
        )
        for (schema, name), cols in sorted(columns.items(), key=lambda item: item[0][1])
        if name not in own_tables(config)
    ]
    messages = revision_messages(scripts)
    return DatabaseStatus(
        environment=settings.environment,
        url=mask_url(settings.url),
        engine=support.name,
        current=current,
        head=tuple(scripts.get_heads()),
        messages=messages,
        tables=tables,
        last_applied=last,
        pending=_pending(scripts, current),
        backfills=backfills,
    )


def _pending(scripts: ScriptDirectory, current: tuple[str, ...]) -> list[Pending]:
    """The pending revisions; none listed when the database is at a revision no file
    defines (the report already says it is not at head)."""
    known = {s.revision for s in scripts.walk_revisions()}
    if not known.issuperset(current):
        return []
    return pending_revisions(scripts, current)


def model_metadata(config: Config, scripts: ScriptDirectory) -> MetaData | None:
    """env.py's ``target_metadata``, read by running env.py offline with no steps."""
    found: list[MetaData] = []

    def capture(rev: object, context: MigrationContext) -> list[object]:
        metadata = context.opts.get("target_metadata")
        if isinstance(metadata, MetaData):
            found.append(metadata)
        return []

    with EnvironmentContext(
        config, scripts, fn=capture, as_sql=True, output_buffer=io.StringIO(), dont_mutate=True
    ):
        scripts.run_env()
    return found[0] if found else None


_SHAPES: dict[str, tuple[type, ...]] = {
    "is_active": (Boolean, Integer),  # MariaDB reflects BOOLEAN as TINYINT(1)
    "is_flagged": (Boolean, Integer),
    "notes": (String,),
    "created_at": (DateTime,),
    "updated_at": (DateTime,),
}


def _rowstamp_columns(
    models: MetaData | None, schema: str | None, name: str, found: list[ReflectedColumn]
) -> tuple[str, ...]:
    """The columns of one table that are rowstamp's, in the database's order."""
    present = {column["name"]: column for column in found}
    table = models.tables.get(f"{schema}.{name}" if schema else name) if models else None
    if table is not None and declares_metadata_columns(table):
        return tuple(c for c in metadata_columns(table).values() if c in present)
    return tuple(
        c for c in METADATA_COLUMNS if c in present and isinstance(present[c]["type"], _SHAPES[c])
    )
