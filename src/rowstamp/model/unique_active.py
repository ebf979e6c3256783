"""Uniqueness among live rows: ``unique_among_active("email")`` on the model.

PostgreSQL and SQLite have partial indexes, so the index is just
``CREATE UNIQUE INDEX ... (email) WHERE is_active``: the migration says
``postgresql_where=sa.text('is_active'), sqlite_where=sa.text('is_active')`` and
autogenerate compares it like any index (by name, columns and uniqueness; Alembic
never compares an index's ``WHERE``).

MariaDB has neither partial nor functional indexes; ``rowstamp.engines.mysql_ddl``
compiles the same index there as an invisible virtual key column plus a unique
index that ends in it. That column and the extra index column are rowstamp's
business, so a comparator (an Alembic plugin, on engines without partial indexes
only) keeps autogenerate from proposing to drop or change them.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import Index, Table, event, text
from sqlalchemy.sql.elements import conv

from rowstamp.engines import (
    bounded_name,
    dialects_without_partial_indexes,
    portable_identifier_limit,
)
from rowstamp.engines.ddl import ACTIVE_FLAG, PARTIAL_INDEX_DIALECTS, filters_on_active

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

__all__ = ["PLUGIN_NAME", "is_unique_among_active", "unique_among_active"]

PLUGIN_NAME = "rowstamp.unique_among_active"
"""The Alembic plugin's name; ``rowstamp.*`` in the plugin list includes it."""


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
    if name is None:
        event.listen(index, "after_parent_attach", _name_index)
    return index


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


def _forget_emulation(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Where the index is emulated, drop the ops that only see the emulation's key column.

    Runs after Alembic's table comparison: for each index the model declares with
    :func:`unique_among_active` and the database already has (with its key column
    last), the drop-and-create pair and the drop of the key column go away.
    """
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        key = f"{table_ops.schema}.{table_ops.table_name}" if table_ops.schema else None
        table = autogen_context.table_key_to_table.get(key or table_ops.table_name)
        if table is not None:
            table_ops.ops = _without_noise(table, table_ops.ops)
    upgrade_ops.ops = [
        op for op in upgrade_ops.ops if not (isinstance(op, ops.ModifyTableOps) and op.is_empty())
    ]
    return PriorityDispatchResult.CONTINUE


def _without_noise(
    table: Table, table_ops: list[ops.MigrateOperation]
) -> list[ops.MigrateOperation]:
    wanted = {
        str(index.name): [column.name for column in index.columns]
        for index in table.indexes
        if is_unique_among_active(index)
    }
    present = {
        op.index_name
        for op in table_ops
        if isinstance(op, ops.DropIndexOp)
        and op.index_name in wanted
        and _column_names(op.to_index()) == [*wanted[op.index_name], op.index_name]
    }

    def noise(op: ops.MigrateOperation) -> bool:
        if isinstance(op, ops.DropColumnOp):
            return op.column_name in wanted and op.to_column().computed is not None
        if isinstance(op, ops.DropIndexOp | ops.CreateIndexOp):
            return op.index_name in present
        return False

    return [op for op in table_ops if not noise(op)]


def _column_names(index: Index) -> list[str]:
    return [getattr(expression, "name", str(expression)) for expression in index.expressions]


def setup(plugin: Plugin) -> None:
    """Register the comparator (the plugin's ``setup``, as Alembic expects)."""
    for dialect in dialects_without_partial_indexes():
        plugin.add_autogenerate_comparator(
            _forget_emulation, "schema", qualifier=dialect, priority=DispatchPriority.LAST
        )


# Registered on import rather than through an entry point: the comparator matters
# exactly when a model imports unique_among_active. Re-importing is harmless.
with contextlib.suppress(ValueError):
    Plugin.setup_plugin_from_module(sys.modules[__name__], PLUGIN_NAME)
