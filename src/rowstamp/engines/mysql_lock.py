"""The MariaDB/MySQL migration lock (``GET_LOCK``) and its release after Ctrl-C.

A session lock lives as long as the server's thread of the connection that took it,
not as long as the client's socket: a run interrupted while a statement runs in the
server (a long ``ALTER``, ``SLEEP()``) drops its connection (SQLAlchemy invalidates
it), but the server thread goes on with the statement and keeps the lock until the
statement ends, minutes later. So the thread's id is kept when the lock is taken, and
a release on an invalidated connection kills that thread from a new connection: the
statement stops and the lock is free before the run reports (and before ``rowstamp
fleet upgrade`` reads the target back for its table).
"""

from __future__ import annotations

import weakref
from contextlib import suppress

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["release", "take"]

_held: weakref.WeakKeyDictionary[Connection, tuple[str, int]] = weakref.WeakKeyDictionary()


def take(connection: Connection, name: str) -> bool:
    """``GET_LOCK(name, 0)``, noting the server thread that holds it."""
    row = connection.execute(text("SELECT GET_LOCK(:name, 0), CONNECTION_ID()"), {"name": name})
    taken, thread = row.one()
    if taken == 1:
        _held[connection] = (name, int(thread))
    return bool(taken == 1)


def release(connection: Connection) -> None:
    """``RELEASE_LOCK``; on an invalidated connection, end its server thread instead."""
    held = _held.pop(connection, None)
    if held is None:
        return
    name, thread = held
    if not connection.invalidated:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        return
    with suppress(SQLAlchemyError), connection.engine.connect() as other:
        # only while that thread still holds our lock: a thread that has ended
        # meanwhile released it, and its id must not reach another session
        holder = other.execute(text("SELECT IS_USED_LOCK(:name)"), {"name": name}).scalar()
        if holder is not None and int(holder) == thread:
            other.exec_driver_sql(f"KILL {thread:d}")  # a thread id: an integer
