"""MySQL and MariaDB: a ``BEFORE UPDATE`` trigger per table that sets ``NEW.updated_at``.

Trigger names are unique per schema (database), so each table gets
``update_timestamp_<table>``, shortened deterministically within 64 characters.
MySQL DDL commits implicitly, so a failed migration can stop half-way: creating a
trigger does nothing when it exists and dropping one does nothing when it is gone,
so trigger operations can simply be run again; for the rest, the failure report
lists what exists (``schema_objects``) and how to undo it. What the SQL looks like
(``@compiles``) is in ``mysql_ddl``. ``CREATE TRIGGER IF NOT EXISTS`` needs
MariaDB 10.1.4 or MySQL 8.0.29; expression defaults need MySQL 8.0.13.

With binary logging on, the server refuses ``CREATE TRIGGER`` to a user without
SUPER unless ``log_bin_trust_function_creators`` is set; ``check_can_create_triggers``
finds that out in one query before the first trigger is created, and says what to do.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    Column,
    Connection,
    column,
    func,
    literal,
    select,
    table,
    text,
    union,
)
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement
from sqlalchemy.types import TypeEngine

from rowstamp.engines import mysql_capabilities, mysql_lock
from rowstamp.engines.base import EngineSupport, SchemaObject, bounded_name
from rowstamp.engines.capabilities import Capabilities
from rowstamp.engines.catalog import Catalog
from rowstamp.engines.copies import TableSize
from rowstamp.engines.ddl import CreateUpdatedAtTrigger, DropUpdatedAtTrigger, TriggerSpec
from rowstamp.engines.mysql_catalog import CHECK_JOIN_MARIADB, CHECK_JOIN_MYSQL, read_catalog
from rowstamp.engines.mysql_columns import add_columns_instantly
from rowstamp.engines.mysql_copies import table_copy, table_sizes
from rowstamp.engines.mysql_online import Online, online_form
from rowstamp.engines.mysql_untouched import MySQLUntouched
from rowstamp.engines.tools import run_tool
from rowstamp.errors import BackupError, TriggerPrivilegeError

if TYPE_CHECKING:
    from alembic.operations import MigrateOperation, Operations

__all__ = ["MariaDBSupport", "MySQLSupport", "binlog_blocks_triggers"]

# One query: is the binary log on, are routine/trigger creators trusted, and does
# the current user hold SUPER (USER_PRIVILEGES lists the current user's grants).
_BINLOG_PRIVILEGES = text(
    """
    SELECT @@global.log_bin, @@global.log_bin_trust_function_creators,
           EXISTS (
               SELECT 1 FROM information_schema.USER_PRIVILEGES
               WHERE PRIVILEGE_TYPE = 'SUPER'
                 AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1),
                                      '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
           )
    """
)


def _info_schema(name: str, *columns: str) -> Any:
    # Lower-case names: information_schema columns match case-insensitively.
    return table(name, *(column(c) for c in columns), schema="information_schema")


def binlog_blocks_triggers(log_bin: bool, trust_creators: bool, has_super: bool) -> bool:
    """True when the server will refuse ``CREATE TRIGGER`` because of the binary log."""
    return log_bin and not trust_creators and not has_super


class MySQLSupport(MySQLUntouched, EngineSupport):
    """MySQL 8.0.29 or newer; also MariaDB reached through a ``mysql://`` URL."""

    name: ClassVar[str] = "MySQL"
    dialects: ClassVar[tuple[str, ...]] = ("mysql",)
    identifier_limit: ClassVar[int] = 64
    default_port: ClassVar[int | None] = 3306
    database_names_sql: ClassVar[str] = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
    table_name_limit: ClassVar[int | None] = 64
    identifier_unit: ClassVar[str] = "characters"
    naive_timestamps: ClassVar[bool] = True
    partial_indexes: ClassVar[bool] = False
    utc_now_function: ClassVar[str] = "UTC_TIMESTAMP"
    """UTC wall time whatever the session ``time_zone``; ``NOW()`` would follow the session."""

    timestamp_precision: ClassVar[int] = 6
    """Fractional-second digits of the timestamp columns (``DATETIME(6)``) and of "now"."""

    unicode_database_options: ClassVar[str] = " CHARACTER SET utf8mb4"

    default_string_length: ClassVar[int] = 255
    """``VARCHAR`` length for ``String()`` without one: MySQL refuses ``VARCHAR`` bare."""

    def timestamp_type(self) -> TypeEngine[datetime]:
        # imported here: the package imports every MySQL driver module, which a run on
        # another engine need not pay for (``bench/apply.py``)
        from sqlalchemy.dialects.mysql import types as mysql_types

        return mysql_types.DATETIME(fsp=self.timestamp_precision)

    def unsized_string_type(self) -> TypeEngine[str]:
        from sqlalchemy.dialects.mysql import types as mysql_types

        return mysql_types.VARCHAR(length=self.default_string_length)

    def add_columns(
        self,
        operations: Operations,
        table_name: str,
        columns: Sequence[Column[Any]],
        schema: str | None,
    ) -> None:
        add_columns_instantly(operations, table_name, columns, schema)

    short_varchar_grows: ClassVar[bool] = False
    """Whether a ``VARCHAR`` of at most 127 bytes grows past 255 bytes in place (MariaDB)."""

    def table_copy(self, op: MigrateOperation) -> str | None:
        """Why ``op`` copies its table (``ALGORITHM=COPY``); the facts are in ``mysql_copies``."""
        return table_copy(op, short_varchar_grows=self.short_varchar_grows)

    def table_sizes(self, connection: Connection, tables: Collection[str]) -> dict[str, TableSize]:
        return table_sizes(connection, tables)

    def online_form(self, op: MigrateOperation) -> Online | None:
        """The ``ALGORITHM``/``LOCK`` ``op`` is pinned to (``mysql_online``); None: plain."""
        return online_form(op, copies=self.table_copy(op) is not None)

    def utc_now_sql(self, compiler: SQLCompiler, version: int, **kw: Any) -> str:
        # A bare function call: SQLAlchemy wraps it in parentheses for DEFAULT, which
        # MySQL 8.0.13+ requires for expression defaults and MariaDB accepts.
        return f"{self.utc_now_function}({self.timestamp_precision})"

    def create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [CreateUpdatedAtTrigger(self.written_spec(spec))]

    def drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [DropUpdatedAtTrigger(self.written_spec(spec))]

    def probe_capabilities(self, connection: Connection) -> Capabilities:
        return mysql_capabilities.probe(connection, self.name)

    def try_lock(self, connection: Connection, key: str) -> bool:
        # GET_LOCK names are server-wide: qualify with the database, within 64 characters.
        return mysql_lock.take(connection, _lock_name(connection, key))

    def unlock(self, connection: Connection, key: str) -> None:
        mysql_lock.release(connection)

    def lock_holder(self, connection: Connection, key: str) -> str | None:
        row = connection.execute(
            text(
                "SELECT p.id, p.user, p.host, p.time FROM information_schema.PROCESSLIST p"
                " WHERE p.id = IS_USED_LOCK(:name)"
            ),
            {"name": _lock_name(connection, key)},
        ).first()
        return f"connection {row.id} of {row.user}@{row.host}, {row.time} s" if row else None

    def is_lock_timeout(self, error: DBAPIError) -> bool:
        args: tuple[object, ...] = tuple(getattr(error.orig, "args", ()))
        return bool(args) and args[0] == 1205  # ER_LOCK_WAIT_TIMEOUT

    def lock_blockers(self, connection: Connection) -> list[str]:
        # An idle session's last statement is not kept (performance_schema is off by
        # default), so name the connection and its open transaction instead.
        rows = connection.execute(
            text(
                "SELECT p.id, p.user, p.info, t.trx_started FROM information_schema.PROCESSLIST p"
                " LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.id"
                " WHERE p.id <> CONNECTION_ID() AND p.db = DATABASE()"
                " AND (t.trx_started IS NOT NULL OR p.info IS NOT NULL) ORDER BY p.time DESC"
            )
        )
        return [
            f"connection {r.id} of {r.user}"
            + (f", in a transaction since {r.trx_started}" if r.trx_started else "")
            + (f": {r.info}" if r.info else "")
            for r in rows
        ]

    def configure_session(self, connection: Connection, lock_timeout: float) -> None:
        # metadata locks (ALTER TABLE behind a long transaction) wait lock_wait_timeout seconds
        connection.execute(
            text("SET SESSION lock_wait_timeout = :seconds"),
            {"seconds": max(1, round(lock_timeout))},
        )
        from rowstamp.engines.no_triggers import pin_utc  # imports this package

        pin_utc(connection)  # without triggers, ON UPDATE writes the session's time

    @contextmanager
    def east_of_utc(self, connection: Connection, hours: int) -> Iterator[None]:
        """``time_zone`` is the session's, not the transaction's: set back by hand."""
        before = connection.execute(text("SELECT @@session.time_zone")).scalar()
        connection.execute(text("SET SESSION time_zone = :zone"), {"zone": f"{hours:+03d}:00"})
        try:
            yield
        finally:
            connection.execute(text("SET SESSION time_zone = :zone"), {"zone": before})

    def non_transactional_tables(self, connection: Connection) -> set[str]:
        rows = connection.execute(
            text(
                "SELECT t.table_name FROM information_schema.TABLES t"
                " JOIN information_schema.ENGINES e ON e.engine = t.engine"
                " WHERE t.table_schema = DATABASE() AND e.transactions <> 'YES'"
            )
        )
        return {str(name) for (name,) in rows}

    def catalog_objects(self, connection: Connection) -> Catalog:
        """Tables, indexes, triggers, routines, columns and constraints of the
        connection's current database."""
        # a mysql:// URL may reach MariaDB: the dialect found out when it connected
        mariadb = bool(getattr(connection.dialect, "is_mariadb", False))
        return read_catalog(connection, CHECK_JOIN_MARIADB if mariadb else CHECK_JOIN_MYSQL)

    def schema_objects(self, connection: Connection, tables: Collection[str]) -> set[SchemaObject]:
        here = func.database()
        tables_ = _info_schema("TABLES", "table_schema", "table_name")
        columns = _info_schema("COLUMNS", "table_schema", "table_name", "column_name")
        indexes = _info_schema("STATISTICS", "table_schema", "table_name", "index_name")
        triggers = _info_schema("TRIGGERS", "trigger_schema", "event_object_table", "trigger_name")
        names = sorted(tables)
        query = union(
            select(literal("table"), tables_.c.table_name, tables_.c.table_name).where(
                tables_.c.table_schema == here, tables_.c.table_name.in_(names)
            ),
            select(literal("column"), columns.c.table_name, columns.c.column_name).where(
                columns.c.table_schema == here, columns.c.table_name.in_(names)
            ),
            select(literal("index"), indexes.c.table_name, indexes.c.index_name).where(
                indexes.c.table_schema == here, indexes.c.table_name.in_(names)
            ),
            select(
                literal("trigger"), triggers.c.event_object_table, triggers.c.trigger_name
            ).where(triggers.c.trigger_schema == here, triggers.c.event_object_table.in_(names)),
        )
        return {(str(k), str(t), str(n)) for k, t, n in connection.execute(query).all()}

    def check_can_create_triggers(self, connection: Connection) -> None:
        """Fail in one line when the server has no triggers for us (TiDB, Vitess, no
        TRIGGER privilege) or the binary log will make ``CREATE TRIGGER`` fail."""
        found = self.capabilities(connection)
        if not found.row_triggers:
            raise TriggerPrivilegeError(
                f"{found.product}: no row triggers ({'; '.join(found.notes)})",
                "grant TRIGGER to the migration user, or keep updated_at without a trigger "
                "(see docs/engines.md, Capabilities) and leave the trigger ops out",
            )
        log_bin, trust, has_super = connection.execute(_BINLOG_PRIVILEGES).one()
        if binlog_blocks_triggers(bool(log_bin), bool(trust), bool(has_super)):
            raise TriggerPrivilegeError(
                f"{self.name} has binary logging on, and creating triggers then needs the "
                "SUPER privilege or log_bin_trust_function_creators=ON",
                "ask the database administrator to run SET GLOBAL "
                "log_bin_trust_function_creators = 1 (and set it in the server's config "
                "file) or grant SUPER to the migration user; what this revision created "
                "before its trigger stays (MySQL DDL commits at once): see docs/engines.md",
            )

    @contextmanager
    def migration_clock(self, connection: Connection) -> Iterator[None]:
        """Freeze the session's clock (``SET timestamp``) for the migration run.

        Each ``ALTER TABLE`` commits on its own, so ``created_at`` and ``updated_at``
        added to existing rows would get different defaults; a frozen session clock
        gives them one migration time, as PostgreSQL's ``now()`` does. Set through the
        driver, so SQLAlchemy starts no transaction that Alembic would then not commit.
        """
        _session_statement(connection, "SET @@session.timestamp = UNIX_TIMESTAMP(NOW(6))")
        try:
            yield
        finally:
            if not connection.invalidated and not connection.closed:
                _session_statement(connection, "SET @@session.timestamp = DEFAULT")

    def compare_type(
        self, dialect: Dialect, reflected: TypeEngine[Any], model: TypeEngine[Any]
    ) -> bool | None:
        """Catch what Alembic misses here: a timestamp's fractional-second digits.

        Alembic takes ``DATETIME`` and ``DATETIME(6)`` for the same type, but the
        trigger's microseconds are lost in the first. Everything else (``BOOL`` read
        back as ``TINYINT(1)``, ``String()`` as ``VARCHAR(255)``) Alembic decides.
        """
        from sqlalchemy.dialects.mysql import types as mysql_types

        impl = model.dialect_impl(dialect)
        impl = getattr(impl, "impl_instance", impl)
        fractional = (mysql_types.DATETIME, mysql_types.TIMESTAMP, mysql_types.TIME)
        if isinstance(impl, fractional) and type(reflected) is type(impl):
            return (getattr(impl, "fsp", None) or 0) != (getattr(reflected, "fsp", None) or 0)
        return None

    backup_suffix: ClassVar[str] = ".sql"

    def backup(self, url: URL, path: Path) -> None:
        dump = _tool("mariadb-dump", "mysqldump")
        command = [
            dump,
            "--single-transaction",
            "--routines",
            "--triggers",
            *_client_args(url),
            f"--result-file={path}",
            str(url.database),
        ]
        run_tool(command, url, _tool_env(url))

    def client_tools(self) -> dict[str, str | None]:
        return {
            f"{names[0]} (or {names[1]})": shutil.which(_tool(*names))
            for names in (("mariadb-dump", "mysqldump"), ("mariadb", "mysql"))
        }

    def verify_backup(self, path: Path) -> str:
        with path.open("rb") as dump:
            dump.seek(max(0, path.stat().st_size - 200))
            tail = dump.read().decode(errors="replace")
        if "-- Dump completed" not in tail:
            raise BackupError(f"backup {path} is incomplete", "do not migrate; check the dump tool")
        return "dump complete"

    def restore(self, path: Path, url: URL) -> None:
        command = [_tool("mariadb", "mysql"), *_client_args(url), str(url.database)]
        run_tool(command, url, _tool_env(url), stdin=path)


class MariaDBSupport(MySQLSupport):
    """MariaDB 10.3 or newer, reached through a ``mariadb://`` URL (same SQL as MySQL)."""

    name: ClassVar[str] = "MariaDB"
    dialects: ClassVar[tuple[str, ...]] = ("mariadb",)
    short_varchar_grows: ClassVar[bool] = True


def _lock_name(connection: Connection, key: str) -> str:
    database = connection.execute(text("SELECT DATABASE()")).scalar() or ""
    return bounded_name(f"{key}@{database}", 64)


def _session_statement(connection: Connection, statement: str) -> None:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _tool(*names: str) -> str:
    return next((found for name in names if (found := shutil.which(name))), names[0])


def _client_args(url: URL) -> list[str]:
    args = ["--protocol=TCP", f"--host={url.host or '127.0.0.1'}", f"--port={url.port or 3306}"]
    return [*args, f"--user={url.username}"] if url.username else args


def _tool_env(url: URL) -> dict[str, str | bytes]:
    # PyMySQL sends a password as Latin-1 bytes; the C client sends the bytes it is
    # given, so give it those, and it authenticates exactly as the driver does.
    return {"MYSQL_PWD": str(url.password).encode("latin1")} if url.password else {}
