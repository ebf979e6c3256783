"""SQLite: an ``AFTER UPDATE`` trigger per table that rewrites the row's ``updated_at``.

SQLite triggers cannot assign to ``NEW``, so the trigger updates the row by
``rowid``. Versions 1 to 3: a ``WHEN`` guard skips rows whose ``updated_at`` already
holds this statement's time, which is also what stops the trigger's own update from
firing it again when ``PRAGMA recursive_triggers`` is on. Trigger names are per
database: ``update_timestamp_<table>``.

Version 4 fires only ``AFTER UPDATE OF`` every column but ``updated_at`` (the
migration names them) and checks only the untouched mark: its own update sets
``updated_at`` alone, so it never fires itself, recursive triggers or not, and no
time guard is needed (about 0.8x version 1's cost, bench/trigger_floor.py). Where it
differs from version 1: an ``UPDATE`` that sets only ``updated_at`` keeps the value
it sets (version 1 overwrote it unless it equalled now); one that sets other columns
too gets now, as before. A column missing from the list does not fire it, so every
migration that adds, drops or renames a column replaces the trigger with the new list
(autogenerate writes it; a stale list is a difference ``alembic check`` reports).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO
from urllib.parse import parse_qs, quote, unquote, urlsplit
from weakref import WeakKeyDictionary

from sqlalchemy import Column, Connection, Engine, event, func, literal, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler, SQLCompiler
from sqlalchemy.sql.ddl import CreateTable, DropTable, ExecutableDDLElement
from sqlalchemy.sql.elements import TextClause

from rowstamp.engines.base import EngineSupport
from rowstamp.engines.capabilities import Capabilities
from rowstamp.engines.catalog import Catalog
from rowstamp.engines.ddl import CreateUpdatedAtTrigger, DropUpdatedAtTrigger, TriggerSpec
from rowstamp.engines.sqlite_catalog import read_catalog, unique_columns
from rowstamp.engines.sqlite_rebuild import add_columns_keeping_table, batch_losses
from rowstamp.engines.sqlite_triggers import marker_table, trigger_rows, trigger_state
from rowstamp.engines.untouched import UNTOUCHED_SETTING, TriggerState
from rowstamp.errors import BackupError

if TYPE_CHECKING:
    from alembic.operations import Operations

__all__ = ["SQLiteSupport", "database_file", "marker_table"]

_DIALECT = "sqlite"
# SQLAlchemy stores DateTime on SQLite as text with six fractional digits;
# SQLite's %f has three, so the default pads with zeros to the same shape.
_UTC_NOW_FORMAT_V1 = "%Y-%m-%d %H:%M:%f000"


class SQLiteSupport(EngineSupport):
    """SQLite 3.25 or newer."""

    name: ClassVar[str] = "SQLite"
    dialects: ClassVar[tuple[str, ...]] = (_DIALECT,)
    identifier_limit: ClassVar[int] = 64
    rebuilds_tables_in_batch: ClassVar[bool] = True
    trigger_forms: ClassVar[tuple[int, ...]] = (1, 2, 4)

    def database_identity(self, url: URL) -> tuple[str, ...] | None:
        path = database_file(url)
        return None if path is None else (str(path),)

    def read_only_url(self, url: URL) -> URL:
        # connecting to a missing file creates it: a mistyped path would read as empty
        path = database_file(url)
        if path is None:
            return url
        return url.set(
            database=f"file:{quote(str(path))}", query={**url.query, "mode": "ro", "uri": "true"}
        )

    def utc_now_sql(self, compiler: SQLCompiler, version: int, **kw: Any) -> str:
        expression = func.strftime(literal(_UTC_NOW_FORMAT_V1), literal("now"))
        return compiler.process(expression, literal_binds=True)

    def add_columns(
        self,
        operations: Operations,
        table_name: str,
        columns: Sequence[Column[Any]],
        schema: str | None,
    ) -> None:
        add_columns_keeping_table(operations, table_name, columns, schema)

    def batch_losses(
        self, connection: Connection, table_name: str, schema: str | None
    ) -> list[str]:
        if schema is not None:  # an attached database: not read here
            return []
        return batch_losses(connection, table_name, self.trigger_name(table_name))

    def create_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        if spec.version >= 2:  # the trigger reads the marker table, which must exist
            return [
                CreateTable(marker_table(spec.schema), if_not_exists=True),
                CreateUpdatedAtTrigger(spec),
            ]
        return [CreateUpdatedAtTrigger(spec)]

    def drop_statements(self, spec: TriggerSpec) -> Sequence[ExecutableDDLElement]:
        return [DropUpdatedAtTrigger(spec)]

    def trigger_states(self, connection: Connection, schema: str | None) -> dict[str, TriggerState]:
        rows = trigger_rows(connection, schema)
        return {t: trigger_state(sql) for name, t, sql in rows if name == self.trigger_name(t)}

    def trigger_versions(self, connection: Connection, schema: str | None) -> dict[str, int]:
        return {t: state.version for t, state in self.trigger_states(connection, schema).items()}

    # Writers are serialized and readers see only what committed: a marker row written
    # and deleted inside the write transaction is seen by that transaction alone.
    untouched_commits: ClassVar[bool] = True

    def mark_untouched(self) -> TextClause:
        return text(f"INSERT INTO {UNTOUCHED_SETTING} (marked) VALUES (1)")

    def unmark_untouched(self) -> TextClause:
        return text(f"DELETE FROM {UNTOUCHED_SETTING}")

    def after_trigger_drop(self, connection: Connection, schema: str | None) -> None:
        """Drop the marker table with the last trigger that reads it (one catalog query)."""
        if all(v < 2 for v in self.trigger_versions(connection, schema).values()):
            connection.execute(DropTable(marker_table(schema), if_exists=True))

    def unreflected_uniques(
        self, connection: Connection, schema: str | None
    ) -> dict[str, set[tuple[str, ...]]]:
        """A column-level ``UNIQUE`` (``name TEXT UNIQUE``), which reflection skips."""
        return unique_columns(connection) if schema is None else {}

    transaction_per_revision: ClassVar[bool] = True

    @contextmanager
    def ddl_transactions(self, connection: Connection) -> Iterator[None]:
        """Take over pysqlite's transaction handling on ``connection`` for the block.

        pysqlite (Python < 3.16 by default) emits ``BEGIN`` only before DML, so
        ``CREATE TABLE`` outside one commits at once and a failed revision's DDL
        stays. With the driver's ``isolation_level`` None, SQLAlchemy's ``begin``
        event emits ``BEGIN`` itself and everything up to ``COMMIT`` or ``ROLLBACK``
        is one transaction (SQLAlchemy: "Serializable isolation / Savepoints /
        Transactional DDL"). A caller's open transaction is left alone: setting
        ``isolation_level`` commits it.
        """
        driver = connection.connection.driver_connection
        if connection.in_transaction() or not isinstance(driver, sqlite3.Connection):
            yield
            return
        before = driver.isolation_level
        driver.isolation_level = None
        event.listen(connection, "begin", _begin)
        try:
            yield
        finally:
            event.remove(connection, "begin", _begin)
            if not connection.closed and not connection.invalidated:
                driver.isolation_level = before

    def probe_capabilities(self, connection: Connection) -> Capabilities:
        """Nothing to ask: the library is linked in (no functions, no pooler)."""
        return Capabilities(product=f"SQLite {sqlite3.sqlite_version}")

    def try_lock(self, connection: Connection, key: str) -> bool:
        path = _lock_path(connection)
        if path is None:  # an in-memory database is private to its connection
            return True
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until unlock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        _held[connection] = handle
        return True

    def unlock(self, connection: Connection, key: str) -> None:
        handle = _held.pop(connection, None)
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def lock_holder(self, connection: Connection, key: str) -> str | None:
        """The holder's pid, only while it holds the lock: the file outlives the lock."""
        path = _lock_path(connection)
        try:
            with open(path or "", encoding="utf-8") as handle:  # never creates the file
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return handle.read().strip() or "another process"
                fcntl.flock(handle, fcntl.LOCK_UN)
                return None
        except OSError:  # no lock file: never locked
            return None

    @contextmanager
    def east_of_utc(self, connection: Connection, hours: int) -> Iterator[None]:
        """SQLite's ``'localtime'`` is this process's zone (``TZ``); no session has one."""
        before = os.environ.get("TZ")
        os.environ["TZ"] = f"<{hours:+03d}>{-hours:+d}"  # POSIX counts west of UTC
        time.tzset()
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("TZ", None)
            else:
                os.environ["TZ"] = before
            time.tzset()

    def catalog_objects(self, connection: Connection) -> Catalog:
        return read_catalog(connection)

    backup_suffix: ClassVar[str] = ".sqlite3"

    def backup(self, url: URL, path: Path) -> None:
        # the online backup API copies a consistent snapshot while others keep writing
        try:
            _copy(_file(url), path)
        except sqlite3.Error as exc:
            raise BackupError(
                f"SQLite backup of {url.database} into {path.parent} failed: {exc}",
                "check the database file, and the free space and permissions there",
            ) from None

    def verify_backup(self, path: Path) -> str:
        with closing(sqlite3.connect(path)) as copy:
            result = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(
                f"backup {path} fails PRAGMA integrity_check: {result[0]}",
                "do not migrate; check the database file and the disk",
            )
        return "PRAGMA integrity_check: ok"

    def restore(self, path: Path, url: URL) -> None:
        _copy(path, _file(url))

    def create_scratch_database(self, url: URL) -> URL:
        handle, name = tempfile.mkstemp(prefix=_scratch_prefix(url), suffix=".sqlite3")
        os.close(handle)
        return url.set(database=name)

    def scratch_databases(self, url: URL) -> list[URL]:
        # mkstemp's names: the prefix, 8 characters of [a-z0-9_], the suffix
        prefix = _scratch_prefix(url)
        pattern = re.compile(re.escape(prefix) + r"[a-z0-9_]{8}\.sqlite3")
        paths = sorted(Path(tempfile.gettempdir()).glob(f"{prefix}*.sqlite3"))
        return [url.set(database=str(p)) for p in paths if pattern.fullmatch(p.name)]

    def tune_scratch_engine(self, engine: Engine) -> None:
        """Do not wait for the disk at each commit (half of a stairway's time here)."""
        event.listen(engine, "connect", _no_sync)

    def drop_scratch_database(self, url: URL, scratch: URL) -> None:
        # with the journal a killed run may leave, and the migration lock's file
        database = database_file(scratch)
        if database is not None:
            for suffix in ("", "-journal", "-wal", "-shm", ".rowstamp-lock"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)


_SUPPORT = SQLiteSupport()
_held: WeakKeyDictionary[Connection, TextIO] = WeakKeyDictionary()


def database_file(url: URL) -> Path | None:
    """The real path of a SQLite database's file, or None for an in-memory database.

    Symlinks are resolved and a ``file:`` URI is read (its query ignored), so every
    spelling of one file names the same path, hence the same lock.
    """
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):
        uri = urlsplit(database)
        database = unquote(uri.path)
        if "memory" in parse_qs(uri.query).get("mode", []) or database in {"", ":memory:"}:
            return None
    return Path(os.path.realpath(database))


def _file(url: URL) -> Path:
    """The file a backup reads or a restore writes: the one the lock names, so a
    ``file:`` URI is read as a URI whether or not this SQLite build does."""
    return database_file(url) or Path(str(url.database))


def _scratch_prefix(url: URL) -> str:
    """Scratch files of one database share a name made from its real path."""
    source = str(_file(url))
    return f"rowstamp-scratch-{hashlib.sha256(source.encode()).hexdigest()[:12]}-"


def _lock_path(connection: Connection) -> Path | None:
    """The lock file beside the database file: SQLite databases are local files."""
    database = database_file(connection.engine.url)
    return None if database is None else database.with_name(database.name + ".rowstamp-lock")


def _no_sync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous = OFF")


def _begin(connection: Connection) -> None:
    # straight to the driver: SQLAlchemy's statement path costs more than SQLite's BEGIN,
    # once per migration step
    connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]


def _trigger(compiler: DDLCompiler, spec: TriggerSpec) -> str:
    name = compiler.preparer.quote(_SUPPORT.trigger_name(spec.table_name))
    if spec.schema is not None:
        return f"{compiler.preparer.quote_schema(spec.schema)}.{name}"
    return name


@compiles(CreateUpdatedAtTrigger, _DIALECT)
def _create_trigger(element: CreateUpdatedAtTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    # Inside a trigger body SQLite refuses schema-qualified table names; the
    # trigger lives in the table's schema, so the bare name is the right table.
    tbl = compiler.preparer.quote(spec.table_name)
    col = compiler.preparer.quote(spec.column)
    now = _SUPPORT.now_sql(compiler.sql_compiler, spec, **kw)
    marker = compiler.preparer.quote(UNTOUCHED_SETTING)
    if spec.version >= 4:  # its own update sets no column it names: it never fires itself
        if not spec.columns:
            raise ValueError(f"trigger version 4 of {spec.table_name} names no column")
        fired = ", ".join(compiler.preparer.quote(c) for c in spec.columns)
        return (
            f"CREATE TRIGGER IF NOT EXISTS {_trigger(compiler, spec)}\n"
            f"AFTER UPDATE OF {fired} ON {tbl} FOR EACH ROW\n"
            f"WHEN (SELECT 1 FROM {marker}) IS NULL\n"
            "BEGIN\n"
            f"    UPDATE {tbl} SET {col} = {now} WHERE rowid = NEW.rowid;\n"
            "END"
        )
    unmarked = ""
    if spec.version >= 2:  # a marker row (rowstamp.untouched) leaves updated_at alone
        # a scalar subquery, not NOT EXISTS: measured ~2% over version 1 instead of ~8%
        unmarked = f" AND (SELECT 1 FROM {marker}) IS NULL"
    return (
        f"CREATE TRIGGER IF NOT EXISTS {_trigger(compiler, spec)}\n"
        f"AFTER UPDATE ON {tbl} FOR EACH ROW\n"
        f"WHEN NEW.{col} IS NOT {now}{unmarked}\n"
        "BEGIN\n"
        f"    UPDATE {tbl} SET {col} = {now} WHERE rowid = NEW.rowid;\n"
        "END"
    )


@compiles(DropUpdatedAtTrigger, _DIALECT)
def _drop_trigger(element: DropUpdatedAtTrigger, compiler: DDLCompiler, **kw: Any) -> str:
    return f"DROP TRIGGER IF EXISTS {_trigger(compiler, element.spec)}"


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
