"""What each engine does for a fleet: a tenant schema's session, and the one query per
server that reads many targets' revisions, ledger state and lock holders.

``rowstamp fleet status`` must not open one connection per tenant (django-tenants' 12
minutes for 900 tenants with nothing to apply): the targets a server holds are read
together, on one connection. A *place* is where one target's version table lives:
a PostgreSQL schema, a MariaDB/MySQL database, or None (the connection's own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from rowstamp.engines.base import bounded_name
from rowstamp.engines.postgresql import _numeric_key
from rowstamp.engines.postgresql_pooled import session_setting
from rowstamp.errors import RowstampError

__all__ = ["Found", "read_places", "server_and_place", "set_search_path"]


@dataclass(frozen=True)
class Found:
    """One place as the server reported it."""

    present: bool
    """The schema (database) exists."""
    revisions: tuple[str, ...] | None
    """What its version table holds; None: it has no version table yet."""
    running: int | None
    """Ledger rows still ``running`` (a run died there); None: no ledger."""
    holder: str | None
    """Who holds its migration lock now, if anyone."""


def set_search_path(connection: Connection, schema: str) -> None:
    """Make ``schema`` the session's only schema; one line on engines without schemas."""
    if connection.dialect.name != "postgresql":
        raise RowstampError(
            f"a target with a schema ({schema}) needs PostgreSQL, not {connection.dialect.name}",
            "on MariaDB/MySQL and SQLite give each tenant its own database in the URL",
        )
    # per transaction behind a transaction pooler: a session SET would reach the server
    # connection the next client gets, and this run's DDL another tenant's schema
    session_setting(connection, "search_path", _q(schema))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_places(
    connection: Connection,
    places: Sequence[str | None],
    *,
    lock_key: Callable[[str | None], str],
    version_table: str,
    ledger_table: str | None,
) -> dict[str | None, Found]:
    """Every place's revision, ledger state and lock holder, read on ``connection``;
    ``lock_key`` names a place's migration lock (``rowstamp.runtime.lock.lock_key``)."""
    ask = _Ask(lock_key, version_table, ledger_table)
    name = connection.dialect.name
    if name == "postgresql":
        return _postgresql(connection, places, ask)
    if name in {"mysql", "mariadb"}:
        return _mysql(connection, places, ask)
    return {p: _sqlite(connection, ask) for p in places}


@dataclass(frozen=True)
class _Ask:
    """What every engine's query reads: one value, not the same three arguments
    passed down to each reader."""

    lock_key: Callable[[str | None], str]
    version_table: str
    ledger_table: str | None

    @property
    def tables(self) -> dict[str, str]:
        """The tables' bind parameters; no ledger is a name no table has."""
        return {"vt": self.version_table, "lt": self.ledger_table or ""}


# One round trip: the catalog says which schemas have the tables, query_to_xml reads
# each schema's own table from inside the same statement, pg_locks the lock holders.
_PG_PLACES = text(
    """
    WITH w AS (
      SELECT u.place, coalesce(u.place, current_schema()) AS name, u.classid, u.objid, u.i
      FROM unnest(CAST(:places AS text[]), CAST(:classids AS bigint[]),
                  CAST(:objids AS bigint[])) WITH ORDINALITY AS u(place, classid, objid, i)
    ), held AS (
      SELECT l.classid::bigint AS classid, l.objid::bigint AS objid,
             min(a.pid || ', ' || coalesce(nullif(a.application_name, ''),
                 'no application name')) AS who
      FROM pg_catalog.pg_locks l
      JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_catalog.pg_database
                          WHERE datname = current_database())
      GROUP BY 1, 2
    )
    SELECT w.i, n.oid IS NOT NULL AS present,
      CASE WHEN v.oid IS NOT NULL THEN CAST(xpath('/table/row/v/text()', query_to_xml(
        format('SELECT version_num AS v FROM %I.%I', w.name, :vt), false, false, ''))
        AS text[]) END AS versions,
      CASE WHEN h.oid IS NOT NULL THEN CAST((xpath('/table/row/n/text()', query_to_xml(
        format('SELECT count(*) AS n FROM %I.%I WHERE status = %L', w.name, :lt, 'running'),
        false, false, '')))[1] AS text) END AS running,
      held.who
    FROM w
    LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = w.name
    LEFT JOIN pg_catalog.pg_class v
      ON v.relnamespace = n.oid AND v.relname = :vt AND v.relkind IN ('r', 'p')
    LEFT JOIN pg_catalog.pg_class h
      ON h.relnamespace = n.oid AND h.relname = :lt AND h.relkind IN ('r', 'p')
    LEFT JOIN held ON held.classid = w.classid AND held.objid = w.objid
    ORDER BY w.i
    """
)


def _postgresql(
    connection: Connection, places: Sequence[str | None], ask: _Ask
) -> dict[str | None, Found]:
    numbers = [_numeric_key(ask.lock_key(p)) & 0xFFFFFFFFFFFFFFFF for p in places]
    rows = connection.execute(
        _PG_PLACES,
        {
            "places": list(places),
            "classids": [n >> 32 for n in numbers],
            "objids": [n & 0xFFFFFFFF for n in numbers],
            **ask.tables,  # no ledger: the CASE reads nothing
        },
    ).all()
    found: dict[str | None, Found] = {}
    for row in rows:
        versions = row.versions
        found[places[row.i - 1]] = Found(
            present=bool(row.present),
            revisions=None if versions is None else tuple(sorted(versions)),
            running=None if row.running is None else int(row.running),
            holder=None if row.who is None else f"pid {row.who}",
        )
    return found


def _mysql(
    connection: Connection, places: Sequence[str | None], ask: _Ask
) -> dict[str | None, Found]:
    """Two round trips: the catalog, then one UNION ALL over the databases that have
    the tables (MySQL has no dynamic SQL inside a SELECT)."""
    current = connection.execute(text("SELECT DATABASE()")).scalar() or ""
    names = {p: p or current for p in places}
    catalog = connection.execute(
        text(
            "SELECT s.schema_name AS db, t.table_name AS tbl FROM information_schema.schemata s"
            " LEFT JOIN information_schema.tables t ON t.table_schema = s.schema_name"
            " AND t.table_name IN (:vt, :lt) WHERE s.schema_name IN :dbs"
        ).bindparams(dbs=list(set(names.values())) or [""]),
        ask.tables,
    ).all()
    present = {r.db for r in catalog}
    tables = {(r.db, r.tbl) for r in catalog if r.tbl is not None}
    parts, params = [], {}
    for i, db in enumerate(names.values()):
        quoted = "`" + db.replace("`", "``") + "`"
        key = bounded_name(f"{ask.lock_key(None)}@{db}", 64)
        params[f"k{i}"] = key
        parts.append(f"SELECT {i} AS i, 'lock' AS kind, CAST(IS_USED_LOCK(:k{i}) AS CHAR) AS v")
        if (db, ask.version_table) in tables:
            parts.append(f"SELECT {i}, 'rev', version_num FROM {quoted}.`{ask.version_table}`")
        if (db, ask.ledger_table) in tables:
            parts.append(
                f"SELECT {i}, 'run', CAST(COUNT(*) AS CHAR) FROM {quoted}.`{ask.ledger_table}`"
                " WHERE status = 'running'"
            )
    revisions: dict[int, list[str]] = {}
    running: dict[int, int] = {}
    holders: dict[int, str] = {}
    for row in connection.execute(text(" UNION ALL ".join(parts)), params):
        if row.kind == "rev":
            revisions.setdefault(row.i, []).append(row.v)
        elif row.kind == "run":
            running[row.i] = int(row.v)
        elif row.v is not None:
            holders[row.i] = f"connection {row.v}"
    found: dict[str | None, Found] = {}
    for i, (place, db) in enumerate(names.items()):
        has_versions = (db, ask.version_table) in tables
        found[place] = Found(
            present=db in present,
            revisions=tuple(sorted(revisions.get(i, []))) if has_versions else None,
            running=running.get(i) if (db, ask.ledger_table) in tables else None,
            holder=holders.get(i),
        )
    return found


def _sqlite(connection: Connection, ask: _Ask) -> Found:
    version_table, ledger_table = ask.version_table, ask.ledger_table
    tables = {
        r[0]
        for r in connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (:vt, :lt)"),
            ask.tables,
        )
    }
    revisions = None
    if version_table in tables:
        rows = connection.execute(text(f'SELECT version_num FROM "{version_table}"'))
        revisions = tuple(sorted(r[0] for r in rows))
    running = None
    if ledger_table and ledger_table in tables:
        query = text(f"SELECT COUNT(*) FROM \"{ledger_table}\" WHERE status = 'running'")
        running = int(connection.execute(query).scalar() or 0)
    holder = for_dialect(connection.dialect).lock_holder(connection, ask.lock_key(None))
    return Found(present=True, revisions=revisions, running=running, holder=holder)


def server_and_place(url: URL, schema: str | None) -> tuple[URL, str | None]:
    """The connection that can read a target, and the target's place on it: targets
    with the same connection are read together. PostgreSQL reads the schemas of one
    database; MariaDB/MySQL read every database of one server; SQLite one file."""
    backend = url.get_backend_name()
    if backend in {"mysql", "mariadb"} and schema is None:
        return url.set(database=None), url.database
    return url, schema
