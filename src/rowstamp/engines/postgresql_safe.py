"""PostgreSQL's safe DDL: what ``op.lock_retries``, ``op.validate_constraint`` and the
NOT NULL check operations run there.

A statement that waits for a table lock queues every later query on that table
behind it, so on PostgreSQL each statement inside ``op.lock_retries`` waits at most
the pinned ``timeout`` and is then retried, up to ``attempts`` times, ``pause``
seconds apart. Inside the run's transaction a failed statement would abort it, so
each attempt runs under a SAVEPOINT and a lock timeout rolls back to it; in an
autocommit block each statement is its own transaction and is simply run again.
The mixin goes on rowstamp's PostgreSQL Alembic impl only: the other engines run
the statements as they are (their session's lock timeout applies), and their
constraints are valid as soon as they are added, so the rest is PostgreSQL's alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CheckConstraint, Column, DropConstraint, MetaData, Table
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import DDLElement
from sqlalchemy.util import immutabledict

from rowstamp.errors import TableLockTimeout

__all__ = [
    "LockRetryPolicy",
    "RetriedLockTimeout",
    "RetryingImpl",
    "ValidateConstraint",
    "drop_not_null_check",
    "has_safe_ddl",
    "not_null_check",
]

_LOCK_NOT_AVAILABLE = "55P03"


def has_safe_ddl(dialect: Dialect) -> bool:
    """Whether the engine has constraints added NOT VALID (so autogenerate writes the
    safe forms for its existing tables, and the operations here run)."""
    return dialect.name == "postgresql"


@dataclass(frozen=True)
class LockRetryPolicy:
    """The values ``op.lock_retries`` pins in a migration file."""

    timeout: float
    attempts: int
    pause: float

    @property
    def milliseconds(self) -> str:
        return str(max(1, round(self.timeout * 1000)))


class RetriedLockTimeout(TableLockTimeout):
    """Every attempt of a statement in ``op.lock_retries`` gave up waiting for a lock."""

    hint = "run the migration again when that session is done"


class ValidateConstraint(DDLElement):
    """``ALTER TABLE ... VALIDATE CONSTRAINT ...``, names quoted by the dialect."""

    def __init__(self, constraint_name: str, table_name: str, schema: str | None) -> None:
        self.constraint_name = constraint_name
        self.table = Table(table_name, MetaData(), schema=schema)


@compiles(ValidateConstraint)
def _validate(element: ValidateConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    preparer = compiler.preparer
    return (
        f"ALTER TABLE {preparer.format_table(element.table)} "
        f"VALIDATE CONSTRAINT {preparer.quote(element.constraint_name)}"
    )


def not_null_check(
    constraint_name: str, table_name: str, column_name: str, schema: str | None
) -> CheckConstraint:
    """``CHECK (column IS NOT NULL) NOT VALID`` on its table, ready for ``AddConstraint``."""
    column: Column[Any] = Column(column_name)
    table = Table(table_name, MetaData(), column, schema=schema)
    check = CheckConstraint(column.is_not(None), name=constraint_name, postgresql_not_valid=True)
    table.append_constraint(check)
    return check


def drop_not_null_check(
    constraint_name: str, table_name: str, schema: str | None, dialect: Dialect, *, as_sql: bool
) -> Any:
    """The DROP of the check, as a statement; for ``--sql`` with squawk's ignore comment
    above it: the check only stood in for the NOT NULL just set, so no guarantee goes."""
    table = Table(table_name, MetaData(), schema=schema)
    check = CheckConstraint(text("true"), name=constraint_name)
    table.append_constraint(check)
    drop = DropConstraint(check)
    if not as_sql:
        return drop
    compiled = str(drop.compile(dialect=dialect)).replace(":", "\\:")  # no bind parameters
    return text(f"-- squawk-ignore ban-drop-constraint\n{compiled}")


class RetryingImpl:
    """Mixin for an Alembic impl: statements retried after a lock timeout while
    ``lock_retry`` is set (``op.lock_retries``)."""

    lock_retry: LockRetryPolicy | None = None
    as_sql: bool
    connection: Connection | None

    @contextmanager
    def lock_retries(self, policy: LockRetryPolicy) -> Iterator[None]:
        """Retry each statement run meanwhile; the session's lock_timeout is restored after."""
        if self.as_sql or self.connection is None:
            yield
            return
        connection = self.connection
        previous = connection.execute(text("SELECT current_setting('lock_timeout')")).scalar()
        outer, self.lock_retry = self.lock_retry, policy
        try:
            _set_lock_timeout(connection, policy.milliseconds)
            yield
        finally:
            self.lock_retry = outer
        if self.connection is not None:  # not after a failure: the transaction is gone
            _set_lock_timeout(self.connection, str(previous))

    def _exec(
        self,
        construct: Any,
        execution_options: Mapping[str, Any] | None = None,
        multiparams: Sequence[Mapping[str, Any]] | None = None,
        params: Mapping[str, Any] = immutabledict(),
    ) -> Any:
        run = super()._exec  # type: ignore[misc]
        policy, connection = self.lock_retry, self.connection
        if policy is None or self.as_sql or connection is None:
            return run(construct, execution_options, multiparams, params)
        autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        for attempt in range(1, policy.attempts + 1):
            savepoint = None if autocommit else connection.begin_nested()
            try:
                result = run(construct, execution_options, multiparams, params)
            except DBAPIError as exc:
                if savepoint is not None:
                    savepoint.rollback()
                if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                    raise
                if attempt == policy.attempts:
                    raise _gave_up(connection, policy, construct) from None
                time.sleep(policy.pause)
                continue
            if savepoint is not None:
                savepoint.commit()
            return result
        return None  # attempts < 1: nothing was run


def _set_lock_timeout(connection: Connection, value: str) -> None:
    from rowstamp.engines.postgresql_pooled import session_setting

    session_setting(connection, "lock_timeout", value)  # per transaction under a pooler


def _gave_up(connection: Connection, policy: LockRetryPolicy, construct: Any) -> RetriedLockTimeout:
    from rowstamp.engines import for_dialect

    blockers: list[str] = []
    with suppress(DBAPIError):
        blockers = for_dialect(connection.dialect).lock_blockers(connection)
    try:  # compiled, never str(): utc_now() has no dialect-free SQL
        statement = " ".join(str(construct.compile(dialect=connection.dialect)).split())[:60]
    except Exception:
        statement = type(construct).__name__
    holders = "; ".join(blockers) or "another session"
    return RetriedLockTimeout(
        f"{statement}: waited {policy.timeout:g} s for a table lock in each of "
        f"{policy.attempts} attempts and gave up; held by {holders}"
    )
