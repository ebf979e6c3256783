"""Uniqueness among live rows: ``unique_among_active("email")`` on the model.

PostgreSQL and SQLite have partial indexes, so the index is just
``CREATE UNIQUE INDEX ... (email) WHERE is_active``: the migration says
``postgresql_where=sa.text('is_active'), sqlite_where=sa.text('is_active')`` and
autogenerate compares it like any index (by name, columns and uniqueness; Alembic
never compares an index's ``WHERE``).

MariaDB has neither partial nor functional indexes; ``rowstamp.engines.mysql_ddl``
compiles the same index there as an invisible virtual key column plus a unique
index that ends in it, and ``rowstamp.autogen.unique_active`` (an Alembic plugin)
keeps autogenerate from proposing to drop or change them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, Table, event, text
from sqlalchemy.sql.elements import conv

from rowstamp.engines import (
    bounded_name,
    portable_identifier_limit,
)
from rowstamp.engines.ddl import ACTIVE_FLAG, PARTIAL_INDEX_DIALECTS, filters_on_active
from rowstamp.errors import RowstampError
from rowstamp.model.columns import metadata_columns

__all__ = ["is_unique_among_active", "unique_among_active"]


def unique_among_active(*columns: str, name: str | None = None) -> Index:
    """A unique index over ``columns`` that only counts active rows.

    Put it in the model's ``__table_args__``: ``unique_among_active("email")`` says
    "email is unique among active users", so a soft-deleted user's email can be
    used again. The default name is ``uq_<table>_<columns>_active``.
    """
    if not columns:
        raise ValueError("unique_among_active() needs at least one column name")
    predicate = text(ACTIVE_FLAG)  # plain text: the same migration runs on every engine
    where: dict[str, Any] = {f"{dialect}_where": predicate for dialect in PARTIAL_INDEX_DIALECTS}
    index = Index(name, *columns, unique=True, **where)
    event.listen(index, "after_parent_attach", _check_flag)
    if name is None:
        event.listen(index, "after_parent_attach", _name_index)
    return index


def _check_flag(index: Index, table: Table) -> None:
    """The index counts rows by ``is_active``: on a table whose ``MetadataSpec`` renamed
    or left out rowstamp's flag, that column is the model's own, or missing."""
    flag = metadata_columns(table).get("is_active")
    if flag != ACTIVE_FLAG:
        columns = ", ".join(repr(c.name) for c in index.expressions if hasattr(c, "name"))
        now = f"is {flag}" if flag else "is left out"
        raise RowstampError(
            f"{table.name}: unique_among_active({columns}) counts rows by {ACTIVE_FLAG}, "
            f"but rowstamp's soft-delete flag of this table {now}",
            "use a plain unique index (UniqueConstraint) on this table",
        )


def _name_index(index: Index, table: Table) -> None:
    columns = "_".join(column.name for column in index.columns)
    index.name = conv(
        bounded_name(f"uq_{table.name}_{columns}_active", portable_identifier_limit())
    )


def is_unique_among_active(index: Index) -> bool:
    """True for a unique index whose partial-index predicate is exactly ``is_active``.

    Read from the ``postgresql_where``/``sqlite_where`` a migration carries, so an
    ``op.create_index`` written by hand with those arguments counts too.
    """
    return bool(index.unique) and filters_on_active(index)
