"""safe_ddl on an operation list, without a database: a CHECK that some comparator (or
a future Alembic) puts in an existing table's batch block gets the NOT VALID + VALIDATE
form as a foreign key does; a table created in the same revision keeps the plain forms;
the reverse of each block is the same kind of block."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import ops

from rowstamp.autogen.ops import TopLevelOps
from rowstamp.autogen.safe_ddl import safe_existing_tables, tidy_blocks
from rowstamp.autogen.safe_ops import (
    AddNotNullCheckOp,
    AutocommitOps,
    DropNotNullCheckOp,
    LockRetriesOps,
    ValidateConstraintOp,
)


def _operations() -> list[ops.MigrateOperation]:
    fresh = ops.CreateTableOp("fresh", [sa.Column("id", sa.Integer, primary_key=True)])
    fresh_block = ops.ModifyTableOps(
        "fresh",
        [ops.CreateCheckConstraintOp("ck_fresh_id", "fresh", "id > 0")],
    )
    child_block = ops.ModifyTableOps(
        "child",
        [
            ops.CreateCheckConstraintOp("ck_child_n", "child", "n > 0"),
            ops.DropIndexOp("ix_child_old", table_name="child"),
            ops.AlterColumnOp("child", "name", modify_nullable=False, existing_nullable=True),
            ops.AddColumnOp("child", sa.Column("extra", sa.Integer)),
        ],
    )
    return [fresh, fresh_block, child_block]


def test_existing_tables_get_the_safe_forms_and_new_tables_keep_theirs() -> None:
    fresh, fresh_block, drops, first, validations, not_null = safe_existing_tables(_operations())
    assert isinstance(fresh, ops.CreateTableOp) and isinstance(fresh_block, ops.ModifyTableOps)
    [plain_check] = fresh_block.ops
    assert "postgresql_not_valid" not in plain_check.kw  # type: ignore[attr-defined]

    assert isinstance(drops, AutocommitOps)
    [drop] = drops.ops
    assert isinstance(drop, ops.DropIndexOp) and drop.kw["postgresql_concurrently"] is True

    assert isinstance(first, LockRetriesOps)
    batch, stand_in = first.ops
    assert isinstance(batch, ops.ModifyTableOps)
    check, added = batch.ops
    assert isinstance(check, ops.CreateCheckConstraintOp) and check.kw["postgresql_not_valid"]
    assert isinstance(added, ops.AddColumnOp)
    assert isinstance(stand_in, AddNotNullCheckOp)
    assert stand_in.constraint_name == "ck_child_name_not_null"

    assert isinstance(validations, AutocommitOps)
    assert [v.constraint_name for v in validations.ops if isinstance(v, ValidateConstraintOp)] == [
        "ck_child_n",
        "ck_child_name_not_null",
    ]
    assert isinstance(not_null, LockRetriesOps)
    alter, dropped = not_null.ops
    assert isinstance(alter, ops.AlterColumnOp) and alter.modify_nullable is False
    assert isinstance(dropped, DropNotNullCheckOp)


def test_the_reverse_is_safe_the_same_way() -> None:
    upgrade = safe_existing_tables(_operations())
    downgrade = tidy_blocks([op.reverse() for op in reversed(upgrade)])
    first, rebuilt, _, _ = downgrade  # drop_table and its block follow
    assert isinstance(first, LockRetriesOps)
    kinds = [type(op) for op in first.ops]
    assert kinds == [ops.AlterColumnOp, ops.ModifyTableOps]  # the checks undo nothing
    assert isinstance(rebuilt, AutocommitOps)
    [index] = rebuilt.ops
    assert isinstance(index, ops.CreateIndexOp) and index.kw["postgresql_concurrently"] is True
    assert not any(isinstance(op, TopLevelOps) for op in first.ops)
