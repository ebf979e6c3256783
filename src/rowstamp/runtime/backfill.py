"""What ``op.backfill`` runs: batches along the primary key, each its own transaction.

One ``UPDATE`` of a big table locks every row it touches until it commits, and a
replica replays it as one long event. A backfill instead walks the primary key in
order (keyset: ``key > last``, never ``OFFSET`` from the start) and updates at most
``batch_size`` rows per transaction.

The batches run outside the revision's transaction: ``autocommit_block()`` commits
what the run did so far (on PostgreSQL that includes the revisions before this one in
the same run, and the DDL before the backfill in this revision; on SQLite, this
revision's DDL; MySQL/MariaDB committed each DDL statement already), and the batches
run on a second connection from the same engine, so each batch and its progress row
commit together. A killed run loses at most the batch in flight, which its rollback
undoes; the next run reads ``rowstamp_backfill`` and continues after the last key
that committed. The row is deleted when the backfill ends, and the table with the
last row, so a database without a backfill in progress has no such table.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    TextClause,
    Update,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy import column as column_
from sqlalchemy import table as table_
from sqlalchemy.sql.elements import ClauseElement

from rowstamp.compat import in_external_transaction
from rowstamp.errors import RowstampError
from rowstamp.model.types import UTCDateTime
from rowstamp.runtime.backfill_keys import (
    after_key,
    backfill_name,
    plain_key,
    settable_column,
    up_to_key,
    walked_keys,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.operations import Operations

    from rowstamp.autogen.ops import BackfillOp

__all__ = ["PROGRESS_TABLE", "progress_table", "run_backfill"]

PROGRESS_TABLE = "rowstamp_backfill"
"""Where an unfinished backfill keeps the last key it committed."""

LOG_EVERY_SECONDS = 5.0
"""A progress line at most this often (the first batch and the end always)."""

LAG_POLL_SECONDS = 1.0
"""How long to wait before asking the replication lag again."""


log = logging.getLogger("rowstamp")


def progress_table() -> Table:
    """The table of unfinished backfills, one row each."""
    return Table(
        PROGRESS_TABLE,
        MetaData(),
        Column("backfill", String(64), primary_key=True),
        Column("table_name", String(255), nullable=False),
        Column("revision", String(255)),
        Column("last_key", Text, nullable=False),
        Column("rows_walked", BigInteger, nullable=False),
        Column("rows_updated", BigInteger, nullable=False),
        Column("rows_total", BigInteger),
        Column("started_at", UTCDateTime(), nullable=False),
        Column("last_batch_at", UTCDateTime(), nullable=False),
    )


def run_backfill(operations: Operations, op: BackfillOp) -> None:
    """Run ``op``: online in batches on a second connection, offline as one UPDATE."""
    context = operations.get_context()
    if context.as_sql:
        _offline(operations, op)
        return
    if in_external_transaction(context):
        raise RowstampError(
            f"op.backfill of {op.table_name} commits batch by batch, and this migration "
            "runs inside its caller's transaction",
            "hand env.py an engine or a connection outside a transaction",
        )
    with context.autocommit_block():
        assert context.connection is not None
        with (
            context.connection.engine.connect() as connection,
            _untouched_if_asked(connection, op),
        ):
            _Walk(connection, op, _sayer(context.config), _revision(context.config)).run()


def _untouched_if_asked(connection: Connection, op: BackfillOp) -> AbstractContextManager[None]:
    """``touch=False``: every batch marked untouched; a version 1 trigger, which would
    bump ``updated_at`` anyway, is refused before the first batch (one catalog query)."""
    if op.touch:
        return nullcontext()
    from rowstamp.engines import for_dialect
    from rowstamp.engines.no_triggers import kept_by_on_update
    from rowstamp.runtime.untouched import untouched

    with connection.begin():
        version = for_dialect(connection.dialect).trigger_versions(connection, op.schema)
        kept = kept_by_on_update(connection, op.schema).get(op.table_name, set())
    if kept:  # no triggers: ON UPDATE leaves a column the UPDATE assigns to itself
        op.values = {**{name: column_(name) for name in sorted(kept)}, **op.values}
        return nullcontext()
    if version.get(op.table_name, 2) < 2:
        raise RowstampError(
            f"op.backfill(touch=False) of {op.table_name} cannot leave updated_at alone: "
            f"its updated_at trigger is version {version[op.table_name]}",
            "set [rowstamp] trigger_version = 2 in alembic.ini and autogenerate a revision "
            "before this one (it writes op.replace_updated_at_trigger), or leave out touch=False",
        )
    if op.table_name not in version:
        return nullcontext()  # no trigger: nothing sets updated_at
    return untouched(connection)


def _offline(operations: Operations, op: BackfillOp) -> None:
    """``--sql``: the script cannot loop or remember, so one UPDATE, said so beside it."""
    target = table_(op.table_name, *(column_(name) for name in op.values), schema=op.schema)
    values = {k: v if isinstance(v, ClauseElement) else literal(v) for k, v in op.values.items()}
    statement = update(target).values(values)
    if op.where is not None:
        statement = statement.where(_where(op.where))
    from rowstamp.engines import for_dialect

    support = for_dialect(operations.get_context().dialect)
    if not op.touch:
        operations.execute(support.mark_untouched())
    operations.execute(
        f"-- rowstamp op.backfill of {op.table_name}, written as ONE update for --sql; "
        f"online it runs in batches of {op.batch_size} rows along the primary key"
    )
    operations.execute(statement)
    if not op.touch:
        operations.execute(support.unmark_untouched())


def _where(where: Any) -> ColumnElement[bool] | TextClause:
    """``where`` as given: SQL text, or an expression."""
    return text(where) if isinstance(where, str) else where


def _sayer(config: Config | None) -> Callable[[str], None] | None:
    """Where a caller (the rowstamp CLI) wants progress lines besides the log."""
    from rowstamp.runtime.options import RunOptions

    return None if config is None else RunOptions.of(config).say


def _revision(config: Config | None) -> str | None:
    """The revision running this backfill, kept with its progress for the reports."""
    from rowstamp.runtime.options import RunOptions

    progress = None if config is None else RunOptions.of(config).state.progress
    return None if progress is None or progress.running is None else progress.running.revision


@dataclass
class _Walk:
    connection: Connection
    op: BackfillOp
    say: Callable[[str], None] | None = None
    revision: str | None = None
    walked: int = 0
    updated: int = 0
    batches: int = 0
    _started: float = field(default_factory=time.monotonic)
    _logged: float = 0.0

    def run(self) -> None:
        conn, op = self.connection, self.op
        with conn.begin():
            table = Table(op.table_name, MetaData(), schema=op.schema, autoload_with=conn)
        keys = walked_keys(table)
        setting = {settable_column(table, name): value for name, value in op.values.items()}
        where = None if op.where is None else _where(op.where)
        base = update(table).values(setting)
        if where is not None:
            base = base.where(where)
        name = backfill_name(conn, table, base)
        progress = progress_table()
        last, done_before = self._resume(progress, name, table)
        with conn.begin():
            total = conn.execute(
                select(func.count()).select_from(table).where(*after_key(keys, last))
            ).scalar_one()
            conn.execute(
                update(progress)
                .where(progress.c.backfill == name)
                .values(rows_total=progress.c.rows_walked + total)
            )
        resumed = f", resuming after key {last} ({done_before} rows walked before)" if last else ""
        self._tell(
            "backfill %s: %d rows to walk in batches of %d%s",
            table.fullname,
            total,
            op.batch_size,
            resumed,
        )
        self._started = time.monotonic()  # the rate is of the walk, not of the count
        while True:
            self._wait_for_replicas(table.fullname)
            last, walked, updated = self._batch(table, keys, base, progress, name, last)
            self.walked += walked
            self.updated += updated
            self.batches += 1
            if last is None:
                break
            if op.sleep_between_batches:
                time.sleep(op.sleep_between_batches)
            self._report(table.fullname, total)  # after the pause: the rate counts it
        self._drop_if_empty(progress)
        self._tell(
            "backfill %s: done, %d rows walked, %d updated in %d batches, %.1f s",
            table.fullname,
            self.walked,
            self.updated,
            self.batches,
            time.monotonic() - self._started,
        )

    def _batch(
        self,
        table: Table,
        keys: list[Column[Any]],
        base: Update,
        progress: Table,
        name: str,
        last: list[Any] | None,
    ) -> tuple[list[Any] | None, int, int]:
        """One batch and its progress row, in one transaction: the keys after ``last`` up
        to the ``batch_size``-th. Returns the new last key (None: the table's end), the
        rows walked and the rows updated."""
        conn, size = self.connection, self.op.batch_size
        with conn.begin():
            in_range = after_key(keys, last)
            bound = conn.execute(
                select(*keys).where(*in_range).order_by(*keys).offset(size - 1).limit(1)
            ).first()
            if bound is None:  # fewer than a batch left: count them, this is the last batch
                walked = conn.execute(
                    select(func.count()).select_from(table).where(*in_range)
                ).scalar_one()
            else:
                walked = size
                in_range.append(up_to_key(keys, tuple(bound)))
            updated = conn.execute(base.where(*in_range)).rowcount
            if bound is None:
                conn.execute(delete(progress).where(progress.c.backfill == name))
                return None, walked, updated
            last = [plain_key(v) for v in bound]
            conn.execute(
                update(progress)
                .where(progress.c.backfill == name)
                .values(
                    last_key=json.dumps(last),
                    rows_walked=progress.c.rows_walked + walked,
                    rows_updated=progress.c.rows_updated + updated,
                    last_batch_at=datetime.now(UTC),
                )
            )
        return last, walked, updated

    def _tell(self, message: str, *args: Any) -> None:
        """A progress line to the ``rowstamp`` logger, and to the caller who asked."""
        log.info(message, *args)
        if self.say is not None:
            self.say(message % args)

    def _resume(self, progress: Table, name: str, table: Table) -> tuple[list[Any] | None, int]:
        """The last key a killed run committed (None: from the start), and its row count."""
        conn = self.connection
        with conn.begin():
            progress.create(conn, checkfirst=True)
        with conn.begin():
            row = conn.execute(select(progress).where(progress.c.backfill == name)).first()
            if row is not None:
                return json.loads(row.last_key), int(row.rows_walked)
            now = datetime.now(UTC)
            conn.execute(
                insert(progress).values(
                    backfill=name,
                    table_name=table.fullname,
                    revision=self.revision,
                    last_key="null",
                    rows_walked=0,
                    rows_updated=0,
                    started_at=now,
                    last_batch_at=now,
                )
            )
        return None, 0

    def _wait_for_replicas(self, table: str) -> None:
        probe, limit = self.op.max_replication_lag, self.op.replication_lag_limit
        if probe is None:
            return
        while (lag := probe()) > limit:
            self._tell(
                "backfill %s: replication lag %.1f s is above %.1f s, waiting", table, lag, limit
            )
            time.sleep(LAG_POLL_SECONDS)

    def _report(self, table: str, total: int) -> None:
        now = time.monotonic()
        if self.batches > 1 and now - self._logged < LOG_EVERY_SECONDS:
            return
        self._logged = now
        elapsed = max(now - self._started, 1e-9)
        rate = self.walked / elapsed
        left = max(total - self.walked, 0)
        share = 100 * self.walked / total if total else 100.0
        self._tell(
            "backfill %s: %d of %d rows walked (%.0f%%), %d updated, %.0f rows/s, ETA %.0f s",
            table,
            self.walked,
            total,
            share,
            self.updated,
            rate,
            left / rate if rate else 0,
        )

    def _drop_if_empty(self, progress: Table) -> None:
        conn = self.connection
        with conn.begin():
            left = conn.execute(select(func.count()).select_from(progress)).scalar_one()
        if not left:
            with conn.begin():
                progress.drop(conn, checkfirst=True)
