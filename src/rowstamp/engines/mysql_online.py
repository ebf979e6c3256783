"""MySQL and MariaDB: ``ALTER TABLE`` pinned to ``ALGORITHM=INSTANT`` or
``ALGORITHM=INPLACE, LOCK=NONE``, so it changes a live table without blocking writes.

Without the clause the server picks the algorithm itself, and may silently pick
``COPY``, which blocks every write until the whole table is copied. With it, a
server that cannot honour it refuses the statement at once (errors 1845/1846),
before touching a row: the migration fails fast instead of copying.

Which form each operation takes was checked on MariaDB 10.11 by running it with the
clause (tests/integration/engines/test_mysql_online.py keeps checking them; MySQL
8.0.29+ from its manual, "Online DDL Operations"):

- ``INSTANT`` (metadata only): adding a column (not an ``AUTO_INCREMENT``, primary
  key or ``STORED`` generated one), renaming a column, changing only a default or a
  comment. No ``LOCK`` clause: MySQL permits
  only ``LOCK=DEFAULT`` with ``INSTANT``, and an instant change has no lock to relax;
- ``INPLACE, LOCK=NONE`` (writes go on while the server works): creating or
  dropping an index or a UNIQUE constraint, dropping a foreign key, dropping a column
  (``INSTANT`` is refused while an index uses it, and MariaDB keeps the index of a
  dropped foreign key), ``NULL``/``NOT NULL`` in either direction (10.11 refuses
  ``INSTANT`` for both), a type change ``mysql_copies`` says is in place. MariaDB
  treats ``INPLACE`` as the least it accepts and still does the change instantly
  where it can.

Everything ``mysql_copies.table_copy`` calls a copy keeps its plain form (and the
``table-copy`` lint warning). ``DROP INDEX ... ON`` takes no ``ALGORITHM`` on
MariaDB, so inside a pinned block a dropped index is ``ALTER TABLE ... DROP INDEX``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.ddl.base import AlterColumn, AlterTable
from alembic.operations import MigrateOperation, ops
from sqlalchemy import Index
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement

__all__ = [
    "ALGORITHMS",
    "IMPL_ATTRIBUTE",
    "INPLACE",
    "INSTANT",
    "Online",
    "OnlineAlterRefused",
    "PinnedAlters",
    "PinnedDDL",
    "online_form",
    "weakest",
]

ALGORITHMS: tuple[str, ...] = ("INSTANT", "NOCOPY", "INPLACE")
"""From the most to the least restrictive; ``COPY`` is what the clause exists to refuse."""

IMPL_ATTRIBUTE = "rowstamp_online"
"""Where ``op.online_alter`` keeps its ``Online`` on Alembic's impl while its block runs."""

_REFUSED = frozenset({1845, 1846})  # ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON)


@dataclass(frozen=True)
class Online:
    """The clause an ``ALTER TABLE`` is pinned to."""

    algorithm: str
    lock: str | None = None

    def clause(self, separator: str) -> str:
        parts = [f"ALGORITHM={self.algorithm}"] + ([f"LOCK={self.lock}"] if self.lock else [])
        return separator + separator.join(parts)

    def __str__(self) -> str:
        return self.clause(", ").removeprefix(", ")


INSTANT = Online("INSTANT")
INPLACE = Online("INPLACE", "NONE")


def weakest(forms: list[Online | None]) -> Online | None:
    """One form for several statements: None if any copies, else the least restrictive."""
    if not forms or any(form is None for form in forms):
        return None
    return max(forms, key=lambda form: ALGORITHMS.index(form.algorithm) if form else 0)


def _add_column(op: ops.AddColumnOp) -> Online:
    column = op.column
    if column.primary_key or column.autoincrement is True:
        return INPLACE  # MariaDB refuses INSTANT for an AUTO_INCREMENT column
    return INSTANT


def _alter_column(op: ops.AlterColumnOp) -> Online:
    if op.modify_type is not None or op.modify_nullable is not None:
        return INPLACE
    return INSTANT  # a name, a default or a comment: metadata only


def online_form(op: MigrateOperation, *, copies: bool) -> Online | None:
    """The clause ``op`` on an existing table runs with; None: leave it plain (it copies
    the table, ``copies``, or is not an ``ALTER TABLE`` rowstamp knows the facts of)."""
    if copies:
        return None
    if isinstance(op, ops.AddColumnOp):
        return _add_column(op)
    if isinstance(op, ops.AlterColumnOp):
        return _alter_column(op)
    if isinstance(op, ops.DropColumnOp):
        return INPLACE  # INSTANT is refused while an index (a foreign key's) uses the column
    if isinstance(op, ops.CreateIndexOp):
        prefix = str(op.kw.get("mysql_prefix") or op.kw.get("mariadb_prefix") or "")
        return None if prefix.upper() in {"FULLTEXT", "SPATIAL"} else INPLACE
    if isinstance(op, (ops.DropIndexOp, ops.CreateUniqueConstraintOp)):
        return INPLACE
    if isinstance(op, ops.DropConstraintOp) and op.constraint_type in {"unique", "foreignkey"}:
        return INPLACE
    return None


class OnlineAlterRefused(Exception):
    """The server cannot make a pinned change online: it refused before copying.

    Not a ``RowstampError``, like ``TableLockTimeout``: the failure report of the running
    revision wraps this line with the state the revision left, read from the database.
    """


class PinnedAlters:
    """Alembic impl mixin: inside ``op.online_alter``, every ``ALTER TABLE``,
    ``CREATE INDEX`` and ``DROP INDEX`` carries the block's clause."""

    def _exec(self, construct: Any, *args: Any, **kwargs: Any) -> Any:
        online: Online | None = getattr(self, IMPL_ATTRIBUTE, None)
        if online is None or not isinstance(construct, _PINNABLE):
            return super()._exec(construct, *args, **kwargs)  # type: ignore[misc]
        pinned = PinnedDDL(construct, online)
        try:
            return super()._exec(pinned, *args, **kwargs)  # type: ignore[misc]
        except DBAPIError as exc:
            code, *said = tuple(getattr(exc.orig, "args", ())) or (None,)
            if code not in _REFUSED:
                raise
            dialect = getattr(self, "dialect", None)
            statement = " ".join(str(pinned.compile(dialect=dialect)).split())
            raise OnlineAlterRefused(
                f"{self._engine()} refused `{statement}` ({code}: {' '.join(map(str, said))}): "
                "it failed at once, without copying the table or changing it; if the table "
                "may be copied (writes to it wait until the copy ends), move this operation "
                "out of its op.online_alter block and run it in a quiet hour"
            ) from None

    def _engine(self) -> str:
        mariadb = bool(getattr(getattr(self, "dialect", None), "is_mariadb", False))
        return "MariaDB" if mariadb else "MySQL"


_PINNABLE = (AlterTable, AlterColumn, CreateIndex, DropIndex, AddConstraint, DropConstraint)


class PinnedDDL(ExecutableDDLElement):
    """``element`` with an ``ALGORITHM``/``LOCK`` clause (compiled for MySQL/MariaDB)."""

    def __init__(self, element: ExecutableDDLElement, online: Online) -> None:
        self.element = element
        self.online = online


def _pinned(element: PinnedDDL, compiler: DDLCompiler, **kw: Any) -> str:
    inner = element.element
    if isinstance(inner, DropIndex) and isinstance(inner.element, Index):
        plain = str(compiler.process(inner, **kw)).strip()
        if plain.upper().startswith("DROP INDEX"):  # not the emulated ALTER TABLE form
            index = inner.element
            table = compiler.preparer.format_table(index.table)  # type: ignore[arg-type]
            name = compiler.preparer.quote(str(index.name))
            exists = "IF EXISTS " if inner.if_exists else ""
            return f"ALTER TABLE {table} DROP INDEX {exists}{name}{element.online.clause(', ')}"
        return f"{plain}{element.online.clause(', ')}"
    sql = str(compiler.process(inner, **kw)).strip()
    if sql.upper().startswith("ALTER TABLE"):
        return f"{sql}{element.online.clause(', ')}"
    if sql.upper().startswith("CREATE") and isinstance(inner, CreateIndex):
        return f"{sql}{element.online.clause(' ')}"
    return sql


for _dialect in ("mysql", "mariadb"):
    compiles(PinnedDDL, _dialect)(_pinned)


@compiles(PinnedDDL)
def _plain(element: PinnedDDL, compiler: DDLCompiler, **kw: Any) -> str:
    """Other engines: the statement as it is (the block pins nothing there)."""
    return str(compiler.process(element.element, **kw))
