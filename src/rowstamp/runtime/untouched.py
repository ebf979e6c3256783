"""``rowstamp.untouched``: writes that leave ``updated_at`` as it was.

A version 2 trigger sets ``updated_at`` unless the writing connection is marked
(``engines.untouched``): PostgreSQL a transaction-local setting, MySQL/MariaDB a
session variable, SQLite a marker row inside the write transaction. Each mark is
invisible to every other connection, so a concurrent application UPDATE still
bumps ``updated_at`` while a backfill in this block does not.

The block marks each transaction that begins inside it and takes the mark away
wherever it would outlive the block: before a commit that would publish SQLite's
marker row, after a MySQL commit or rollback (the variable would go back to the
pool with the connection), and when the block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from rowstamp.engines import EngineSupport, for_dialect
from rowstamp.errors import RowstampError, first_line

__all__ = ["untouched"]


@contextmanager
def untouched(target: Session | Connection) -> Iterator[None]:
    """Run the block's writes through ``target`` without bumping ``updated_at``.

    Tables need the version 2 trigger or newer (``op.replace_updated_at_trigger`` moves
    a version 1 table to it); a version 1 trigger ignores the mark.
    """
    if isinstance(target, Connection):
        began = not target.in_transaction()
        marker = _Marker(target)
        if began and target.in_transaction():
            target.commit()  # the capability probe's: the block's own writes begin later
        marker.attach(mark_now=target.in_transaction())  # else its next begin marks it
        try:
            yield
        finally:
            marker.detach()
        return
    markers: list[_Marker] = []

    def after_begin(_s: Session, _t: SessionTransaction, connection: Connection) -> None:
        markers.append(_Marker(connection))
        markers[-1].attach(mark_now=True)

    event.listen(target, "after_begin", after_begin)
    try:
        if target.in_transaction():
            after_begin(target, target.get_transaction(), target.connection())  # type: ignore[arg-type]
        yield
    finally:
        event.remove(target, "after_begin", after_begin)
        for marker in markers:
            marker.detach()


class _Marker:
    """The mark on one connection, kept for every transaction it begins."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.support: EngineSupport = for_dialect(connection.dialect)
        self.attached = False
        from rowstamp.engines.no_triggers import on_update_fallback

        if on_update_fallback(connection):
            product = self.support.capabilities(connection).product
            raise RowstampError(
                f"rowstamp.untouched cannot leave updated_at alone on {product}: no row "
                "triggers, and ON UPDATE ignores the mark",
                "assign the column to itself in the UPDATE (SET ..., updated_at = "
                "updated_at), or use op.backfill(touch=False), which does",
            )

    def attach(self, *, mark_now: bool) -> None:
        if self.attached:
            return
        if mark_now:
            self._mark()
        event.listen(self.connection, "begin", self._on_begin)
        event.listen(self.connection, "commit", self._on_commit)
        event.listen(self.connection, "rollback", self._on_rollback)
        self.attached = True

    def detach(self) -> None:
        if not self.attached:
            return
        self.attached = False
        event.remove(self.connection, "begin", self._on_begin)
        event.remove(self.connection, "commit", self._on_commit)
        event.remove(self.connection, "rollback", self._on_rollback)
        connection = self.connection
        if connection.closed or connection.invalidated:
            return
        transaction = connection.get_transaction()
        if transaction is not None and transaction.is_valid:
            connection.execute(self.support.unmark_untouched())
        elif self.support.untouched_survives_transaction:
            # a session variable outlives the transaction: it must not reach the pool
            with connection.begin():
                connection.execute(self.support.unmark_untouched())

    def _mark(self) -> None:
        try:
            self.connection.execute(self.support.mark_untouched())
        except DBAPIError as exc:
            raise RowstampError(
                f"cannot mark writes as leaving updated_at: {first_line(exc)}",
                "give the tables the version 2 (or newer) updated_at trigger first "
                "(set [rowstamp] trigger_version = 3 in alembic.ini and autogenerate a "
                "migration: it writes op.replace_updated_at_trigger)",
            ) from None

    def _on_begin(self, _connection: Connection) -> None:
        self._mark()

    def _on_commit(self, _connection: Connection) -> None:
        if self.support.untouched_commits or self.support.untouched_survives_transaction:
            self._unmark_raw()

    def _on_rollback(self, _connection: Connection) -> None:
        if self.support.untouched_survives_transaction:
            self._unmark_raw()

    def _unmark_raw(self) -> None:
        """On the driver's connection: SQLAlchemy is in the middle of ending a transaction."""
        cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.support.unmark_untouched().text)
        finally:
            cursor.close()
