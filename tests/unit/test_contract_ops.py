"""Which type changes narrow a column: what an expand revision may not do."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import mysql, postgresql

from rowstamp.review.contract_ops import contract_change, narrows


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (sa.String(80), sa.String(40)),
        (sa.Text(), sa.String(200)),
        (sa.BigInteger(), sa.Integer()),
        (sa.Integer, sa.SmallInteger),  # named by class, as migrations often do
        (mysql.BIGINT(), mysql.INTEGER()),
        (postgresql.VARCHAR(30), sa.String(10)),
        (sa.Numeric(10, 2), sa.Numeric(8, 2)),
        (sa.Numeric(10, 4), sa.Numeric(10, 2)),
    ],
)
def test_narrowing(old: object, new: object) -> None:
    assert narrows(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (sa.String(40), sa.String(80)),
        (sa.String(40), sa.Text()),
        (sa.Integer(), sa.BigInteger()),
        (sa.SmallInteger(), sa.Integer),
        (sa.Numeric(8, 2), sa.Numeric(10, 2)),
        (sa.Integer(), sa.String(10)),  # another kind: the type-change rule's concern
        (None, sa.String(10)),  # unknown before: not guessed
    ],
)
def test_not_narrowing(old: object, new: object) -> None:
    assert not narrows(old, new)


def test_contract_changes() -> None:
    assert contract_change(ops.DropColumnOp("t", "c")) == "drops column t.c"
    assert contract_change(ops.DropTableOp("t")) == "drops table t"
    assert contract_change(ops.RenameTableOp("t", "u")) == "renames table t to u"
    rename = ops.AlterColumnOp("t", "c", modify_name="d")
    assert contract_change(rename) == "renames column t.c to d"
    widen = ops.AlterColumnOp("t", "c", existing_type=sa.String(4), modify_type=sa.String(8))
    assert contract_change(widen) is None
    assert contract_change(ops.AddColumnOp("t", sa.Column("c", sa.Integer))) is None
