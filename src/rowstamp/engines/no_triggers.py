"""How ``updated_at`` is kept on a server without row triggers, chosen by the capability probe.

The probe (``engines.capabilities``), not the URL, says a server has no row triggers
(TiDB, Vitess, a MariaDB/MySQL user without TRIGGER). Where the column itself can
keep current (``ON UPDATE``, the MySQL family) the trigger operations write that
clause instead (``mysql_on_update``), autogenerate and ``rowstamp doctor`` count such
a column as kept (and doctor says how), and rowstamp's connections pin the session
time zone to UTC, since ``CURRENT_TIMESTAMP`` follows it. Elsewhere (the PostgreSQL
family before CockroachDB 24.3) there is no fallback: the trigger operations refuse.
"""

from __future__ import annotations

import logging
from weakref import WeakSet

from sqlalchemy import Connection, Engine, event

from rowstamp.engines import for_dialect, mysql_on_update
from rowstamp.engines.ddl import TriggerSpec

__all__ = [
    "KEPT_BY_ON_UPDATE",
    "create_without_trigger",
    "drop_without_trigger",
    "kept_by_on_update",
    "on_update_fallback",
    "pin_utc",
]

log = logging.getLogger("rowstamp")

KEPT_BY_ON_UPDATE = "updated_at kept by ON UPDATE (no triggers on this server)"
"""What doctor says of such a table: neither a missing trigger nor silently OK."""

_pinned: WeakSet[Engine] = WeakSet()


def on_update_fallback(connection: Connection) -> bool:
    """True where this server has no row triggers for us but an ``ON UPDATE`` clause."""
    found = for_dialect(connection.dialect).capabilities(connection)
    return not found.row_triggers and found.on_update_clause


def create_without_trigger(connection: Connection, spec: TriggerSpec) -> bool:
    """``op.create_updated_at_trigger`` where there are no triggers: the column's
    ``ON UPDATE`` clause, and one line saying so. False where triggers exist."""
    if not on_update_fallback(connection):
        return False
    pin_utc(connection)
    ours = mysql_on_update.add_on_update(connection, spec.table_name, spec.column, spec.schema)
    product = for_dialect(connection.dialect).capabilities(connection).product
    line = mysql_on_update.fallback_line(spec.table_name, spec.column, product)
    log.warning(line if ours else f"{line}; the clause was the column's own and stays")
    return True


def drop_without_trigger(connection: Connection, spec: TriggerSpec) -> bool:
    """``op.drop_updated_at_trigger`` there: remove the clause rowstamp added (only)."""
    if not on_update_fallback(connection):
        return False
    mysql_on_update.remove_on_update(connection, spec.table_name, spec.column, spec.schema)
    return True


def kept_by_on_update(connection: Connection, schema: str | None) -> dict[str, set[str]]:
    """The columns keeping themselves current, per table, on a server without row
    triggers (one catalog query); empty, with no query, where triggers exist."""
    if not on_update_fallback(connection):
        return {}
    return mysql_on_update.on_update_columns(connection, schema)


def pin_utc(connection: Connection) -> None:
    """On a server without triggers, set this connection's session time zone to UTC,
    and every later one of its engine's (a backfill's second connection)."""
    if not on_update_fallback(connection):
        return
    connection.exec_driver_sql(mysql_on_update.PIN_UTC)
    engine = connection.engine
    if engine not in _pinned:
        _pinned.add(engine)
        event.listen(engine, "connect", _pin_new)


def _pin_new(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    try:
        cursor.execute(mysql_on_update.PIN_UTC)
    finally:
        cursor.close()
