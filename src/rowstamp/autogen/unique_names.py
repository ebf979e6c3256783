"""The ``rowstamp.unique_names`` Alembic plugin: a UNIQUE the model leaves unnamed is
the one the database already has on the same columns, whatever the database called it.

rowstamp's naming convention names the model's copy ``uq_<table>_<columns>``; the
database's copy has the engine's own name (PostgreSQL ``<table>_<column>_key``,
MariaDB a unique index named after the column, SQLite none). Alembic would write a
drop and a create for that name alone, which MariaDB refuses when a foreign key needs
the index (1553), and which SQLite's batch downgrade undoes by dropping both copies.
A name the model gives itself is still compared, so it is still renamed.

Reads the table Alembic has already reflected; where SQLAlchemy's reflection misses a
UNIQUE (SQLite's column-level ones), one catalog query per schema, and only when a
model's UNIQUE is not found otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from alembic.util import DispatchPriority, PriorityDispatchResult

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations import ops
    from alembic.runtime.plugins import Plugin
    from sqlalchemy import Table, UniqueConstraint

__all__ = ["PLUGIN_NAME", "setup"]

PLUGIN_NAME = "rowstamp.unique_names"
"""The plugin's name; ``rowstamp.*`` in the plugin list includes it."""

_unreflected: WeakKeyDictionary[
    AutogenContext, dict[str | None, dict[str, set[tuple[str, ...]]]]
] = WeakKeyDictionary()


def setup(plugin: Plugin) -> None:
    """Register the comparator (the plugin's ``setup``, as Alembic expects)."""
    plugin.add_autogenerate_comparator(
        _keep_database_names, "table", priority=DispatchPriority.LAST
    )


def _keep_database_names(
    autogen_context: AutogenContext,
    modify_table_ops: ops.ModifyTableOps,
    schema: str | None,
    table_name: str,
    conn_table: Table | None,
    metadata_table: Table | None,
) -> PriorityDispatchResult:
    """After Alembic's own comparison of this table: drop each create of an unnamed
    model UNIQUE the database already has, with the drop of the database's copy."""
    from alembic.operations import ops

    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    present = _database_uniques(conn_table)
    kept: set[tuple[str, ...]] = set()
    for op in modify_table_ops.ops:
        if isinstance(op, ops.CreateUniqueConstraintOp):
            constraint = op.to_constraint()
            columns = tuple(column.name for column in constraint.columns)
            if not _named_by_convention(constraint):
                continue
            if columns in present or columns in _unreflected_uniques(
                autogen_context, schema, table_name
            ):
                kept.add(columns)
    if not kept:
        return PriorityDispatchResult.CONTINUE
    names = {name for columns, found in present.items() if columns in kept for name in found}

    def renaming(op: ops.MigrateOperation) -> bool:
        if isinstance(op, ops.CreateUniqueConstraintOp):
            return tuple(column.name for column in op.to_constraint().columns) in kept
        if isinstance(op, ops.DropConstraintOp):
            return op.constraint_type == "unique" and op.constraint_name in names
        if isinstance(op, ops.DropIndexOp):
            return op.index_name in names
        return False

    modify_table_ops.ops = [op for op in modify_table_ops.ops if not renaming(op)]
    return PriorityDispatchResult.CONTINUE


def _database_uniques(table: Table) -> dict[tuple[str, ...], set[str | None]]:
    """The reflected table's unique constraints and unique column indexes (MariaDB
    reflects a UNIQUE as one), by their columns: the names the database gave them."""
    from sqlalchemy import UniqueConstraint

    found: dict[tuple[str, ...], set[str | None]] = {}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = tuple(column.name for column in constraint.columns)
            found.setdefault(columns, set()).add(_plain_name(constraint.name))
    for index in table.indexes:
        names = [getattr(expression, "name", None) for expression in index.expressions]
        if index.unique and None not in names:
            found.setdefault(tuple(str(n) for n in names), set()).add(_plain_name(index.name))
    return found


def _unreflected_uniques(
    autogen_context: AutogenContext, schema: str | None, table_name: str
) -> set[tuple[str, ...]]:
    """The table's UNIQUE column lists reflection missed (``unreflected_uniques``),
    read once per schema and comparison."""
    per_schema = _unreflected.setdefault(autogen_context, {})
    if schema not in per_schema:
        connection = autogen_context.connection
        assert connection is not None, "autogenerate compares only with a connection"
        from rowstamp.engines import for_dialect

        per_schema[schema] = for_dialect(connection.dialect).unreflected_uniques(connection, schema)
    return per_schema[schema].get(table_name, set())


def _named_by_convention(constraint: UniqueConstraint) -> bool:
    """Whether the name came from the naming convention: the model gave none (SQLAlchemy
    marks a convention's result with ``conv``), and the convention does not embed a
    name the model gave (``%(constraint_name)s``)."""
    from sqlalchemy.sql.elements import conv

    table = constraint.table
    convention = str(table.metadata.naming_convention.get("uq", ""))
    return isinstance(constraint.name, conv) and "constraint_name" not in convention


def _plain_name(name: object) -> str | None:
    return None if name is None else str(name)
