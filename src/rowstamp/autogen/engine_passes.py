"""What autogenerate changes once it knows the engine of the database it compared with.

The rest of autogenerate writes one file for every engine; these passes need the
connection: on SQLite, a batch rebuild that would lose something is refused
(``retrofit``); on MySQL and MariaDB, changes to existing tables are pinned to an
online algorithm (``online``).
"""

from __future__ import annotations

from alembic.operations import ops
from sqlalchemy import Connection

from rowstamp.autogen.online import pin_online_alters
from rowstamp.autogen.retrofit import keep_what_batch_would_lose

__all__ = ["for_the_engine"]


def for_the_engine(connection: Connection, script: ops.MigrationScript) -> None:
    """Every engine-specific pass over ``script``, in place."""
    keep_what_batch_would_lose(connection, script)
    pin_online_alters(connection, script)
