"""What rowstamp needs to know about one database engine.

Engine facts are class attributes with a docstring; behaviour that differs is a
method. Nothing outside ``rowstamp.engines`` asks which dialect it runs on.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    create_engine,
    func,
    inspect,
    literal_column,
    select,
    table,
)
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement
from sqlalchemy.types import TypeEngine

from rowstamp.engines.capabilities import CapabilitySupport
from rowstamp.engines.catalog import Catalog
from rowstamp.engines.ddl import TriggerSpec
from rowstamp.engines.untouched import UntouchedSupport
from rowstamp.errors import IdentifierError, SettingsError, first_line

if TYPE_CHECKING:
    from alembic.operations import Operations

__all__ = [
    "EDITED_FUNCTION",
    "EngineSupport",
    "SchemaObject",
    "bounded_name",
    "database_statement",
]

EDITED_FUNCTION = "edited function"
"""Catalog kind of a rowstamp trigger function whose body is not what rowstamp wrote."""

SchemaObject = tuple[str, str, str]
"""(kind, table, name) of a table (name = table), column, index or trigger."""

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
_SCRATCH_MARK = "_rowstamp_"


def database_statement(url: URL, template: str, name: str) -> None:
    """Run a statement naming a database (``CREATE DATABASE {}``) on ``url``'s server,
    outside any transaction, with the name quoted by the dialect's preparer."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(template.format(quoted))
    finally:
        engine.dispose()


def bounded_name(name: str, limit: int) -> str:
    """Shorten ``name`` to ``limit`` UTF-8 bytes, deterministically and without collisions.

    Long names keep a readable prefix and end in 8 hex digits of the full name's
    SHA-256, so two long names that share a prefix still differ.
    """
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    prefix = encoded[: limit - len(digest) - 1].decode("utf-8", errors="ignore")
    return f"{prefix}_{digest}"


class EngineSupport(UntouchedSupport, CapabilitySupport):
    """Base class of the per-engine modules; one instance per engine in the registry."""

    name: ClassVar[str]
    """Human name shown in messages."""

    dialects: ClassVar[tuple[str, ...]]
    """SQLAlchemy dialect names this module serves."""

    identifier_limit: ClassVar[int]
    """Longest identifier the engine keeps, in bytes."""

    trigger_prefix: ClassVar[str] = "update_timestamp"
    """The trigger's name, or its prefix where trigger names are unique per schema."""

    trigger_name_per_table: ClassVar[bool] = False
    """True where trigger names are scoped to the table (one name fits every table)."""

    naive_timestamps: ClassVar[bool] = True
    """True where timestamp columns hold no zone, so rowstamp stores UTC wall time."""

    table_name_limit: ClassVar[int | None] = None
    """Longest table name the engine keeps (in ``identifier_unit``), or None for no limit.
    A longer model name would be truncated by the server and never match the model."""

    identifier_unit: ClassVar[str] = "bytes"
    """How the engine measures identifiers: ``bytes`` or ``characters``."""

    partial_indexes: ClassVar[bool] = True
    """False where the engine has no partial indexes (``CREATE INDEX ... WHERE``): there
    a unique-among-active index is emulated or refused, and autogenerate must not see
    the emulation as a change."""

    rebuilds_tables_in_batch: ClassVar[bool] = False
    """True where Alembic's batch mode rebuilds a table, dropping the table's triggers."""

    default_port: ClassVar[int | None] = None
    """The server's port when a URL names none."""

    def database_identity(self, url: URL) -> tuple[str, ...] | None:
        """What two URLs of one database share, whatever the driver or user: server (loopback
        as one), port, database name; None for a database no other URL can name (in memory)."""
        host = (url.host or "localhost").lower()
        if host in _LOOPBACK:
            host = "localhost"
        return (host, str(url.port or self.default_port), str(url.database or ""))

    def read_only_url(self, url: URL) -> URL:
        """``url`` opened so connecting can neither create nor change the database (SQLite)."""
        return url

    def check_table_name(self, table_name: str) -> None:
        """Refuse a table name the engine would silently truncate."""
        limit = self.table_name_limit
        size = len(table_name) if self.identifier_unit == "characters" else len(table_name.encode())
        if limit is not None and size > limit:
            raise IdentifierError(
                f"table name {table_name!r} is {size} {self.identifier_unit} long but "
                f"{self.name} keeps only {limit}",
                "shorten __tablename__ in the model",
            )

    def check_now_sql(self, connection: Connection, sql: str) -> None:
        """Refuse a ``DATABASE_TIMESTAMP_UTC`` that does not give a timestamp here, before
        a migration holding it is written: ``SELECT <sql>`` must return one."""
        try:
            # DateTime parses SQLite's text timestamps; other engines' drivers return datetimes
            value = connection.execute(select(literal_column(sql, DateTime()))).scalar()
            problem = None if isinstance(value, datetime) else f"it gives {value!r}"
        except DBAPIError as exc:
            problem = f"SELECT {sql} fails: {first_line(exc)}"
        except (TypeError, ValueError):
            problem = "it does not give a timestamp"
        if problem is not None:
            raise SettingsError(
                f"DATABASE_TIMESTAMP_UTC {sql!r} is not a timestamp on {self.name}: {problem}",
                "give an expression for the current UTC time, or leave it empty",
            )

    def add_columns(
        self,
        operations: Operations,
        table_name: str,
        columns: Sequence[Column[Any]],
        schema: str | None,
    ) -> None:
        """``op.add_columns``: Alembic's ``add_column`` for each, which changes the table
        in place here (PostgreSQL 11+ and MariaDB store a default without a rewrite)."""
        for column in columns:
            operations.add_column(table_name, column, schema=schema)

    def batch_losses(
        self, connection: Connection, table_name: str, schema: str | None
    ) -> list[str]:
        """What Alembic's batch rebuild of the table would drop or fail on; nothing where
        batch blocks alter tables in place."""
        return []

    def ensure_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        """Statements that put back a trigger a batch table rebuild dropped (safe to re-run)."""
        return self.create_statements(spec) if self.rebuilds_tables_in_batch else []

    def trigger_name(self, table_name: str) -> str:
        """The ``updated_at`` trigger's name for ``table_name`` on this engine."""
        if self.trigger_name_per_table:
            return self.trigger_prefix
        return bounded_name(f"{self.trigger_prefix}_{table_name}", self.identifier_limit)

    def timestamp_type(self) -> TypeEngine[datetime] | None:
        """The timestamp columns' type here where the portable ``DateTime(timezone=True)``
        is not it (MySQL's, for microseconds); None where it is. Migrations pin it."""
        return None

    def unsized_string_type(self) -> TypeEngine[str] | None:
        """What ``String()`` without a length is here where the engine refuses it bare
        (MySQL's ``VARCHAR``); None where it is fine. Migrations pin it."""
        return None

    def utc_now_sql(self, compiler: SQLCompiler, version: int, **kw: Any) -> str:
        """SQL for the current UTC time in the form of the engine's timestamp columns."""
        raise NotImplementedError

    def create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        """Statements that give ``spec``'s table its trigger (safe to re-run)."""
        raise NotImplementedError

    def drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        """Statements that remove ``spec``'s trigger (safe to re-run)."""
        raise NotImplementedError

    def unreflected_uniques(
        self, connection: Connection, schema: str | None
    ) -> dict[str, set[tuple[str, ...]]]:
        """Column lists of UNIQUE constraints SQLAlchemy's reflection misses, by table:
        one catalog query where it misses some, none (and no query) where it sees all."""
        return {}

    def catalog_objects(self, connection: Connection) -> Catalog:
        """Every user object by (kind, name), with its definition (``engines.catalog``):
        tables, views, indexes, triggers, functions and sequences, and each column and
        constraint.

        Comparing two of these tells whether a downgrade left anything behind or
        changed. A rowstamp trigger function whose body is not what rowstamp writes
        has the kind ``EDITED_FUNCTION``, so a changed body shows too.
        """
        raise NotImplementedError

    def edited_functions(self, connection: Connection) -> list[str]:
        """One line per rowstamp trigger function whose body is not what its migrations
        wrote (edited by hand, or replaced by another migration): one catalog query.
        Engines whose triggers hold their SQL themselves have none."""
        return []

    def east_of_utc(self, connection: Connection, hours: int) -> AbstractContextManager[None]:
        """Run the block with the session's time zone ``hours`` east of UTC, inside the
        caller's transaction (a trigger that writes local time then shows); put back by
        the end of the block or of the transaction."""
        raise NotImplementedError

    def non_transactional_tables(self, connection: Connection) -> set[str]:
        """Tables whose rows a ROLLBACK cannot restore (MyISAM): one catalog query."""
        return set()

    def check_can_create_triggers(self, connection: Connection) -> None:
        """Raise a one-line error if this connection's user cannot create triggers.

        Run only online, before a trigger is created; engines without such a rule
        need nothing.
        """

    def migration_clock(self, connection: Connection) -> AbstractContextManager[None]:
        """One "now" for a whole migration run on ``connection``, where the engine needs it.

        PostgreSQL's ``now()`` is the transaction's start already; engines whose DDL
        commits statement by statement override this to keep defaults of columns added
        in one migration equal.
        """
        return nullcontext()

    transaction_per_revision: ClassVar[bool] = False
    """True where rowstamp runs each revision in its own transaction, DDL included
    (Alembic's ``transactional_ddl`` and ``transaction_per_migration``). Otherwise
    Alembic's default for the dialect holds: PostgreSQL runs the whole upgrade in one
    transaction, MySQL commits each DDL statement at once."""

    def ddl_transactions(self, connection: Connection) -> AbstractContextManager[None]:
        """Make DDL on ``connection`` part of its transactions, where the driver does not."""
        return nullcontext()

    def schema_objects(self, connection: Connection, tables: Collection[str]) -> set[SchemaObject]:
        """The tables, columns, indexes and triggers of ``tables`` in the connection's
        default schema, in one catalog query: what a half-applied revision left.
        Needed only where DDL commits at once."""
        raise NotImplementedError

    def compare_type(
        self, dialect: Dialect, reflected: TypeEngine[Any], model: TypeEngine[Any]
    ) -> bool | None:
        """Alembic's ``compare_type`` hook: False when ``reflected`` is what this engine
        makes of ``model``, True for a real change, None to let Alembic decide."""
        return None

    def try_lock(self, connection: Connection, key: str) -> bool:
        """Take the migration lock named ``key`` without waiting; True when taken."""
        raise NotImplementedError

    def unlock(self, connection: Connection, key: str) -> None:
        """Release the migration lock taken by ``try_lock`` on this connection."""
        raise NotImplementedError

    def lock_holder(self, connection: Connection, key: str) -> str | None:
        """Who holds the migration lock, for the waiting message; None if unknown."""
        return None

    def configure_session(self, connection: Connection, lock_timeout: float) -> None:
        """Make statements that wait for a table lock fail after ``lock_timeout`` seconds."""

    def is_lock_timeout(self, error: DBAPIError) -> bool:
        """True when ``error`` is a statement giving up on a table lock."""
        return False

    def lock_blockers(self, connection: Connection) -> list[str]:
        """Other sessions holding table locks, each with its query: who blocked us."""
        return []

    backup_suffix: ClassVar[str] = ".backup"
    """File suffix of this engine's backups."""

    def backup(self, url: URL, path: Path) -> None:
        """Write a backup of the database at ``url`` to ``path``."""
        raise NotImplementedError

    def client_tools(self) -> dict[str, str | None]:
        """Tools a backup, its check and a restore run here: name -> path (None: missing)."""
        return {}

    def verify_backup(self, path: Path) -> str:
        """Check the backup can be read back; say what was checked, or raise BackupError."""
        raise NotImplementedError

    def restore(self, path: Path, url: URL) -> None:
        """Restore a backup into the empty database at ``url``."""
        raise NotImplementedError

    database_names_sql: ClassVar[str] = ""
    """A query listing every database on the server, one name per row."""

    unicode_database_options: ClassVar[str] = ""
    """What ``CREATE DATABASE`` adds for a database that stores all of Unicode whatever
    the server's default (MySQL's ``CHARACTER SET utf8mb4``)."""

    def create_database(self, url: URL, name: str, *, unicode: bool = False) -> URL:
        """Create the empty database ``name`` on ``url``'s server and return its URL;
        with ``unicode``, one that stores all of Unicode (``unicode_database_options``)."""
        options = self.unicode_database_options if unicode else ""
        database_statement(url, "CREATE DATABASE {}" + options, name)
        return url.set(database=name)

    def drop_database(self, url: URL, name: str) -> None:
        """Drop the database ``name`` on ``url``'s server if it exists."""
        database_statement(url, "DROP DATABASE IF EXISTS {}", name)

    def create_scratch_database(self, url: URL) -> URL:
        """Create an empty database beside ``url``'s and return its URL (server
        engines: ``CREATE DATABASE <database>_rowstamp_<8 hex digits>``, the database's
        part shortened to keep the whole within the identifier limit)."""
        return self.create_database(url, f"{self._scratch_prefix(url)}{secrets.token_hex(4)}")

    def scratch_databases(self, url: URL) -> list[URL]:
        """The scratch databases of ``url``'s database that exist now: only names
        ``create_scratch_database`` gives for this database, never any other."""
        pattern = re.compile(re.escape(self._scratch_prefix(url)) + "[0-9a-f]{8}")
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                names = connection.exec_driver_sql(self.database_names_sql).scalars().all()
        finally:
            engine.dispose()
        return [url.set(database=name) for name in sorted(names) if pattern.fullmatch(name)]

    def _scratch_prefix(self, url: URL) -> str:
        limit = self.identifier_limit - len(_SCRATCH_MARK) - 8
        return f"{bounded_name(str(url.database), limit)}{_SCRATCH_MARK}"

    def tune_scratch_engine(self, engine: Engine) -> None:
        """Make ``engine``, on a database that lives for one run, faster where durability
        costs much here; nothing by default."""

    def drop_scratch_database(self, url: URL, scratch: URL) -> None:
        """Drop a database made by ``create_scratch_database``."""
        self.drop_database(url, str(scratch.database))

    def row_counts(self, connection: Connection) -> dict[str, int]:
        """Exact row count of every table. One count per table: only statistics are
        cheaper, and a backup check must not rely on estimates."""
        names = inspect(connection).get_table_names()
        return {
            name: int(
                connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            )
            for name in names
        }

    def now_sql(self, compiler: SQLCompiler, spec: TriggerSpec, **kw: Any) -> str:
        """The "now" of ``spec``: the pinned override, or the engine's versioned default."""
        if spec.now is not None:
            return spec.now
        return self.utc_now_sql(compiler, spec.version, **kw)
