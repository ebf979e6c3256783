"""The operations of safe DDL on tables that already hold rows.

``op.lock_retries(timeout=, attempts=, pause=)`` is a context manager: on
PostgreSQL each statement run inside it waits ``timeout`` seconds at most for a
lock and is retried (``rowstamp.engines.postgresql_safe``). ``op.validate_constraint``
checks the rows of a constraint added ``NOT VALID``; ``op.add_not_null_check`` and
``op.drop_not_null_check`` put a validated ``CHECK (column IS NOT NULL)`` before a
``SET NOT NULL``, so PostgreSQL (12+) skips its scan under an exclusive lock. All
three do nothing on engines whose constraints are valid as soon as they exist.
Every value is a required keyword: a migration means the same forever.

The containers are what autogenerate builds and renders (only on PostgreSQL):
``LockRetriesOps`` inside ``with op.lock_retries(...)``, ``AutocommitOps`` inside
``op.get_context().autocommit_block()``; each reverses into the same safe form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from alembic.operations import MigrateOperation, Operations, ops

from rowstamp.autogen.ops import TopLevelOps

__all__ = [
    "LOCK_ATTEMPTS",
    "LOCK_PAUSE",
    "LOCK_TIMEOUT",
    "AddNotNullCheckOp",
    "AutocommitOps",
    "DropNotNullCheckOp",
    "LockRetriesOp",
    "LockRetriesOps",
    "ValidateConstraintOp",
]

LOCK_TIMEOUT = 0.2
"""Seconds autogenerate lets a statement wait for a lock: every query on the table
queues behind a waiting ALTER, so a short wait tried again beats a long one."""

LOCK_ATTEMPTS = 10
LOCK_PAUSE = 0.5
"""Seconds between two attempts; locks the revision already took stay held meanwhile."""


@Operations.register_operation("lock_retries")
class LockRetriesOp(MigrateOperation):
    """Not an operation of its own: ``op.lock_retries(...)`` is the context manager."""

    @classmethod
    def lock_retries(
        cls, operations: Operations, *, timeout: float, attempts: int, pause: float
    ) -> AbstractContextManager[None]:
        """Retry each statement inside after a lock timeout (PostgreSQL; elsewhere as is)."""
        return _retrying(operations, timeout, attempts, pause)


@contextmanager
def _retrying(
    operations: Operations, timeout: float, attempts: int, pause: float
) -> Iterator[None]:
    from rowstamp.engines.postgresql_safe import LockRetryPolicy, RetryingImpl
    from rowstamp.errors import RowstampError

    if timeout <= 0 or attempts < 1 or pause < 0:
        raise RowstampError(
            f"op.lock_retries(timeout={timeout!r}, attempts={attempts!r}, pause={pause!r})",
            "give a timeout above 0, attempts of 1 or more and a pause of 0 or more",
        )
    impl = operations.get_context().impl
    if not isinstance(impl, RetryingImpl):
        yield
        return
    with impl.lock_retries(LockRetryPolicy(timeout, attempts, pause)):
        yield


class _ConstraintOp(MigrateOperation):
    def __init__(self, constraint_name: str, table_name: str, *, schema: str | None = None) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.schema = schema

    def reverse(self) -> TopLevelOps:
        """Nothing: the constraint's own operation undoes what there is to undo."""
        return TopLevelOps([])


@Operations.register_operation("validate_constraint")
class ValidateConstraintOp(_ConstraintOp):
    """``VALIDATE CONSTRAINT`` of a foreign key or CHECK added ``NOT VALID``: it reads
    every row under a lock that lets writes through (PostgreSQL), in an autocommit
    block so the lock the ADD took is gone by then."""

    @classmethod
    def validate_constraint(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Validate a constraint added ``NOT VALID`` (PostgreSQL; elsewhere nothing)."""
        operations.invoke(cls(constraint_name, table_name, schema=schema))

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("validate_constraint", self.schema, self.table_name, self.constraint_name)


@Operations.register_operation("add_not_null_check")
class AddNotNullCheckOp(_ConstraintOp):
    """``CHECK (column IS NOT NULL) NOT VALID``, the stand-in validated before ``SET NOT NULL``."""

    def __init__(
        self, constraint_name: str, table_name: str, column_name: str, *, schema: str | None = None
    ) -> None:
        super().__init__(constraint_name, table_name, schema=schema)
        self.column_name = column_name

    @classmethod
    def add_not_null_check(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Add the NOT VALID check that lets ``SET NOT NULL`` skip its scan (PostgreSQL)."""
        operations.invoke(cls(constraint_name, table_name, column_name, schema=schema))

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_not_null_check", self.schema, self.table_name, self.column_name)


@Operations.register_operation("drop_not_null_check")
class DropNotNullCheckOp(_ConstraintOp):
    """Drop the stand-in check once ``SET NOT NULL`` holds the same guarantee."""

    @classmethod
    def drop_not_null_check(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Drop the check ``add_not_null_check`` added (PostgreSQL; elsewhere nothing)."""
        operations.invoke(cls(constraint_name, table_name, schema=schema))

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("drop_not_null_check", self.schema, self.table_name, self.constraint_name)


class LockRetriesOps(ops.OpContainer):
    """Operations written inside ``with op.lock_retries(...)`` (only autogenerate builds this)."""

    def __init__(
        self,
        operations: list[MigrateOperation],
        *,
        timeout: float = LOCK_TIMEOUT,
        attempts: int = LOCK_ATTEMPTS,
        pause: float = LOCK_PAUSE,
    ) -> None:
        super().__init__(operations)
        self.timeout = timeout
        self.attempts = attempts
        self.pause = pause

    def reverse(self) -> LockRetriesOps:
        return LockRetriesOps(
            [op.reverse() for op in reversed(self.ops)],
            timeout=self.timeout,
            attempts=self.attempts,
            pause=self.pause,
        )


class AutocommitOps(ops.OpContainer):
    """Operations written inside ``op.get_context().autocommit_block()``: index builds and
    drops ``CONCURRENTLY`` and validations, each its own transaction (only autogenerate
    builds this). The reverse of an index build is a concurrent drop, and back."""

    def reverse(self) -> AutocommitOps:
        return AutocommitOps([_concurrently(op.reverse()) for op in reversed(self.ops)])


def _concurrently(op: MigrateOperation) -> MigrateOperation:
    if isinstance(op, (ops.CreateIndexOp, ops.DropIndexOp)):
        op.kw["postgresql_concurrently"] = True
    return op
