"""Which changes only a contract revision may make, and that the phase is not hashed."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import mysql, postgresql

from rowstamp.history.checksum import checksum
from rowstamp.review.contract_ops import contract_change, narrows
from tests.project import REPO


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


def test_the_phase_is_not_part_of_the_checksum(tmp_path: Path) -> None:
    """Marking an applied revision contract changes when it runs, not what it does:
    ``verify`` and ``--frozen-since`` accept it (docs/zero-downtime.md says so)."""
    example = REPO / "tests" / "projects" / "lint_rules" / "drop_column_pass.py"
    marked = example.read_text(encoding="utf-8")
    assert 'phase = "contract"' in marked
    unmarked = tmp_path / "unmarked.py"
    unmarked.write_text(marked.replace('phase = "contract"\n', ""), encoding="utf-8")
    assert checksum(unmarked) == checksum(example)
