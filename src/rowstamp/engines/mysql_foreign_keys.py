"""MySQL and MariaDB: a foreign key added to a live table without copying it.

With ``foreign_key_checks`` on, InnoDB adds a foreign key only by copying the table
(MariaDB 10.11 refuses ``ALGORITHM=INPLACE``: "Adding foreign keys needs
foreign_key_checks=OFF. Try ALGORITHM=COPY"), and the copy blocks every write. With
it off, the server adds the key in place with ``LOCK=NONE`` and checks no existing
row; rows written from then on are checked as usual. That is PostgreSQL's ``NOT
VALID``, and the ``VALIDATE`` is one anti-join query run right after, as a plain
(non-locking) read: the ``ALTER`` waits for every transaction that wrote the table
while it ran before it ends, so the query sees every row the key did not check.

``foreign_key_checks`` is off for the ``ALTER`` only, in the migration's session, and
set back to the value it had, also when the ``ALTER`` fails. When the query finds a
row whose key matches nothing, the foreign key is dropped again (and the index the
server made for it, if it made one), so the table is as before and the upgrade can run
again once the rows are fixed; the error names the constraint and one such key.
MySQL 8.0 documents the same ("Online DDL Operations": ``INPLACE`` is supported when
``foreign_key_checks`` is disabled, concurrent DML permitted).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    ForeignKeyConstraint,
    Index,
    Select,
    and_,
    bindparam,
    column,
    select,
    table,
    text,
)

from rowstamp.engines.mysql_online import IMPL_ATTRIBUTE, INPLACE

__all__ = ["ForeignKeyOrphans", "add_foreign_key_online", "orphan_query"]

_CHECKS_OFF = text(
    "SET @rowstamp_foreign_key_checks = @@foreign_key_checks, foreign_key_checks = 0"
)
_CHECKS_BACK = text("SET foreign_key_checks = @rowstamp_foreign_key_checks")
"""Restores the session's own value (a user variable, so ``--sql`` scripts restore it too)."""

_INDEX_EXISTS = text(
    "SELECT 1 FROM information_schema.STATISTICS "
    "WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) AND TABLE_NAME = :table "
    "AND INDEX_NAME = :name LIMIT 1"
).bindparams(bindparam("schema"), bindparam("table"), bindparam("name"))


class ForeignKeyOrphans(Exception):
    """Existing rows break a foreign key added with ``foreign_key_checks`` off.

    Not a ``RowstampError``, like ``OnlineAlterRefused``: the failure report of the
    running revision wraps this line with the state the revision left.
    """


def orphan_query(constraint: ForeignKeyConstraint) -> Select[Any]:
    """The first row of the source table whose key (no part NULL: MATCH SIMPLE) has no
    referenced row: one anti-join, whatever the table's size."""
    local = [str(element.parent.name) for element in constraint.elements]
    remote = [str(element.column.name) for element in constraint.elements]
    source = constraint.table
    referred = constraint.elements[0].column.table
    child = table(source.name, *map(column, local), schema=source.schema).alias("orphan")
    parent = table(referred.name, *map(column, remote), schema=referred.schema).alias("referent")
    matched = and_(*(parent.c[r] == child.c[c] for c, r in zip(local, remote, strict=True)))
    return (
        select(*(child.c[c] for c in local))
        .select_from(child.outerjoin(parent, matched))
        .where(*(child.c[c].is_not(None) for c in local), parent.c[remote[0]].is_(None))
        .limit(1)
    )


def _pinned_inplace(impl: Any, run: Any, *args: Any) -> None:
    before = getattr(impl, IMPL_ATTRIBUTE, None)
    setattr(impl, IMPL_ATTRIBUTE, INPLACE)
    try:
        run(*args)
    finally:
        setattr(impl, IMPL_ATTRIBUTE, before)


def add_foreign_key_online(impl: Any, constraint: ForeignKeyConstraint) -> None:
    """Add ``constraint`` in place with ``foreign_key_checks`` off for that statement, then
    check the existing rows with one query (``impl``: Alembic's MySQL/MariaDB impl)."""
    connection: Connection | None = None if impl.as_sql else impl.connection
    source = constraint.table
    had_index = connection is not None and _index_exists(connection, constraint)
    impl._exec(_CHECKS_OFF)
    try:
        _pinned_inplace(impl, impl.add_constraint, constraint)
    finally:
        impl._exec(_CHECKS_BACK)
    if connection is None:  # --sql: the script shows the query; whoever runs it reads it
        query = orphan_query(constraint).compile(
            dialect=impl.dialect, compile_kwargs={"literal_binds": True}
        )
        impl._exec(text(str(query)))
        return
    orphan = connection.execute(orphan_query(constraint)).first()
    if orphan is None:
        return
    _pinned_inplace(impl, impl.drop_constraint, constraint)
    if not had_index:
        columns = [source.c[str(element.parent.name)] for element in constraint.elements]
        _pinned_inplace(impl, impl.drop_index, Index(str(constraint.name), *columns))
    raise ForeignKeyOrphans(_message(constraint, tuple(orphan), had_index))


def _index_exists(connection: Connection, constraint: ForeignKeyConstraint) -> bool:
    source = constraint.table
    found = connection.execute(
        _INDEX_EXISTS, {"schema": source.schema, "table": source.name, "name": constraint.name}
    )
    return found.first() is not None


def _message(constraint: ForeignKeyConstraint, key: tuple[Any, ...], had_index: bool) -> str:
    local = [str(element.parent.name) for element in constraint.elements]
    remote = [str(element.column.name) for element in constraint.elements]
    referred = constraint.elements[0].column.table
    sample = ", ".join(f"{name}={value!r}" for name, value in zip(local, key, strict=True))
    index = "" if had_index else " and the index the server made for it"
    return (
        f"foreign key {constraint.name} does not hold for the rows already in "
        f"{constraint.table.fullname}: some have a {', '.join(local)} that no "
        f"{referred.fullname} row has in {', '.join(remote)} (for example {sample}); "
        f"rowstamp dropped {constraint.name} again{index}, so {constraint.table.fullname} "
        "is as it was before; fix or delete those rows, then run the upgrade again"
    )
