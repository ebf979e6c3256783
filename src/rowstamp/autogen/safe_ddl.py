"""Safe DDL for tables that already exist, as autogenerate writes it on PostgreSQL.

A table that may hold rows and take writes gets, per table and in this order:

1. its index drops ``CONCURRENTLY`` in an autocommit block;
2. ``with op.lock_retries(...)``: its batch block (ALTERs that take a short lock),
   its foreign keys and CHECKs added ``NOT VALID``, and for each column made NOT
   NULL a ``CHECK (column IS NOT NULL) NOT VALID``, and its trigger operations;
3. an autocommit block: ``VALIDATE CONSTRAINT`` of each (reads every row, lets writes
   through) and the index builds ``CONCURRENTLY`` (``retrofit`` put them there);
4. ``with op.lock_retries(...)``: ``SET NOT NULL``, which finds the validated check
   and skips its scan, then the check dropped.

The downgrade is the reverse of each step in the same form. Tables created in the
same revision keep the plain forms: nothing reads or writes them yet. Other engines
keep what Alembic writes (``has_safe_ddl``).
"""

from __future__ import annotations

from alembic.operations import ops

from rowstamp.autogen.ops import (
    AddColumnsOp,
    ConcurrentIndexesOp,
    TopLevelOps,
    _UpdatedAtTriggerOp,
)
from rowstamp.autogen.safe_ops import (
    AddNotNullCheckOp,
    AutocommitOps,
    DropNotNullCheckOp,
    LockRetriesOps,
    ValidateConstraintOp,
)
from rowstamp.engines import bounded_name

__all__ = ["safe_existing_tables", "tidy_blocks"]

_NAME_LIMIT = 63
"""PostgreSQL's identifier length (NAMEDATALEN - 1)."""

_Key = tuple[str | None, str]


def safe_existing_tables(operations: list[ops.MigrateOperation]) -> list[ops.MigrateOperation]:
    """``operations`` with each existing table's changes in the module's safe forms."""
    created: set[_Key] = {
        (o.schema, o.table_name) for o in operations if isinstance(o, ops.CreateTableOp)
    }
    result: list[ops.MigrateOperation] = []
    for op in operations:
        if isinstance(op, ConcurrentIndexesOp):
            result.append(AutocommitOps(list(op.ops)))
        elif _key(op) in created or _key(op) is None:
            result.append(op)
        elif isinstance(op, ops.ModifyTableOps):
            result.extend(_table_steps(op))
        elif isinstance(op, (_UpdatedAtTriggerOp, AddColumnsOp)):
            result.append(LockRetriesOps([op]))
        else:
            result.append(op)
    return tidy_blocks(result)


def _key(op: ops.MigrateOperation) -> _Key | None:
    if isinstance(op, (ops.ModifyTableOps, _UpdatedAtTriggerOp, AddColumnsOp)):
        return (op.schema, op.table_name)
    return None


def _table_steps(op: ops.ModifyTableOps) -> list[ops.MigrateOperation]:
    """The four steps of the module for one existing table's batch block."""
    index_drops: list[ops.MigrateOperation] = []
    checks: list[ops.MigrateOperation] = []
    validations: list[ops.MigrateOperation] = []
    not_nulls: list[ops.MigrateOperation] = []
    kept: list[ops.MigrateOperation] = []
    for child in op.ops:
        if isinstance(child, ops.DropIndexOp):
            child.kw["postgresql_concurrently"] = True
            child.table_name = child.table_name or op.table_name
            child.schema = child.schema or op.schema
            index_drops.append(child)
        elif isinstance(child, (ops.CreateForeignKeyOp, ops.CreateCheckConstraintOp)) and (
            child.constraint_name is not None
        ):
            child.kw["postgresql_not_valid"] = True
            kept.append(child)
            validations.append(
                ValidateConstraintOp(str(child.constraint_name), op.table_name, schema=op.schema)
            )
        elif (
            isinstance(child, ops.AlterColumnOp)
            and child.modify_nullable is False
            and child.existing_nullable is not False
            and child.modify_type is None
            and child.modify_name is None
        ):
            name = bounded_name(f"ck_{op.table_name}_{child.column_name}_not_null", _NAME_LIMIT)
            checks.append(
                AddNotNullCheckOp(name, op.table_name, child.column_name, schema=op.schema)
            )
            validations.append(ValidateConstraintOp(name, op.table_name, schema=op.schema))
            child.schema = op.schema
            not_nulls.extend([child, DropNotNullCheckOp(name, op.table_name, schema=op.schema)])
        else:
            kept.append(child)
    op.ops = kept
    batch: list[ops.MigrateOperation] = [op] if kept else []
    return [
        AutocommitOps(index_drops),
        LockRetriesOps([*batch, *checks]),
        AutocommitOps(validations),
        LockRetriesOps(not_nulls),
    ]


def _empty(op: ops.MigrateOperation) -> bool:
    """A block that would run nothing (``FillNullsOp`` is empty by design: it stays)."""
    blocks = (AutocommitOps, LockRetriesOps, TopLevelOps)
    return isinstance(op, blocks) and all(_empty(child) for child in op.ops)


def tidy_blocks(operations: list[ops.MigrateOperation]) -> list[ops.MigrateOperation]:
    """Empty blocks left out (a validation reverses into nothing), and neighbouring
    blocks of one kind joined: one ``with`` each, in running order."""
    result: list[ops.MigrateOperation] = []
    for op in operations:
        if _empty(op):
            continue
        if isinstance(op, (AutocommitOps, LockRetriesOps)):
            op.ops = [child for child in op.ops if not _empty(child)]
        last = result[-1] if result else None
        if isinstance(op, (AutocommitOps, LockRetriesOps)) and type(last) is type(op):
            assert isinstance(last, ops.OpContainer)
            last.ops.extend(op.ops)
        else:
            result.append(op)
    return result
