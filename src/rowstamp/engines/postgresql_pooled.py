"""PostgreSQL-compatible servers and poolers: what one probe query tells apart.

The signal for a pooler is the backend pid. At connect, the server tells the client
its pid (BackendKeyData, for cancel requests); ``pg_backend_pid()`` is the pid of the
backend that runs the query. On a direct connection they are equal. A pooler
(PgBouncer, and Neon's and Supabase's PgBouncer-based endpoints) answers the startup
itself with a made-up cancel key, so they differ on the very first query, even when
only one server connection exists. A URL port or host name proves nothing (a
PgBouncer can listen on 5432), and a pid that changes between transactions shows
only when the pool holds more than one server connection. Session pooling is
counted as pooled too: the lock table costs a little and is safe everywhere.

Under pooling, settings rowstamp needs for a whole run (``lock_timeout``) are set at
the start of every transaction with ``set_config(..., true)``, which ends with the
transaction, and psycopg's automatic prepared statements are turned off (PgBouncer
before 1.21 does not track them).
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, event, text

from rowstamp.engines.capabilities import Capabilities
from rowstamp.errors import UnsafeUnderPoolerError

__all__ = [
    "lock_table_holder",
    "name_lock_holder",
    "probe",
    "session_setting",
    "set_per_transaction",
]

_PROBE = text(
    "SELECT pg_catalog.pg_backend_pid(), pg_catalog.version(), "
    "EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')"
)
_NEEDED = frozenset({"search_path"})
"""Settings without which a statement would be wrong, not only slower (``lock_timeout``):
an autocommit block cannot carry them through a transaction pooler, so it is refused."""
_SETTINGS: WeakKeyDictionary[Connection, dict[str, str]] = WeakKeyDictionary()
"""Per-transaction settings of each connection (the Connection, not the DBAPI one:
the listener that applies them lives on the Connection)."""

_HOLDER = text(
    """
    SELECT a.pid, a.application_name, date_trunc('second', a.xact_start) AS since
    FROM pg_catalog.pg_locks l
    JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'RowShareLock'
      AND l.relation = to_regclass(:table) AND a.pid <> pg_catalog.pg_backend_pid()
      AND a.application_name LIKE :tag
    ORDER BY a.xact_start
    LIMIT 1
    """
)


def probe(connection: Connection) -> Capabilities:
    """One query: the product from ``version()``, Citus from its extension, a pooler
    from the backend pid (see the module's docstring)."""
    pid, version, citus = connection.execute(_PROBE).one()
    told = _driver_backend_pid(connection.connection.dbapi_connection)
    pooled = told is not None and told != pid
    notes: list[str] = []
    if pooled:
        _no_prepared_statements(connection.connection.dbapi_connection)
        notes.append(
            "the connection goes through a transaction pooler (its backend pid is not the "
            "one the server announced): the migration lock is the rowstamp_lock table; "
            "set MIGRATION_DATABASE_URL to a direct URL to bypass the pooler"
        )
    product = _product(str(version), bool(citus))
    if product.startswith("CockroachDB"):
        major_minor = tuple(int(n) for n in re.findall(r"v(\d+)\.(\d+)", str(version))[0])
        triggers = major_minor >= (24, 3)
        notes.append(
            "CockroachDB: no session advisory locks, one DDL statement per transaction"
            + ("" if triggers else ", no row triggers before 24.3")
        )
        return Capabilities(
            product=product,
            row_triggers=triggers,
            session_locks=False,
            transactional_ddl=False,
            replace_function_in_use=False,
            several_ddl_per_transaction=False,
            pooled=pooled,
            notes=tuple(notes),
        )
    if product.startswith("YugabyteDB"):  # advisory locks only in recent releases (2.27)
        notes.append("YugabyteDB: the migration lock is the rowstamp_lock table")
    return Capabilities(
        product=product + (" through a pooler" if pooled else ""),
        session_locks=not pooled and not product.startswith("YugabyteDB"),
        pooled=pooled,
        notes=tuple(notes),
    )


def _product(version: str, citus: bool) -> str:
    if "CockroachDB" in version:
        return version.split("(")[0].strip()
    name = "YugabyteDB" if "-YB-" in version else "PostgreSQL"
    number = version.split()[1] if len(version.split()) > 1 else ""
    return f"{name} {number}".strip() + (" with Citus" if citus else "")


def _driver_backend_pid(dbapi_connection: Any) -> int | None:
    """The pid the server announced at connect (psycopg 3, then psycopg2); None if the
    driver does not say."""
    info = getattr(dbapi_connection, "info", None)
    pid = getattr(info, "backend_pid", None)
    if isinstance(pid, int):
        return pid
    get = getattr(dbapi_connection, "get_backend_pid", None)
    return int(get()) if callable(get) else None


def _no_prepared_statements(dbapi_connection: Any) -> None:
    if hasattr(dbapi_connection, "prepare_threshold"):
        dbapi_connection.prepare_threshold = None


def set_per_transaction(connection: Connection, name: str, value: str) -> None:
    """Set ``name`` now and at the start of every later transaction on ``connection``,
    transaction-locally: under a transaction pooler a session ``SET`` would land on a
    server connection other clients get next, and be missing from ours."""
    settings = _SETTINGS.get(connection)
    if settings is None:
        settings = _SETTINGS[connection] = {}

        def apply(conn: Connection) -> None:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                for key, setting in _SETTINGS.get(conn, {}).items():
                    cursor.execute("SELECT set_config(%s, %s, true)", (key, setting))
            finally:
                cursor.close()

        def refuse_autocommit(conn: Connection, options: dict[str, Any]) -> None:
            kept = _SETTINGS.get(conn, {})
            if options.get("isolation_level") == "AUTOCOMMIT" and _NEEDED.intersection(kept):
                raise UnsafeUnderPoolerError(
                    "a tenant schema's search_path cannot hold for statements outside a "
                    "transaction (an autocommit block) through a transaction pooler: they "
                    "would run in another schema",
                    "set MIGRATION_DATABASE_URL to a direct connection to the server",
                )

        event.listen(connection, "begin", apply)
        event.listen(connection, "set_connection_execution_options", refuse_autocommit)
    settings[name] = value
    if connection.in_transaction():
        connection.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )


def session_setting(connection: Connection, name: str, value: str) -> None:
    """Set ``name`` for the rest of the session: a session ``set_config`` on a direct
    connection, per transaction under a pooler. Outside transactions (an autocommit
    block) a pooler keeps no setting at all: refused in one line."""
    from rowstamp.engines import for_dialect

    if not for_dialect(connection.dialect).capabilities(connection).pooled:
        query = text("SELECT set_config(:name, :value, false)")
        connection.execute(query, {"name": name, "value": value})
        return
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        raise UnsafeUnderPoolerError(
            f"{name} cannot hold for statements outside a transaction (an autocommit block, "
            "e.g. CREATE INDEX CONCURRENTLY) through a transaction pooler",
            "set MIGRATION_DATABASE_URL to a direct connection to the server",
        )
    set_per_transaction(connection, name, value)


def name_lock_holder(connection: Connection, tag: str) -> None:
    """Show ``tag`` as the holding transaction's application name, for waiters."""
    connection.execute(text("SELECT set_config('application_name', :tag, true)"), {"tag": tag[:63]})


def lock_table_holder(connection: Connection, table: str, tag_prefix: str) -> str | None:
    """Who holds a row lock in the lock table: the session that named itself."""
    row = connection.execute(_HOLDER, {"table": table, "tag": f"{tag_prefix}%"}).first()
    if row is None:
        return None
    return f"{row.application_name}, server pid {row.pid}, since {row.since}"
