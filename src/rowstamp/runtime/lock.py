"""One migration at a time: a lock around every online Alembic run.

Alembic has no lock, so two deploys running ``alembic upgrade head`` at once can
apply a revision twice. ``alembic/env.py`` takes this lock before Alembic reads the
current revision, so a process that waited applies only what is still pending.
The lock is per version table (its schema and name); each engine module provides
the primitive: a PostgreSQL session advisory lock, MySQL ``GET_LOCK``, a file lock
beside a SQLite database. Where the capability probe finds session locks unsafe (a
transaction-mode pooler such as PgBouncer, CockroachDB), it is a row lock in the
``rowstamp_lock`` table instead (``rowstamp.runtime.lock_table``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from rowstamp.engines import for_dialect
from rowstamp.errors import MigrationLockError
from rowstamp.runtime.lock_table import LOCK_TABLE, holder_tag, table_lock

__all__ = ["lock_key", "migration_lock", "migration_lock_holder"]

log = logging.getLogger("rowstamp")

_POLL_SECONDS = 0.2


def lock_key(version_table: str, version_table_schema: str | None) -> str:
    """The lock's name: derived from the version table, so projects sharing a
    database with different version tables do not block each other."""
    return f"rowstamp:{version_table_schema or ''}.{version_table}"


@contextmanager
def migration_lock(
    connection: Connection,
    *,
    wait_seconds: float,
    statement_lock_timeout: float,
    version_table: str = "alembic_version",
    version_table_schema: str | None = None,
) -> Iterator[None]:
    """Hold the migration lock on ``connection`` for the whole block.

    Waits up to ``wait_seconds`` for another migration, saying who holds the lock
    where the engine can tell, then fails in one line. Also sets the engine's
    statement lock timeout, so a migration stuck behind a busy table fails fast.
    """
    support = for_dialect(connection.dialect)
    key = lock_key(version_table, version_table_schema)
    # A caller's own transaction (tests, pytest-alembic) is theirs to end, not ours.
    ours = not connection.in_transaction()
    session_locks = support.capabilities(connection).session_locks
    if ours and connection.in_transaction():
        connection.commit()  # the probe's: under a pooler, no transaction held meanwhile
    if not session_locks:
        with table_lock(connection, key) as lock:
            _wait(lock.try_lock, lock.holder, wait_seconds)
            support.configure_session(connection, statement_lock_timeout)
            if ours and connection.in_transaction():
                connection.commit()
            yield
        return
    _wait(
        lambda: support.try_lock(connection, key),
        lambda: support.lock_holder(connection, key),
        wait_seconds,
    )
    try:
        support.configure_session(connection, statement_lock_timeout)
        if ours and connection.in_transaction():
            # session locks outlive the commit; Alembic must see no open transaction
            connection.commit()
        yield
    finally:
        with suppress(DBAPIError):  # a dead connection released its session lock already
            if ours and connection.in_transaction():
                connection.rollback()
            support.unlock(connection, key)
            if ours and connection.in_transaction():
                connection.commit()


def migration_lock_holder(
    connection: Connection,
    version_table: str = "alembic_version",
    version_table_schema: str | None = None,
) -> str | None:
    """Who holds the migration lock now, whichever primitive this connection's runs
    take (a session lock, or the lock table behind a pooler); None when it is free
    or the engine cannot tell."""
    support = for_dialect(connection.dialect)
    key = lock_key(version_table, version_table_schema)
    if support.capabilities(connection).session_locks:
        return support.lock_holder(connection, key)
    return support.lock_table_holder(connection, LOCK_TABLE, holder_tag(key))


def _wait(
    try_lock: Callable[[], bool], holder_of: Callable[[], str | None], wait_seconds: float
) -> None:
    """Take the lock, waiting up to ``wait_seconds`` and saying once who holds it."""
    deadline = time.monotonic() + wait_seconds
    announced = False
    while not try_lock():
        holder = holder_of() or "another process"
        if time.monotonic() >= deadline:
            raise MigrationLockError(
                f"another migration still holds the migration lock after {wait_seconds:g} s "
                f"({holder})",
                "wait for it to finish, or raise MIGRATION_LOCK_TIMEOUT",
            )
        if not announced:
            log.warning("Waiting for the migration lock held by %s ...", holder)
            announced = True
        time.sleep(_POLL_SECONDS)
