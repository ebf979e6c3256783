"""The migration lock as a row lock, where session locks cannot be trusted.

Behind a transaction-mode pooler (PgBouncer) a session advisory lock stays on a
server connection the pooler hands to the next client, and CockroachDB has no real
advisory locks. A row lock needs neither: a second connection keeps one transaction
open for the whole run, holding ``SELECT ... FOR UPDATE NOWAIT`` on the lock's row
in ``rowstamp_lock``. The transaction pins one server connection in the pooler;
when the process dies the connection drops and the server rolls it back, so no
lease or expiry is needed. Waiters end their transaction between attempts, so they
hold no pooled connection while they wait.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Column, Connection, MetaData, String, Table, insert, select
from sqlalchemy.exc import DBAPIError

from rowstamp.engines import for_dialect

__all__ = ["LOCK_TABLE", "holder_tag", "lock_table", "table_lock"]

LOCK_TABLE = "rowstamp_lock"
"""One row per lock name (per version table); its row lock is the migration lock."""

_TAG_PREFIX = "rowstamp lock"


def holder_tag(key: str) -> str:
    """How the holding transaction names itself for ``key`` (PostgreSQL: its
    application name), so waiters and ``rowstamp doctor`` find it."""
    return f"{_TAG_PREFIX} {hashlib.sha256(key.encode()).hexdigest()[:8]}"


def lock_table(metadata: MetaData | None = None) -> Table:
    """The lock table: a name and nothing else (the holder is the transaction)."""
    return Table(LOCK_TABLE, metadata or MetaData(), Column("name", String(255), primary_key=True))


class TableLock:
    """A lock-table lock on its own connection: ``try_lock`` / ``holder`` / ``unlock``."""

    def __init__(self, connection: Connection, key: str) -> None:
        self.key = key
        self.table = lock_table()
        self.support = for_dialect(connection.dialect)
        self.own = connection.engine.connect()
        self._tag = holder_tag(key)
        self._ensure_row()

    def _ensure_row(self) -> None:
        """Create the table and the row, each committed; another process doing the same
        at once makes one of the two fail harmlessly."""
        with suppress(DBAPIError), self.own.begin():
            self.table.create(self.own, checkfirst=True)
        exists = select(self.table.c.name).where(self.table.c.name == self.key)
        with self.own.begin():
            present = self.own.execute(exists).first() is not None
        if not present:
            with suppress(DBAPIError), self.own.begin():
                self.own.execute(insert(self.table).values(name=self.key))

    def try_lock(self) -> bool:
        """Lock the row without waiting, keeping the transaction open when taken."""
        mine = select(self.table.c.name).where(self.table.c.name == self.key)
        try:
            self.own.execute(mine.with_for_update(nowait=True))
        except DBAPIError:
            self.own.rollback()
            return False
        who = f"{self._tag}: {socket.gethostname()} pid {os.getpid()}"
        self.support.name_lock_holder(self.own, who)
        return True

    def holder(self) -> str | None:
        try:
            return self.support.lock_table_holder(self.own, LOCK_TABLE, self._tag)
        finally:
            self.own.rollback()

    def unlock(self) -> None:
        with suppress(DBAPIError):
            self.own.rollback()
        self.own.close()


@contextmanager
def table_lock(connection: Connection, key: str) -> Iterator[TableLock]:
    """A lock-table lock for ``key`` on a second connection to ``connection``'s database;
    its connection is closed (the lock released) when the block ends."""
    lock = TableLock(connection, key)
    try:
        yield lock
    finally:
        lock.unlock()
