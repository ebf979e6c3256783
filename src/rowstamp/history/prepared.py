"""A ledger statement compiled once per dialect and run as the driver's own SQL.

The ledger writes two rows per migration step. Through ``Connection.execute`` each
costs SQLAlchemy's whole statement path (cache key, compiled-cache lookup, bind
processing, result setup), several times what the database spends on it; counted
with valgrind, that was most of what the ledger added to each step of ``alembic
upgrade``. Here the statement is compiled by SQLAlchemy once, for the run's dialect
(quoting, paramstyle, RETURNING, casts: the same SQL ``execute`` would send), and
each row is sent with ``exec_driver_sql``, its values put through the same type
processors. Events, logging and the transaction are the connection's as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase

__all__ = ["Prepared"]


@dataclass(frozen=True)
class Prepared:
    """``statement`` compiled for one dialect and one set of parameter names."""

    sql: str
    order: tuple[str, ...] | None
    """Parameter names in placeholder order (positional paramstyles); None: by name."""
    defaults: Mapping[str, Any]
    """Values the statement itself binds (``values(status="done")``)."""
    processors: Mapping[str, Callable[[Any], Any]]
    """The dialect's bind processor of each parameter that has one."""
    returning: bool
    """The statement returns the new row's key (PostgreSQL); else the cursor's lastrowid."""

    @classmethod
    def compile(cls, statement: UpdateBase, dialect: Dialect, keys: Iterable[str]) -> Prepared:
        keys = list(keys)
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        processors, defaults = {}, {}
        for bind, name in compiled.bind_names.items():  # the names the SQL text uses
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
            if name not in keys and bind.value is not None:
                defaults[name] = bind.value
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        return cls(compiled.string, order, defaults, processors, bool(compiled.effective_returning))

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """``values`` as the driver takes them: processed, in order or by name."""
        merged = {**self.defaults, **values}
        for name, process in self.processors.items():
            if name in merged:
                merged[name] = process(merged[name])
        if self.order is None:
            return merged
        return tuple(merged.get(name) for name in self.order)

    def run(self, connection: Connection, values: Mapping[str, Any]) -> CursorResult[Any]:
        return connection.exec_driver_sql(self.sql, self.params(values))

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement for one row, one executemany for more."""
        if len(rows) == 1:
            self.run(connection, rows[0])
        else:
            connection.exec_driver_sql(self.sql, [self.params(row) for row in rows])

    def new_key(self, result: CursorResult[Any]) -> int | None:
        """The key of the row an INSERT just wrote."""
        key = result.scalar() if self.returning else result.lastrowid
        return None if key is None else int(key)
