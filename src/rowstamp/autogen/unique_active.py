"""The ``rowstamp.unique_among_active`` Alembic plugin: where an engine emulates a
unique-among-active index (MariaDB: a virtual key column, see
``rowstamp.engines.mysql_ddl``), autogenerate must not propose to drop that column or
rebuild the index. An ``alembic.plugins`` entry point, like the trigger comparator.

Alembic imports entry-point modules while it is still importing itself, so this
module imports Alembic's operations, SQLAlchemy and the engines only when it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.util import DispatchPriority, PriorityDispatchResult

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations import ops
    from alembic.runtime.plugins import Plugin
    from sqlalchemy import Index, Table

__all__ = ["PLUGIN_NAME", "setup"]

PLUGIN_NAME = "rowstamp.unique_among_active"
"""The plugin's name; ``rowstamp.*`` in the plugin list includes it."""


def setup(plugin: Plugin) -> None:
    """Register the comparator (the plugin's ``setup``, as Alembic expects)."""
    plugin.add_autogenerate_comparator(_forget_emulation, "schema", priority=DispatchPriority.LAST)


def _forget_emulation(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Where the index is emulated, drop the ops that only see the emulation's key column.

    Runs after Alembic's table comparison: for each index the model declares with
    ``unique_among_active`` and the database already has (with its key column
    last), the drop-and-create pair and the drop of the key column go away.
    """
    from alembic.operations import ops

    from rowstamp.engines import for_dialect

    if for_dialect(autogen_context.dialect).partial_indexes:
        return PriorityDispatchResult.CONTINUE
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
    from alembic.operations import ops

    from rowstamp.model.unique_active import is_unique_among_active

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
