"""What rowstamp relies on in a database, found by asking the server, not the URL.

A URL says ``postgresql://`` for PostgreSQL, PgBouncer, CockroachDB and YugabyteDB
alike, and ``mysql://`` for MariaDB and TiDB; what differs (row triggers, session
locks, transactional DDL) decides which lock and which ``updated_at`` mechanism are
safe. Each engine module probes one connection with one query; the answer is kept
on the DBAPI connection, so a run asks once. docs/engines.md has the table per
product, with what was tested here and what comes from vendor documentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

__all__ = ["Capabilities", "CapabilitySupport"]

_CACHE_KEY = "rowstamp_capabilities"


@dataclass(frozen=True)
class Capabilities:
    """What one connection offers, as rowstamp uses it."""

    product: str
    """What the server says it is (``PostgreSQL 15.4``, ``TiDB``, ``PgBouncer in front
    of PostgreSQL``)."""
    row_triggers: bool = True
    """``BEFORE UPDATE ... FOR EACH ROW`` triggers can be created here: rowstamp's
    ``updated_at`` trigger. Without: ``ON UPDATE`` (MySQL family) or the ORM's onupdate."""
    session_locks: bool = True
    """A session-level lock (advisory lock, ``GET_LOCK``, a file lock) excludes other
    runs for as long as this connection lives. Without: the lock table."""
    transactional_ddl: bool = True
    """DDL rolls back with its transaction (a failed revision leaves nothing)."""
    replace_function_in_use: bool = True
    """``CREATE OR REPLACE FUNCTION`` works while triggers use the function."""
    several_ddl_per_transaction: bool = True
    """More than one DDL statement may run in one transaction."""
    on_update_clause: bool = False
    """A column can keep itself current: ``ON UPDATE CURRENT_TIMESTAMP(6)``."""
    pooled: bool = False
    """The connection goes through a transaction-mode pooler: session state (``SET``,
    session locks, prepared statements) does not survive a transaction."""
    notes: tuple[str, ...] = field(default=())
    """Why a capability is missing, in words, for ``rowstamp doctor``."""

    @property
    def missing(self) -> list[str]:
        """The capabilities this connection lacks, by name."""
        names = {
            "row triggers": self.row_triggers,
            "session locks": self.session_locks,
            "transactional DDL": self.transactional_ddl,
            "CREATE OR REPLACE FUNCTION in use": self.replace_function_in_use,
            "several DDL per transaction": self.several_ddl_per_transaction,
        }
        return [name for name, present in names.items() if not present]


class CapabilitySupport:
    """The probe each engine module implements (``EngineSupport`` inherits it)."""

    def probe_capabilities(self, connection: Connection) -> Capabilities:
        """Ask the server what it offers, in one query (or none where nothing varies)."""
        raise NotImplementedError

    def name_lock_holder(self, connection: Connection, tag: str) -> None:
        """Make the transaction holding the lock-table lock findable by ``tag``, where
        the engine can (PostgreSQL: its application name)."""

    def lock_table_holder(self, connection: Connection, table: str, tag_prefix: str) -> str | None:
        """Who holds a row of the lock table, for the waiting message; None if unknown."""
        return None

    def capabilities(self, connection: Connection) -> Capabilities:
        """The connection's capabilities, probed once per DBAPI connection."""
        found = connection.info.get(_CACHE_KEY)
        if not isinstance(found, Capabilities):
            found = connection.info[_CACHE_KEY] = self.probe_capabilities(connection)
        return found
