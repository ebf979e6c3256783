"""What autogenerate writes for tables that already exist and may hold rows.

Two changes to Alembic's batch blocks, both so that the migration rowstamp writes
(for its own five columns, or any like them) passes rowstamp's own review:

- Columns whose server default is an SQL expression go into one ``op.add_columns``
  instead of the batch block: on SQLite, where such a column cannot be added in
  place, Alembic's batch rebuild would drop the table's unnamed CHECKs and
  triggers and fail on its generated columns; ``add_columns`` rebuilds from the
  table's own SQL. Other engines add the columns in place either way.
- An existing column made NOT NULL gets the model's server default, and its NULLs that
  default first (``not-null-without-default``): as ``ADD COLUMN`` fills a new one.
- Indexes go into ``op.get_context().autocommit_block()`` with
  ``postgresql_concurrently=True``: PostgreSQL then builds them without blocking
  writes (``index-locks-table``). Other engines ignore the option.

Then, where batch blocks rebuild tables (SQLite), with the database at hand: a
``drop_column`` leaves its batch block (SQLite drops a column in place, 3.35+, and
fails loudly if something uses it), and any other rebuild of a table that has what
Alembic's rebuild cannot keep is refused, in one line naming it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column, Connection, MetaData
from sqlalchemy.schema import Computed, DefaultClause
from sqlalchemy.sql.elements import ClauseElement

from rowstamp.autogen.ops import (
    ADD_COLUMNS_VERSION,
    AddColumnsOp,
    ConcurrentIndexesOp,
    FillNullsOp,
    TopLevelOps,
    _UpdatedAtTriggerOp,
)
from rowstamp.engines import EngineSupport, for_dialect
from rowstamp.errors import RowstampError

__all__ = ["keep_what_batch_would_lose", "retrofit_existing_tables"]

_SQLITE_STEPS = "https://sqlite.org/lang_altertable.html#otheralter"


def _rebuilds_sqlite(op: ops.MigrateOperation) -> bool:
    """Alembic's own rule for a SQLite batch rebuild: a column added with an SQL
    expression as its default (``utc_now()``, ``sa.true()``)."""
    if not isinstance(op, ops.AddColumnOp):
        return False
    default = op.column.server_default
    return isinstance(default, DefaultClause) and isinstance(default.arg, ClauseElement)


def _model_column(
    metadata: MetaData | Iterable[MetaData] | None, schema: str | None, table: str, name: str
) -> Column[Any] | None:
    collections = [metadata] if isinstance(metadata, MetaData) else list(metadata or [])
    key = f"{schema}.{table}" if schema else table
    for collection in collections:
        if key in collection.tables:
            return collection.tables[key].columns.get(name)
    return None


def _filled(
    op: ops.ModifyTableOps, metadata: MetaData | Iterable[MetaData] | None
) -> list[FillNullsOp]:
    """Give each ``alter_column`` of ``op`` that makes a column NOT NULL the model's
    server default; the ``FillNullsOp`` to run before it. A changed operation is a new
    object, so the ordering pass builds its reverse (dropping the default) anew."""
    fills: list[FillNullsOp] = []
    for i, alter in enumerate(op.ops):
        if not (
            isinstance(alter, ops.AlterColumnOp)
            and alter.modify_nullable is False
            and alter.existing_nullable is not False
            and alter.modify_server_default is False
        ):
            continue
        column = _model_column(metadata, op.schema, op.table_name, alter.column_name)
        default = None if column is None else column.server_default
        if isinstance(default, DefaultClause):
            changed = copy.copy(alter)
            changed.kw = dict(alter.kw)
            changed.modify_server_default = default
            op.ops[i] = changed
            fills.append(FillNullsOp(op.table_name, alter.column_name, default, schema=op.schema))
    return fills


def retrofit_existing_tables(
    operations: list[ops.MigrateOperation], metadata: MetaData | Iterable[MetaData] | None
) -> list[ops.MigrateOperation]:
    """``operations`` with the columns and indexes of each existing table's batch block
    moved out of it, as the module says; other operations stay as they are."""
    created = {(o.schema, o.table_name) for o in operations if isinstance(o, ops.CreateTableOp)}
    result: list[ops.MigrateOperation] = []
    for op in operations:
        if not isinstance(op, ops.ModifyTableOps) or (op.schema, op.table_name) in created:
            result.append(op)  # a table created here has no rows: its batch block stays
            continue
        fills = _filled(op, metadata)
        if any(_rebuilds_sqlite(o) for o in op.ops):
            columns = [o.column for o in op.ops if isinstance(o, ops.AddColumnOp)]
            result.append(
                AddColumnsOp(op.table_name, columns, schema=op.schema, version=ADD_COLUMNS_VERSION)
            )
            op.ops = [o for o in op.ops if not isinstance(o, ops.AddColumnOp)]
        result.extend(fills)
        indexes = [o for o in op.ops if isinstance(o, ops.CreateIndexOp)]
        op.ops = [o for o in op.ops if not isinstance(o, ops.CreateIndexOp)]
        result.append(op)
        if indexes:
            result.append(ConcurrentIndexesOp(indexes))
    return result


def _rebuilds(op: ops.MigrateOperation) -> bool:
    """Alembic's rule for which batch operations make SQLite rebuild the table."""
    if isinstance(op, (ops.CreateIndexOp, ops.DropIndexOp, _UpdatedAtTriggerOp)):
        return False
    if isinstance(op, ops.AddColumnOp):
        default = op.column.server_default
        return _rebuilds_sqlite(op) or (isinstance(default, Computed) and bool(default.persisted))
    return True


def keep_what_batch_would_lose(connection: Connection, script: ops.MigrationScript) -> None:
    """The second half of the module's work, on ``script``'s upgrade and downgrade."""
    support = for_dialect(connection.dialect)
    if not support.rebuilds_tables_in_batch:
        return
    for container in [*script.upgrade_ops_list, *script.downgrade_ops_list]:
        container.ops = _kept(connection, support, list(container.ops))


def _kept(
    connection: Connection, support: EngineSupport, operations: list[ops.MigrateOperation]
) -> list[ops.MigrateOperation]:
    new_or_gone = {
        (o.schema, o.table_name)
        for o in operations
        if isinstance(o, (ops.CreateTableOp, ops.DropTableOp))
    }
    result: list[ops.MigrateOperation] = []
    for op in operations:
        result.append(op)
        if not isinstance(op, ops.ModifyTableOps) or (op.schema, op.table_name) in new_or_gone:
            continue
        drops = [o for o in op.ops if isinstance(o, ops.DropColumnOp)]
        if drops and all(isinstance(o, ops.DropColumnOp) for o in op.ops if _rebuilds(o)):
            op.ops = [o for o in op.ops if not isinstance(o, ops.DropColumnOp)]
            result.append(TopLevelOps(list(drops)))  # after the block's drop_index
            continue
        rebuilding = [o for o in op.ops if _rebuilds(o)]
        losses = rebuilding and support.batch_losses(connection, op.table_name, op.schema)
        if losses:
            raise RowstampError(
                f"autogenerate: on {support.name} the batch block for table {op.table_name} "
                f"({type(rebuilding[0]).__name__.removesuffix('Op')}) rebuilds the table from "
                f"reflection and would lose its {', '.join(losses)}",
                f"write that step by hand following {_SQLITE_STEPS}, in a migration of its own",
            )
    return [o for o in result if not (isinstance(o, ops.ModifyTableOps) and not o.ops)]
