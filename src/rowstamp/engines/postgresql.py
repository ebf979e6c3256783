"""PostgreSQL: a shared plpgsql function and a ``BEFORE UPDATE`` trigger per table.

Trigger names are scoped to their table, so every table's trigger is called
``update_timestamp``; the function ``set_updated_at()`` lives in the table's
schema and is dropped only when no trigger depends on it any more.

A pinned "now" (``DATABASE_TIMESTAMP_UTC``) gets a function of its own,
``set_updated_at_<8 hex of the expression's SHA-256>()``: ``CREATE OR REPLACE`` of
a shared name would change the trigger of every table that uses it, and no
downgrade could put the old body back.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler, SQLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement
from sqlalchemy.sql.elements import TextClause

from rowstamp.engines import postgresql_pooled as pooled
from rowstamp.engines.base import EngineSupport, database_statement
from rowstamp.engines.capabilities import Capabilities
from rowstamp.engines.catalog import Catalog
from rowstamp.engines.ddl import (
    CreateUpdatedAtFunction,
    CreateUpdatedAtTrigger,
    DropUpdatedAtFunction,
    DropUpdatedAtTrigger,
    TriggerSpec,
)
from rowstamp.engines.postgresql_catalog import read_catalog
from rowstamp.engines.postgresql_functions import (
    DEFAULT_NOW,
    FUNCTION_PATTERN,
    TRIGGER_FUNCTIONS,
    UNTOUCHED_SETTING,
    UNTOUCHED_WHEN,
    body,
    edited,
    function_name,
    function_version,
    should_set,
)
from rowstamp.engines.postgresql_moddatetime import PostgreSQLCTrigger
from rowstamp.engines.tools import run_tool

__all__ = ["PostgreSQLSupport", "function_name", "trigger_table_and_name"]

_DIALECT = "postgresql"
# Dollar-quote tag for function and DO bodies; identifiers never appear inside it unquoted.
_TAG = "$rowstamp$"

_TABLES_WITH_TRIGGER = text(
    """
    SELECT c.relname, p.proname
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
    WHERE n.nspname = coalesce(:schema, current_schema())
      AND t.tgname = :trigger
      AND p.proname ~ :function
      AND NOT t.tgisinternal
    """
)

_TRIGGER_FUNCTIONS = text(
    """
    SELECT n.nspname, p.proname, p.prosrc
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.proname ~ :function AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
    ORDER BY n.nspname, p.proname
    """
)

_LOCK_HOLDER = text(
    """
    SELECT a.pid, a.application_name, date_trunc('second', a.xact_start) AS since
    FROM pg_catalog.pg_locks l
    JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted
      AND l.classid = :classid AND l.objid = :objid AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
    """
)

_LOCK_BLOCKERS = text(
    """
    SELECT a.pid, a.state, left(a.query, 200) AS query
    FROM pg_catalog.pg_stat_activity a
    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
      AND a.xact_start IS NOT NULL
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                  WHERE l.pid = a.pid AND l.granted AND l.locktype = 'relation')
    ORDER BY a.xact_start
    """
)


class PostgreSQLSupport(EngineSupport, PostgreSQLCTrigger):
    """PostgreSQL 11 or newer (``EXECUTE FUNCTION``)."""

    name: ClassVar[str] = "PostgreSQL"
    dialects: ClassVar[tuple[str, ...]] = (_DIALECT,)
    identifier_limit: ClassVar[int] = 63
    default_port: ClassVar[int | None] = 5432
    trigger_name_per_table: ClassVar[bool] = True
    naive_timestamps: ClassVar[bool] = False
    table_name_limit: ClassVar[int | None] = 63
    trigger_forms: ClassVar[tuple[int, ...]] = (1, 2, 3)

    def utc_now_sql(self, compiler: SQLCompiler, version: int, **kw: Any) -> str:
        # now() is an absolute instant for timestamptz columns, whatever the session
        # TimeZone; being STABLE, it keeps ADD COLUMN ... DEFAULT catalog-only.
        return DEFAULT_NOW

    def create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        spec = self.written_spec(spec)
        return [CreateUpdatedAtFunction(spec), CreateUpdatedAtTrigger(spec)]

    def drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        spec = self.written_spec(spec)
        return [DropUpdatedAtTrigger(spec), DropUpdatedAtFunction(spec)]

    def trigger_versions(self, connection: Connection, schema: str | None) -> dict[str, int]:
        rows = connection.execute(
            _TABLES_WITH_TRIGGER,
            {"schema": schema, "trigger": self.trigger_prefix, "function": TRIGGER_FUNCTIONS},
        )
        return {table: function_version(function) for table, function in rows}

    def mark_untouched(self) -> TextClause:
        """Transaction-local (``true``): the mark ends with the transaction, even an aborted one."""
        return text(f"SELECT set_config('{UNTOUCHED_SETTING}', 'on', true)")

    def unmark_untouched(self) -> TextClause:
        return text(f"SELECT set_config('{UNTOUCHED_SETTING}', '', true)")

    def catalog_objects(self, connection: Connection) -> Catalog:
        quote = connection.dialect.identifier_preparer.quote
        return read_catalog(connection, lambda name, text: edited(name, text, quote))

    def edited_functions(self, connection: Connection) -> list[str]:
        column = connection.dialect.identifier_preparer.quote
        rows = connection.execute(_TRIGGER_FUNCTIONS, {"function": FUNCTION_PATTERN}).all()
        return [
            f"function {schema}.{name}() has a body rowstamp's migrations did not write"
            f"{should_set(name, text, column)}; put that body back with CREATE OR REPLACE FUNCTION"
            for schema, name, text in rows
            if edited(name, text, column)
        ]

    @contextmanager
    def east_of_utc(self, connection: Connection, hours: int) -> Iterator[None]:
        """``SET LOCAL``: the zone ends with the caller's transaction, even an aborted one."""
        # a zone name, not an offset: psycopg reads timestamps in the zone it is told of
        zone = f"Etc/GMT{-hours:+d}"  # the tz database counts west of UTC, as POSIX
        connection.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})
        yield

    # Session advisory locks: they need a direct connection, not a transaction-mode
    # pooler such as PgBouncer's, which may hand the session to another client.
    def try_lock(self, connection: Connection, key: str) -> bool:
        query = text("SELECT pg_try_advisory_lock(:key)")
        return bool(connection.execute(query, {"key": _numeric_key(key)}).scalar())

    def unlock(self, connection: Connection, key: str) -> None:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _numeric_key(key)})

    def lock_holder(self, connection: Connection, key: str) -> str | None:
        number = _numeric_key(key) & 0xFFFFFFFFFFFFFFFF
        row = connection.execute(
            _LOCK_HOLDER, {"classid": number >> 32, "objid": number & 0xFFFFFFFF}
        ).first()
        if row is None:
            return None
        return f"pid {row.pid}, {row.application_name or 'no application name'}, since {row.since}"

    def is_lock_timeout(self, error: DBAPIError) -> bool:
        return getattr(error.orig, "sqlstate", None) == "55P03"  # lock_not_available

    def lock_blockers(self, connection: Connection) -> list[str]:
        rows = connection.execute(_LOCK_BLOCKERS)
        return [f"pid {r.pid} ({r.state}): {' '.join(str(r.query).split())}" for r in rows]

    def configure_session(self, connection: Connection, lock_timeout: float) -> None:
        milliseconds = str(max(1, round(lock_timeout * 1000)))
        if self.capabilities(connection).pooled:  # no session to configure: each transaction
            pooled.set_per_transaction(connection, "lock_timeout", milliseconds)
            return
        connection.execute(
            text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": milliseconds}
        )
        if (connection.dialect.server_version_info or (0,)) >= (14,):
            # a deploy killed mid-statement: the server ends its session (and releases the
            # migration lock) within a second instead of when the statement finishes
            connection.execute(
                text("SELECT set_config('client_connection_check_interval', '1000', false)")
            )

    def probe_capabilities(self, connection: Connection) -> Capabilities:
        return pooled.probe(connection)

    def name_lock_holder(self, connection: Connection, tag: str) -> None:
        pooled.name_lock_holder(connection, tag)

    def lock_table_holder(self, connection: Connection, table: str, tag_prefix: str) -> str | None:
        return pooled.lock_table_holder(connection, table, tag_prefix)

    backup_suffix: ClassVar[str] = ".dump"

    def backup(self, url: URL, path: Path) -> None:
        command = [
            _tool("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--file={path}",
            f"--dbname={_conninfo(url)}",
        ]
        run_tool(command, url, _tool_env(url))

    def client_tools(self) -> dict[str, str | None]:
        return {name: _installed(_tool(name)) for name in ("pg_dump", "pg_restore")}

    def verify_backup(self, path: Path) -> str:
        listing = run_tool([_tool("pg_restore"), "--list", str(path)], URL.create("x"), {})
        # pg_restore reads the whole table of contents or fails; an empty database
        # (before its first migration) has a valid, empty one
        entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
        return f"pg_restore --list: {len(entries)} entries"

    def restore(self, path: Path, url: URL) -> None:
        command = [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--no-password",
            f"--dbname={_conninfo(url)}",
            str(path),
        ]
        run_tool(command, url, _tool_env(url))

    database_names_sql: ClassVar[str] = "SELECT datname FROM pg_catalog.pg_database"

    def drop_database(self, url: URL, name: str) -> None:
        """Drop the database ``name`` if it exists, even with sessions still on it."""
        database_statement(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


_SUPPORT = PostgreSQLSupport()


def _numeric_key(key: str) -> int:
    """The migration lock's name as the signed 64-bit number advisory locks take."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _function(compiler: DDLCompiler, spec: TriggerSpec) -> str:
    name = compiler.preparer.quote(function_name(spec.now, spec.column, spec.version))
    if spec.schema is not None:
        return f"{compiler.preparer.quote_schema(spec.schema)}.{name}"
    return name


def _table(compiler: DDLCompiler, spec: TriggerSpec) -> str:
    table = compiler.preparer.quote(spec.table_name)
    if spec.schema is not None:
        return f"{compiler.preparer.quote_schema(spec.schema)}.{table}"
    return table


def trigger_table_and_name(compiler: DDLCompiler, spec: TriggerSpec) -> tuple[str, str]:
    """The quoted table and trigger name of ``spec``, for other trigger forms."""
    return _table(compiler, spec), compiler.preparer.quote(_SUPPORT.trigger_name(spec.table_name))


@compiles(CreateUpdatedAtFunction, _DIALECT)
def _create_function(element: CreateUpdatedAtFunction, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    column = compiler.preparer.quote(spec.column)
    now = _SUPPORT.now_sql(compiler.sql_compiler, spec, **kw)
    # the name stands for the body: replacing it changes no other table's trigger
    return (
        f"CREATE OR REPLACE FUNCTION {_function(compiler, spec)}() RETURNS trigger\n"
        f"LANGUAGE plpgsql AS {_TAG}{body(column, now, spec.version)}{_TAG}"
    )


@compiles(DropUpdatedAtFunction, _DIALECT)
def _drop_function(element: DropUpdatedAtFunction, compiler: DDLCompiler, **kw: Any) -> str:
    # Other tables' triggers may still use the function: PostgreSQL's dependency
    # tracking refuses the drop then, and the DO block keeps that refusal quiet.
    return (
        f"DO {_TAG}\n"
        "BEGIN\n"
        f"    DROP FUNCTION IF EXISTS {_function(compiler, element.spec)}();\n"
        "EXCEPTION WHEN dependent_objects_still_exist THEN\n"
        "    NULL;\n"
        "END;\n"
        f"{_TAG}"
    )


@compiles(CreateUpdatedAtTrigger, _DIALECT)
def _create_trigger(element: CreateUpdatedAtTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    name = compiler.preparer.quote(_SUPPORT.trigger_name(spec.table_name))
    when = f"WHEN ({UNTOUCHED_WHEN})\n" if spec.version == 3 else ""
    return (
        f"CREATE TRIGGER {name} BEFORE UPDATE ON {_table(compiler, spec)}\n"
        f"FOR EACH ROW {when}EXECUTE FUNCTION {_function(compiler, spec)}()"
    )


@compiles(DropUpdatedAtTrigger, _DIALECT)
def _drop_trigger(element: DropUpdatedAtTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    name = compiler.preparer.quote(_SUPPORT.trigger_name(spec.table_name))
    return f"DROP TRIGGER IF EXISTS {name} ON {_table(compiler, spec)}"


def _tool(name: str) -> str:
    """The newest installed client tool: pg_dump refuses servers newer than itself."""
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _major(p.parent.name))
    for bindir in reversed(bindirs):
        if (bindir / name).exists():
            return str(bindir / name)
    return shutil.which(name) or name


def _installed(tool: str) -> str | None:
    return tool if Path(tool).is_absolute() else None


def _major(version: str) -> int:
    return int(version) if version.isdigit() else 0


def _conninfo(url: URL) -> str:
    """A libpq URI without the password, in the userinfo or as ``?password=``: it goes
    through PGPASSWORD, as a command line is visible to every local user."""
    bare = URL.create(
        "postgresql",
        url.username,
        None,
        url.host,
        url.port,
        url.database,
        {k: v for k, v in url.query.items() if k != "password"},
    )
    return bare.render_as_string(hide_password=False)


def _tool_env(url: URL) -> dict[str, str]:
    password = url.password or url.query.get("password")
    return {"PGPASSWORD": str(password)} if isinstance(password, str) and password else {}
