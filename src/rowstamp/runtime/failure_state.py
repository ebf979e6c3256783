"""The database's true state after a revision failed or was interrupted.

A failure report must not guess: the version table is read again on a fresh
connection, and where DDL commits at once (MySQL, MariaDB) the failed revision's
own operations (read from its file, as ``rowstamp review`` reads them) are
checked against the catalog in one query, so the report can say which of its
tables, columns, indexes and triggers exist and give the statements that undo
them, or ``alembic stamp`` when everything is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from alembic.operations import MigrateOperation, Operations, ops
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError, to_tuple
from sqlalchemy import Engine, column, inspect, select, table
from sqlalchemy.engine import Dialect

from rowstamp.autogen.ops import (
    CreateUpdatedAtTriggerOp,
    DropUpdatedAtTriggerOp,
    EnsureUpdatedAtTriggerOp,
)
from rowstamp.engines import EngineSupport, for_dialect
from rowstamp.engines.base import SchemaObject
from rowstamp.errors import RowstampError, first_line
from rowstamp.history.ledger import Entry
from rowstamp.review.describe import flatten
from rowstamp.review.reader import quiet_alembic, read_migration
from rowstamp.runtime.backfill_state import Unfinished, unfinished_backfills

__all__ = ["AfterFailure", "Leftovers", "interruption_report", "object_name", "undo_statements"]

_CREATE = (ops.CreateTableOp, ops.AddColumnOp, ops.CreateIndexOp, CreateUpdatedAtTriggerOp)
_DROP = (ops.DropTableOp, ops.DropColumnOp, ops.DropIndexOp, DropUpdatedAtTriggerOp)


@dataclass
class Leftovers:
    """What of one revision's schema changes the database holds."""

    done: list[tuple[MigrateOperation, SchemaObject]] = field(default_factory=list)
    pending: list[SchemaObject] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    """Operations the catalog cannot confirm (``op.execute``, ``alter_column``, ...)."""
    error: str | None = None
    """Why the revision or the catalog could not be read."""

    @property
    def created(self) -> list[MigrateOperation]:
        """The done operations that created an object (the rest dropped one)."""
        return [operation for operation, _ in self.done if isinstance(operation, _CREATE)]

    @property
    def complete(self) -> bool:
        return bool(self.done) and not self.pending and not self.unchecked and not self.error


@dataclass
class AfterFailure:
    """Reads the database after a run stopped: its lock is released and the failed
    transaction ended, so a fresh connection sees what the next run will see."""

    engine: Engine
    context: MigrationContext
    """The failed run's context: its dialect, options and version table."""
    scripts: ScriptDirectory
    _backfills: list[Unfinished] | None = None

    def backfill(self, revision: str) -> Unfinished | None:
        """``revision``'s unfinished ``op.backfill``: its committed batches outlive the
        rollback of the run, so the report must not call the revision undone."""
        if self._backfills is None:
            try:
                with self.engine.connect() as connection:
                    self._backfills = unfinished_backfills(connection)
            except Exception:  # a report without it, rather than no report
                self._backfills = []
        return next((b for b in self._backfills if b.revision == revision), None)

    def revision(self) -> str:
        """The version table's revisions, or why it cannot be read."""
        name = str(self.context.opts.get("version_table", "alembic_version"))
        schema = self.context.opts.get("version_table_schema")
        version = table(name, column("version_num"), schema=schema)
        try:
            with self.engine.connect() as connection:
                heads = (
                    connection.execute(select(version.c.version_num)).scalars().all()
                    if inspect(connection).has_table(name, schema)
                    else []
                )
        except Exception as exc:
            return f"unknown (the version table cannot be read: {first_line(exc)})"
        return ", ".join(sorted(str(h) for h in heads)) or "base"

    def leftovers(self, revision: str, upgrade: bool) -> Leftovers:
        """Which objects ``revision``'s upgrade (or downgrade) creates or drops are done."""
        with quiet_alembic():
            return _leftovers(self.engine, self.scripts, revision, upgrade)


def _leftovers(engine: Engine, scripts: ScriptDirectory, revision: str, upgrade: bool) -> Leftovers:
    result = Leftovers()
    support = for_dialect(engine.dialect)
    try:
        script = scripts.get_revision(revision)
        if script is None:
            raise RowstampError(f"revision {revision} not found")
        migration = read_migration(Path(script.path))
    except Exception as exc:
        result.error = f"its file cannot be read: {first_line(exc)}"
        return result
    direction = "upgrade" if upgrade else "downgrade"
    if direction in migration.errors:
        result.error = migration.errors[direction]
        return result
    changes: list[tuple[MigrateOperation, SchemaObject]] = []
    for recorded in getattr(migration, direction):
        for operation in flatten([recorded.op]):
            target = _object(operation, support)
            if target is not None:
                changes.append((operation, target))
            elif not isinstance(operation, EnsureUpdatedAtTriggerOp) or (
                support.rebuilds_tables_in_batch
            ):  # where batch mode rebuilds nothing, ensuring a trigger changes nothing
                result.unchecked.append(_name(operation))
    try:
        with engine.connect() as connection:
            present = support.schema_objects(connection, {t for _, (_, t, _) in changes})
    except Exception as exc:
        result.error = f"the catalog cannot be read: {first_line(exc)}"
        return result
    for operation, target in changes:
        if (target in present) == isinstance(operation, _CREATE):
            result.done.append((operation, target))
        else:
            result.pending.append(target)
    return result


def undo_statements(left: Leftovers, dialect: Dialect) -> list[str]:
    """SQL that removes what the revision created, last first; none when it dropped
    something, which only a backup gives back."""
    if len(left.created) < len(left.done):
        return []
    with quiet_alembic():
        return [
            sql
            for operation, _ in reversed(left.done)
            for sql in _sql(operation.reverse(), dialect)
        ]


def object_name(target: SchemaObject) -> str:
    """``table t3``, ``index ix_t3_name on t3``: an object as a report names it."""
    kind, table, name = target
    return f"table {table}" if kind == "table" else f"{kind} {name} on {table}"


def _object(operation: MigrateOperation, support: EngineSupport) -> SchemaObject | None:
    if getattr(operation, "schema", None) is not None or not isinstance(operation, _CREATE + _DROP):
        return None
    if isinstance(operation, ops.CreateTableOp | ops.DropTableOp):
        return ("table", operation.table_name, operation.table_name)
    if isinstance(operation, ops.AddColumnOp):
        return ("column", operation.table_name, str(operation.column.name))
    if isinstance(operation, ops.DropColumnOp):
        return ("column", operation.table_name, operation.column_name)
    if isinstance(operation, ops.CreateIndexOp | ops.DropIndexOp):
        if operation.table_name is None:
            return None
        return ("index", operation.table_name, str(operation.index_name))
    table = str(getattr(operation, "table_name", ""))
    return ("trigger", table, support.trigger_name(table))


def _name(operation: MigrateOperation) -> str:
    return type(operation).__name__.removesuffix("Op")


def _sql(operation: MigrateOperation, dialect: Dialect) -> list[str]:
    """``operation`` as the SQL ``alembic upgrade --sql`` would print for ``dialect``."""
    buffer = StringIO()
    context = MigrationContext.configure(
        dialect=dialect, opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True}
    )
    Operations(context).invoke(operation)
    text = buffer.getvalue()
    return [" ".join(s.split()) for s in text.split(";\n") if s.strip()]


def interruption_report(
    entry: Entry,
    context: MigrationContext,
    engine: Engine,
    script: ScriptDirectory,
    heads: tuple[str, ...],
) -> str:
    """The interrupted step ``entry`` as the database shows it now: done since (stamped),
    rolled back, or, where DDL commits at once, what of it is left: the same words as
    the report of a run that fails (``Progress.failure``)."""
    from rowstamp.runtime.progress import Progress, Step  # progress imports this module

    when = entry.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    what = (
        f"{entry.direction} of revision {entry.revision} started {when} by {entry.who} "
        "was interrupted (the process ended without finishing it)"
    )
    upgrade = entry.direction == "upgrade"
    applied = any(r.revision == entry.revision for r in script.iterate_revisions(heads, "base"))
    if applied == upgrade:
        return f"{what}; the database has it {'applied' if upgrade else 'reverted'}"
    try:
        revision = script.get_revision(entry.revision)
    except CommandError:
        revision = None
    if revision is None:
        return f"{what}; its file is gone: restore it to see what it left"
    step = Step(
        entry.revision,
        str(revision.doc or "").strip(),
        upgrade,
        down_revisions=to_tuple(revision.down_revision, default=()),
    )
    after = AfterFailure(engine, context, script)
    report = Progress(running=step).failure(KeyboardInterrupt(), after, what=what)
    backfill = after.backfill(entry.revision)
    resumes = f" continues after key {backfill.key}" if backfill and backfill.last_key else ""
    return f"{report.problem}; running it again{resumes}"
