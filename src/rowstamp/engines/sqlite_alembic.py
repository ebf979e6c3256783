"""Alembic's SQLite implementation, with expression indexes compared instead of skipped.

SQLite's reflection cannot read an index on an expression (``lower(name)``, or a
column ``DESC``): SQLAlchemy leaves out a functional one with a warning, and reads
``version DESC`` as the plain column. Alembic therefore skips every expression
index of the models that the database does not have, so a migration generated on
SQLite silently lacked it (PostgreSQL then showed drift), and compares the ones
that exist by columns, so SQLite's ``alembic check`` reported a drop and a
re-create of a ``DESC`` index on every run.

SQLite keeps each index's ``CREATE INDEX`` text, though. This subclass, registered
for the same dialect name, reads that text for all indexes in one catalog query and
compares it with the model's index compiled for SQLite (case, quotes and spaces
aside): the same text is no difference; an index the database lacks is written
by autogenerate; a different one is a difference (a drop and re-create where SQLite
reflected the index, else a note saying to write it by hand, since autogenerate
cannot drop what it cannot read). Kept apart from ``sqlite.py`` because it imports
Alembic; registered by importing it, as ``rowstamp.autogen.impl`` does.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from alembic.ddl import sqlite as alembic_sqlite
from sqlalchemy import Column, Index
from sqlalchemy.schema import CreateIndex

__all__ = ["expression_index"]

log = logging.getLogger("rowstamp")

_NOISE = re.compile(r"[\s\"`\[\]]+")
_INDEX_SQL = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"


def expression_index(index: Index) -> bool:
    """Whether ``index`` holds anything but plain columns (a function, ``DESC``, text)."""
    return not all(isinstance(expression, Column) for expression in index.expressions)


def _normal(sql: str) -> str:
    text = _NOISE.sub("", sql.lower())
    return text.replace("ifnotexists", "", 1)


def _note(text: str) -> None:
    """Log ``text`` and add it to the run's notes, which ``rowstamp new`` and
    ``rowstamp check`` print (``autogen.unseen``)."""
    from rowstamp.compat import current_environment
    from rowstamp.runtime.options import RunOptions

    log.warning("%s", text)
    environment = current_environment()
    if environment is not None:
        RunOptions.of(environment.config).state.notes.append(text)


# Alembic's own class name, so its "Context impl SQLiteImpl." log line reads as always.
class SQLiteImpl(alembic_sqlite.SQLiteImpl):
    __dialect__ = "sqlite"

    _stored: dict[str, str] | None = None

    def _stored_index_sql(self) -> dict[str, str]:
        """Every index's ``CREATE INDEX`` text by name: one query per comparison run."""
        if self._stored is None:
            assert self.connection is not None, "autogenerate compares only with a connection"
            rows = self.connection.exec_driver_sql(_INDEX_SQL).all()
            self._stored = {str(name): str(sql) for name, sql in rows}
        return self._stored

    def correct_for_autogen_constraints(
        self,
        conn_unique_constraints: Any,
        conn_indexes: Any,
        metadata_unique_constraints: Any,
        metadata_indexes: Any,
    ) -> None:
        expressions = [i for i in metadata_indexes if i.name and expression_index(i)]
        stored = self._stored_index_sql() if expressions else {}
        reflected = {index.name: index for index in conn_indexes}
        missing = []
        for index in expressions:
            sql = stored.get(index.name)
            if sql is None:  # kept from Alembic's skip, so autogenerate writes it
                metadata_indexes.discard(index)
                missing.append(index)
                continue
            if _normal(sql) == _normal(str(CreateIndex(index).compile(dialect=self.dialect))):
                metadata_indexes.discard(index)
                if index.name in reflected:
                    conn_indexes.discard(reflected[index.name])
            elif index.name not in reflected:
                metadata_indexes.discard(index)
                table = index.table.name if index.table is not None else "?"
                _note(
                    f"{table}: expression index {index.name} differs from the model, and "
                    "SQLite cannot reflect it, so autogenerate cannot replace it; "
                    "write op.drop_index and op.create_index by hand"
                )
        super().correct_for_autogen_constraints(  # type: ignore[no-untyped-call]
            conn_unique_constraints, conn_indexes, metadata_unique_constraints, metadata_indexes
        )
        metadata_indexes.update(missing)
