"""The ledger: one row per migration step applied to a database, kept beside ``alembic_version``.

Alembic keeps only the revision a database is at. The ledger (``rowstamp_history``,
renamed with ``[rowstamp] ledger_table``, ``off`` to keep none) also says when each
step ran, for how long, by whom, from which commit, with which checksum
(``history/checksum.py``) and how it ended. A row is written ``running`` before a
step starts and committed at once, so a run killed in the middle leaves that row
behind: the next run, holding the migration lock, knows no one is still running it
and reports the revision as interrupted.

This module is the table and its reading and writing; ``runtime/ledger_run.py``
writes it during an ``env.py`` run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Update,
    bindparam,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Dialect

from rowstamp.history.prepared import Prepared
from rowstamp.model.types import UTCDateTime

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "DEFAULT_TABLE",
    "DIRECTIONS",
    "LEDGER_OPTION",
    "STATUSES",
    "Entry",
    "Ledger",
    "file_sha",
    "ledger_table_name",
    "own_tables",
    "unresolved_interruptions",
]

DEFAULT_TABLE = "rowstamp_history"
LEDGER_OPTION = "ledger_table"
"""alembic.ini ``[rowstamp] ledger_table``: the table's name, or ``off``."""

DIRECTIONS = ("upgrade", "downgrade", "stamp", "unstamp", "baseline", "accept")
"""What a row records: a revision applied or reverted, a stamp to it or away from it
(nothing ran), a row written by ``rowstamp baseline`` for a revision applied before
the ledger existed, and an accepted edit of an applied revision (``note`` holds the
reason)."""

STATUSES = ("running", "done", "failed", "interrupted")

_OFF = {"off", "none", "false", "no"}


def ledger_table_name(config: Config) -> str | None:
    """The ledger's table name for ``config``'s project, None when it keeps none."""
    from rowstamp.runtime.config import rowstamp_option

    name = rowstamp_option(config, LEDGER_OPTION)
    if name.lower() in _OFF:
        return None
    return name or DEFAULT_TABLE


def own_tables(config: Config) -> frozenset[str]:
    """The tables a run keeps whatever the models, which autogenerate, status, drift and
    the test catalogs leave alone: Alembic's version table, the configured ledger (and
    the default one, also when the ledger was renamed or turned off after it ran) and
    an unfinished backfill's progress table, and SQLite's marker table of writes that
    leave ``updated_at`` alone, and the migration lock's table where session locks are
    not safe, and the record of ``ON UPDATE`` clauses rowstamp wrote for lack of triggers."""
    from rowstamp.engines.mysql_on_update import MARKER_TABLE
    from rowstamp.engines.untouched import UNTOUCHED_SETTING
    from rowstamp.runtime.backfill import PROGRESS_TABLE
    from rowstamp.runtime.lock_table import LOCK_TABLE

    name = ledger_table_name(config)
    version_table = config.get_main_option("version_table") or "alembic_version"
    own = {version_table, DEFAULT_TABLE, PROGRESS_TABLE, UNTOUCHED_SETTING, LOCK_TABLE}
    own.add(MARKER_TABLE)  # which ON UPDATE clauses rowstamp added (no-trigger servers)
    return frozenset(own | ({name} if name else set()))


def file_sha(path: Path) -> str:
    """sha256 of a migration file's bytes: the same bytes have the same checksum, so a
    file whose bytes match what was applied need not be imported to be verified. Read
    without Python's buffered file objects: a run reads one per step (half the time)."""
    digest = hashlib.sha256()
    handle = os.open(path, os.O_RDONLY)
    try:
        while chunk := os.read(handle, 1 << 16):
            digest.update(chunk)
    finally:
        os.close(handle)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One row of the ledger."""

    id: int
    revision: str
    direction: str
    status: str
    checksum: str | None
    file_sha: str | None
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None
    os_user: str | None
    db_user: str | None
    client_host: str | None
    git_commit: str | None
    rowstamp_version: str | None
    alembic_version: str | None
    note: str | None

    @property
    def who(self) -> str:
        """``os_user@client_host`` (database user in parentheses when known)."""
        who = f"{self.os_user or '?'}@{self.client_host or '?'}"
        return f"{who} (database user {self.db_user})" if self.db_user else who


class Ledger:
    """The ledger table of one database: ``name`` in ``schema`` (alembic_version's)."""

    def __init__(self, name: str = DEFAULT_TABLE, schema: str | None = None) -> None:
        self.name = name
        self.schema = schema
        self._compiled: dict[tuple[Dialect, Insert | Update, tuple[str, ...]], Prepared] = {}
        self.table = Table(
            name,
            MetaData(),
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("revision", String(255), nullable=False),
            Column("direction", String(16), nullable=False),
            Column("status", String(16), nullable=False),
            Column("checksum", String(100)),
            Column("file_sha", String(64)),
            Column("started_at", UTCDateTime(), nullable=False),
            Column("finished_at", UTCDateTime()),
            Column("seconds", Float),
            Column("os_user", String(255)),
            Column("db_user", String(255)),
            Column("client_host", String(255)),
            Column("git_commit", String(64)),
            Column("rowstamp_version", String(32)),
            Column("alembic_version", String(32)),
            Column("note", Text),
            schema=schema,
        )

    def exists(self, connection: Connection) -> bool:
        return inspect(connection).has_table(self.name, schema=self.schema)

    def create(self, connection: Connection) -> None:
        """Create the table unless it exists (the first run does, with no separate step)."""
        self.table.create(connection, checkfirst=True)

    def entries(self, connection: Connection, *, exists: bool = False) -> list[Entry]:
        """Every row, oldest first; none when the table does not exist (``exists``:
        the caller just created it, so no catalog query to ask)."""
        if not exists and not self.exists(connection):
            return []
        rows = connection.execute(select(self.table).order_by(self.table.c.id))
        return [Entry(*row) for row in rows]  # the table's columns are Entry's fields, in order

    def append(self, connection: Connection, **values: Any) -> int:
        """Insert one row (``revision``, ``direction``, ``status`` and any other column;
        ``started_at`` defaults to now); returns its id."""
        values.setdefault("started_at", datetime.now(UTC))
        insert = self._prepared(connection, self._insert, values)
        key = insert.new_key(insert.run(connection, values))
        if key is None:
            raise RuntimeError("the ledger insert returned no id")
        return key

    @staticmethod
    def done_row(id_: int, started_at: datetime, checksum: str | None) -> dict[str, Any]:
        """The values that end the running row ``id_`` as ``done`` now, with its checksum
        (for ``done``, which may write them later, with other steps' rows)."""
        now = datetime.now(UTC)
        seconds = max(0.0, (now - started_at).total_seconds())
        return {
            "row_id": id_,
            "started_at": started_at,  # a row written ahead: when the step really began
            "finished_at": now,
            "seconds": seconds,
            "checksum": checksum,
        }

    def done(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """End running rows as ``done`` (``done_row``): one statement built once, one
        executemany for many rows (a whole-run transaction writes them all at its end)."""
        if rows:
            self._prepared(connection, self._done, rows[0]).run_many(connection, rows)

    def _prepared(
        self, connection: Connection, statement: Insert | Update, values: Mapping[str, Any]
    ) -> Prepared:
        """``statement`` for ``values``' names, compiled once per dialect (``Prepared``)."""
        dialect = connection.dialect
        key = (dialect, statement, tuple(sorted(values)))
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = Prepared.compile(statement, dialect, values)
        return found

    @cached_property
    def _insert(self) -> Insert:
        return self.table.insert()

    @cached_property
    def _done(self) -> Update:
        c = self.table.c
        # the other columns come from the parameters: SET started_at, finished_at, ...
        return update(self.table).where(c.id == bindparam("row_id")).values(status="done")

    def finish(
        self,
        connection: Connection,
        ids: Sequence[int],
        status: str,
        note: str | None = None,
        *,
        timed: bool = True,
        **more: Any,
    ) -> None:
        """End the rows ``ids`` with ``status`` now, with their duration (and ``more``
        columns: a step's checksum, read once it ran). ``timed=False``: when the step
        ended is unknown (a dead run's row, found later)."""
        if not ids:
            return
        now = datetime.now(UTC)
        c = self.table.c
        for row in connection.execute(select(c.id, c.started_at).where(c.id.in_(ids))):
            started = row.started_at
            values: dict[str, Any] = {"status": status, **more}
            if timed:
                values["finished_at"] = now
            if timed and started is not None:
                values["seconds"] = max(0.0, (now - started).total_seconds())
            if note is not None:
                values["note"] = note
            connection.execute(update(self.table).where(c.id == row.id).values(**values))


def unresolved_interruptions(entries: Iterable[Entry]) -> list[Entry]:
    """Steps whose last row is ``running`` or ``interrupted``: a run stopped inside them
    and no later run applied the same step. Read under the migration lock, a
    ``running`` row is always a dead run's: only the lock holder writes the ledger."""
    last: dict[str, Entry] = {}
    for entry in entries:
        if entry.direction in ("upgrade", "downgrade") or (
            entry.direction in ("stamp", "unstamp") and entry.status == "done"
        ):
            last[entry.revision] = entry  # a later step or stamp of it settles it
    return sorted(
        (e for e in last.values() if e.status in ("running", "interrupted")), key=lambda e: e.id
    )
