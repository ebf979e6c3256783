"""What autogenerate writes for tables that already exist and may hold rows.

Two changes to Alembic's batch blocks, both so that the migration rowstamp writes
(for its own five columns, or any like them) passes rowstamp's own review:

- Columns whose server default is an SQL expression go into one ``op.add_columns``
  instead of the batch block: on SQLite, where such a column cannot be added in
  place, Alembic's batch rebuild would drop the table's unnamed CHECKs and
  triggers and fail on its generated columns; ``add_columns`` rebuilds from the
  table's own SQL. Other engines add the columns in place either way.
- Indexes go into ``op.get_context().autocommit_block()`` with
  ``postgresql_concurrently=True``: PostgreSQL then builds them without blocking
  writes (``index-locks-table``). Other engines ignore the option.
"""

from __future__ import annotations

from alembic.operations import ops
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql.elements import ClauseElement

from rowstamp.autogen.ops import ADD_COLUMNS_VERSION, AddColumnsOp, ConcurrentIndexesOp

__all__ = ["retrofit_existing_tables"]


def _rebuilds_sqlite(op: ops.MigrateOperation) -> bool:
    """Alembic's own rule for a SQLite batch rebuild: a column added with an SQL
    expression as its default (``utc_now()``, ``sa.true()``)."""
    if not isinstance(op, ops.AddColumnOp):
        return False
    default = op.column.server_default
    return isinstance(default, DefaultClause) and isinstance(default.arg, ClauseElement)


def retrofit_existing_tables(
    operations: list[ops.MigrateOperation],
) -> list[ops.MigrateOperation]:
    """``operations`` with the columns and indexes of each existing table's batch block
    moved out of it, as the module says; other operations stay as they are."""
    created = {(o.schema, o.table_name) for o in operations if isinstance(o, ops.CreateTableOp)}
    result: list[ops.MigrateOperation] = []
    for op in operations:
        if not isinstance(op, ops.ModifyTableOps) or (op.schema, op.table_name) in created:
            result.append(op)  # a table created here has no rows: its batch block stays
            continue
        if any(_rebuilds_sqlite(o) for o in op.ops):
            columns = [o.column for o in op.ops if isinstance(o, ops.AddColumnOp)]
            result.append(
                AddColumnsOp(op.table_name, columns, schema=op.schema, version=ADD_COLUMNS_VERSION)
            )
            op.ops = [o for o in op.ops if not isinstance(o, ops.AddColumnOp)]
        indexes = [o for o in op.ops if isinstance(o, ops.CreateIndexOp)]
        op.ops = [o for o in op.ops if not isinstance(o, ops.CreateIndexOp)]
        result.append(op)
        if indexes:
            result.append(ConcurrentIndexesOp(indexes))
    return result
