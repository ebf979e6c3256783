"""Helpers that keep ``alembic/env.py`` the size of Alembic's template.

``env.py`` asks this module for its ``context.configure`` options, its connection
and its error handling; it holds no SQL and parses no environment itself.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

# Imported for what it registers: op.create_updated_at_trigger and friends.
import rowstamp.autogen.impl  # noqa: F401
from rowstamp.autogen.compare import TIMESTAMP_OPTION
from rowstamp.autogen.engine_passes import for_the_engine
from rowstamp.autogen.ordering import order_trigger_operations
from rowstamp.autogen.render import make_render_item
from rowstamp.engines import for_dialect, for_name
from rowstamp.engines.postgresql_safe import has_safe_ddl
from rowstamp.errors import (
    DatabaseUnreachableError,
    DatabaseUrlError,
    LockTimeoutError,
    MigrationFailedError,
    RowstampError,
    TableLockTimeout,
    first_line,
)
from rowstamp.runtime.diagnose import explain, revision_warnings_as_errors
from rowstamp.runtime.heap import frozen_heap
from rowstamp.runtime.ledger_run import LedgerRun, ledger_closed
from rowstamp.runtime.options import RunOptions, alembic_environment
from rowstamp.settings import RowstampSettings
from rowstamp.urls import mask_secrets, mask_url

__all__ = [
    "MigrationInterrupted",
    "OneLineError",
    "connect",
    "locked",
    "offline_options",
    "online_options",
    "protect",
    "user_errors",
    "without_ledger",
]

AUTOGENERATE_PLUGINS = ["alembic.autogenerate.*", "rowstamp.*"]

log = logging.getLogger("rowstamp")


def _common_options(run: RunOptions, target_metadata: MetaData) -> dict[str, Any]:
    settings = run.required_settings()
    for_name(settings.url.get_backend_name())  # an unsupported engine fails here, in one line
    run.state.target_metadata = target_metadata

    def process_revision_directives(
        context: MigrationContext, revision: Any, directives: list[MigrationScript]
    ) -> None:
        safe_ddl = has_safe_ddl(context.dialect)
        for script in directives:
            order_trigger_operations(
                script, target_metadata, settings.database_timestamp_utc, safe_ddl=safe_ddl
            )
            if context.connection is not None:  # SQLite rebuilds, MySQL online ALTERs
                for_the_engine(context.connection, script)
        if run.skip_empty and all(
            d.upgrade_ops is None or d.upgrade_ops.is_empty() for d in directives
        ):
            directives[:] = []
        run.state.directives = directives  # rowstamp's hook runs last (adopted.py)

    schemas = _schemas(target_metadata)
    own = _own_tables()
    return {
        "target_metadata": target_metadata,
        "render_item": make_render_item(settings.database_timestamp_utc),
        "autogenerate_plugins": AUTOGENERATE_PLUGINS,
        "compare_type": _compare_type,
        # SQLite can only add a NOT NULL column with an expression default, or alter
        # anything, by rebuilding the table; batch blocks do that there and plain
        # ALTERs elsewhere, so one migration file runs on every engine.
        "render_as_batch": True,
        "process_revision_directives": process_revision_directives,
        "template_args": {"phase": run.phase},
        "include_schemas": bool(schemas),
        "include_name": without_ledger(_only_model_schemas(schemas), own),
        TIMESTAMP_OPTION: settings.database_timestamp_utc,
    }


def _compare_type(
    context: MigrationContext,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's ``compare_type`` hook: the engine module's opinion, else Alembic's."""
    return for_dialect(context.dialect).compare_type(context.dialect, inspected_type, metadata_type)


def _schemas(target_metadata: MetaData) -> set[str]:
    """Non-default schemas the models use."""
    return {t.schema for t in target_metadata.tables.values() if t.schema is not None}


def _only_model_schemas(schemas: set[str]) -> Any:
    """An ``include_name`` hook: compare the default schema and the models' schemas only,
    so autogenerate never proposes dropping tables of schemas the project does not own."""

    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        if type_ == "schema":
            return name is None or name in schemas
        return True

    return include_name


def _own_tables() -> frozenset[str]:
    from rowstamp.history.ledger import DEFAULT_TABLE, own_tables
    from rowstamp.runtime.backfill import PROGRESS_TABLE

    environment = alembic_environment()
    if environment is None:
        return frozenset({DEFAULT_TABLE, PROGRESS_TABLE})
    return own_tables(environment.config)


def without_ledger(include_name: Any, own: Collection[str]) -> Any:
    """``include_name`` that also leaves out rowstamp's own tables (``own_tables``: the
    ledger, an unfinished backfill's progress): like ``alembic_version``, they are
    rowstamp's, not the models', and autogenerate must never drop them."""

    def include(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        if type_ == "table" and name in own:
            return False
        return bool(include_name(name, type_, parent_names))

    return include


def online_options(run: RunOptions, target_metadata: MetaData) -> dict[str, Any]:
    """``context.configure`` options for running against a live connection.

    They also watch each step as it starts and ends (progress, and a failure
    report naming the revision), through the command's own step function.
    """
    from rowstamp.fleet.schema import schema_options
    from rowstamp.runtime.progress import Progress

    options = {**_common_options(run, target_metadata), **schema_options(run)}
    engine = run.state.engine
    if engine is not None and for_dialect(engine.dialect).transaction_per_revision:
        options.update(transactional_ddl=True, transaction_per_migration=True)
    own, ledger = _old_history(), LedgerRun.of(run)
    fn = _steps(target_metadata, own, ledger.observe if ledger is not None else None)
    if fn is None:
        return options
    progress = run.state.progress = Progress(printer=run.printer, old_history=own)
    steps, on_apply, run.state.ledger = progress.observe(fn), [progress.applied], ledger
    if ledger is not None:
        on_apply = [ledger.applied, progress.applied]
    return {**options, "fn": steps, "on_version_apply": on_apply}


def protect(run: RunOptions, connection: Connection) -> None:
    """In a protected environment: confirm a downgrade and take a verified backup first."""
    from rowstamp.runtime.protection import protect as guard

    environment = alembic_environment()
    if environment is None:
        raise RuntimeError("rowstamp.runtime.env.protect is meant to be called from env.py")
    guard(run, connection, environment)


def offline_options(run: RunOptions, target_metadata: MetaData) -> dict[str, Any]:
    """``context.configure`` options for ``--sql`` mode (no database connection)."""
    fn = _steps(target_metadata, _old_history())
    return {
        **_common_options(run, target_metadata),
        "url": run.required_settings().url,
        "literal_binds": True,
        # named paramstyle: percent signs in trigger bodies come out single (Alembic #562)
        "dialect_opts": {"paramstyle": "named"},
        **({"fn": fn} if fn is not None else {}),
    }


def _old_history() -> frozenset[str]:
    """The adopted project's own revisions (up to ``[rowstamp] baseline``), or none."""
    from rowstamp.history.baseline import own_history

    environment = alembic_environment()
    if environment is None:
        return frozenset()
    return own_history(environment.config, environment.script)


def _steps(target_metadata: MetaData, own: frozenset[str], ledger: Any = None) -> Any:
    """The command's step function, the project's own history (up to ``[rowstamp]
    baseline``) run under its own naming convention, Alembic's steps seen by the
    ``ledger`` (``LedgerRun.observe``, which looks one step ahead); None without steps."""
    from rowstamp.history.baseline import own_history_steps

    environment = alembic_environment()
    if environment is None:
        return None
    return own_history_steps(environment, target_metadata, own, ledger)


@contextmanager
def connect(run: RunOptions) -> Iterator[Connection]:
    """The connection migrations run on: one handed in by a caller, or a fresh one.

    Callers (rehearsals, tests, pytest-alembic) may hand in an ``Engine`` or a
    ``Connection`` (``RunOptions.connection``, or ``config.attributes["connection"]``
    as Alembic's cookbook does).
    """
    settings = run.required_settings()
    for_name(settings.url.get_backend_name())  # an unsupported engine fails before connecting
    given = run.connection
    if isinstance(given, Connection):
        run.state.engine = given.engine
        with _session(given, run), ledger_closed(run):
            yield given
        return
    engine = given if isinstance(given, Engine) else _engine(settings)
    run.state.engine = engine
    # Refused, unreachable, or a URL option the driver does not know: psycopg refuses it
    # (a DBAPI error), PyMySQL's connect() raises TypeError for the unexpected keyword.
    try:
        connection = engine.connect()
    except (DBAPIError, TypeError) as exc:
        raise DatabaseUnreachableError(
            f"cannot connect to {mask_url(engine.url)}: {_first_line(exc, engine)}",
            "check that the server is running and DATABASE_URL is right",
        ) from None
    try:
        with _session(connection, run), ledger_closed(run):
            yield connection
    finally:
        connection.close()
        if given is None:
            engine.dispose()


@contextmanager
def _session(connection: Connection, run: RunOptions) -> Iterator[None]:
    """The engine's setup of a migration session: one clock, DDL inside transactions,
    the tenant's schema (``RunOptions.schema``)."""
    from rowstamp.fleet.schema import use_schema

    use_schema(connection, run.schema)
    support = for_dialect(connection.dialect)
    with support.ddl_transactions(connection), support.migration_clock(connection):
        yield


@contextmanager
def locked(connection: Connection, run: RunOptions) -> Iterator[None]:
    """Hold the migration lock for the whole Alembic run on ``connection`` (with the
    import-time heap frozen: ``runtime.heap``).

    A statement that gives up waiting for a table lock becomes one line naming
    the sessions that held it.
    """
    from rowstamp.runtime.lock import migration_lock

    settings = run.required_settings()
    with (
        migration_lock(
            connection,
            wait_seconds=settings.migration_lock_timeout,
            statement_lock_timeout=settings.database_lock_timeout,
            version_table_schema=run.schema,  # one lock per tenant schema
        ),
        frozen_heap(),
    ):
        try:
            yield
        except DBAPIError as exc:
            support = for_dialect(connection.dialect)
            if not support.is_lock_timeout(exc):
                raise
            raise _lock_timeout_error(connection, settings) from None


def _lock_timeout_error(connection: Connection, settings: RowstampSettings) -> TableLockTimeout:
    """What gave up and who held the lock; the caller's report adds the state left."""
    blockers: list[str] = []
    with suppress(DBAPIError):
        if connection.in_transaction():
            connection.rollback()
        blockers = for_dialect(connection.dialect).lock_blockers(connection)
    return TableLockTimeout(
        f"waited {settings.database_lock_timeout:g} s for a table lock and gave up; "
        f"held by {'; '.join(blockers) or 'another session'}"
    )


def _engine(settings: RowstampSettings) -> Engine:
    try:
        return create_engine(settings.migration_url, poolclass=NullPool)
    except ImportError as exc:  # SQLAlchemy imports the driver's package here
        raise DatabaseUrlError(
            f"the database driver {settings.url.get_driver_name()} of "
            f"{mask_url(settings.url)} is not installed ({first_line(exc)})",
            f"install the Python package {exc.name or 'it names'}, or name an installed "
            "driver in DATABASE_URL",
        ) from None


def _first_line(exc: Exception, engine: Engine) -> str:
    return mask_secrets(first_line(exc), engine.url)


class OneLineError(CommandError):
    """A rowstamp error on its way out through Alembic, already whole: what is wrong
    and what to do. Callers print it as it is, adding no hint of their own."""


class MigrationInterrupted(OneLineError):
    """Ctrl-C stopped a revision: Alembic prints this as its ``FAILED:`` line, the
    rowstamp CLI prints it and exits 130, as a shell does for SIGINT."""


@contextmanager
def user_errors(options: RunOptions, *urls: str) -> Iterator[None]:
    """Turn rowstamp's user errors into Alembic's ``FAILED: ...`` one-liners, with the
    heap frozen for ``env.py``'s whole run (``runtime.heap``). With ``options.debug``
    (``--debug``, ``ROWSTAMP_DEBUG=1``) the original exception and traceback pass through."""
    if options.debug:
        with frozen_heap():
            yield
        return
    try:
        with frozen_heap(), revision_warnings_as_errors():
            yield
    except RowstampError as exc:  # inside a revision: with the state it left
        raise OneLineError(mask_secrets(str(_failed_step(exc) or exc), *urls)) from None
    except KeyboardInterrupt as exc:
        failure = _failed_step(exc)
        if failure is None:
            raise
        raise MigrationInterrupted(mask_secrets(str(failure), *urls)) from None
    except Exception as exc:
        # a revision's failure report, a lock timeout between revisions, or a mistake in
        # the project's own files (explain)
        failure = _failed_step(exc) or _lock_timeout_between_revisions(exc) or explain(exc)
        if failure is None:
            raise
        raise OneLineError(mask_secrets(str(failure), *urls)) from None


def _lock_timeout_between_revisions(error: Exception) -> RowstampError | None:
    """A table lock timeout outside any revision (nothing of a revision to report)."""
    if isinstance(error, TableLockTimeout):
        return LockTimeoutError(str(error), error.hint)
    return None


def _failed_step(error: BaseException) -> RowstampError | None:
    """The report for an error raised while a revision was being applied, else None.

    It runs after env.py's ``with`` blocks ended (transaction rolled back, lock
    released), so the state it reports is read from the database as it is now.
    """
    from rowstamp.compat import configured_context
    from rowstamp.runtime.failure_state import AfterFailure

    environment = alembic_environment()
    if environment is None:
        return None
    state = RunOptions.of(environment.config).state
    progress, engine = state.progress, state.engine
    context = configured_context(environment)
    if progress is None or engine is None or context is None:
        return None  # stopped before Alembic was configured: nothing ran yet
    after = AfterFailure(engine, context, environment.script)
    if progress.running is None:
        if not isinstance(error, KeyboardInterrupt):
            return None
        return MigrationFailedError(
            f"interrupted (Ctrl-C) while no revision was running; "
            f"the database is at {after.revision()}",
            "run the command again to continue",
        )
    return progress.failure(error, after)
