"""Which added columns the review offers ``op.backfill`` for, and the example it writes
for each type and schema (the database part: tests/cli/test_review_backfill_offer.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from rowstamp.review.backfill_offer import BackfillOffer, _candidates
from rowstamp.review.reader import read_migration

MIGRATION = '''"""Add columns"""

import sqlalchemy as sa
from alembic import op

revision = "c1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("fresh", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("fresh", sa.Column("a", sa.Integer, nullable=False))
    op.add_column("users", sa.Column("b", sa.Integer, nullable=True))
    op.add_column("users", sa.Column("c", sa.Integer, nullable=False, server_default="0"))
    op.add_column("users", sa.Column("d", sa.Integer, sa.Computed("id + 1"), nullable=False))
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("e", sa.Boolean(), nullable=False))
    op.add_column("orders", sa.Column("f", sa.Numeric(10, 2), nullable=False), schema="shop")


def downgrade() -> None:
    pass
'''


def test_only_not_null_columns_without_a_default_on_existing_tables(tmp_path: Path) -> None:
    path = tmp_path / "c1_add_columns.py"
    path.write_text(MIGRATION, encoding="utf-8")
    offers = _candidates(read_migration(path))
    assert [(o.line, o.qualified, o.column.name) for o in offers] == [
        (19, "users", "e"),
        (20, "shop.orders", "f"),
    ]


@pytest.mark.parametrize(
    ("kind", "code", "value"),
    [
        (sa.Integer(), "sa.Integer()", "0"),
        (sa.Boolean(), "sa.Boolean()", "False"),
        (sa.Numeric(10, 2), "sa.Numeric(precision=10, scale=2)", "0"),
        (sa.Text(), "sa.Text()", '""'),
        (sa.Date(), "sa.Date()", 'sa.text("...")'),
    ],
)
def test_the_example_fits_the_type(
    kind: sa.types.TypeEngine[object], code: str, value: str
) -> None:
    offer = BackfillOffer(7, "orders", "shop", sa.Column("f", kind), holds_rows=None)
    lines = offer.lines()
    assert lines[0].startswith("offer: if orders holds rows, this fails on it; add f in steps")
    assert lines[1] == (
        f'  1. here: op.add_column("orders", sa.Column("f", {code}, nullable=True), schema="shop")'
    )
    assert lines[4] == (
        f'     op.backfill("orders", values={{"f": {value}}}, where="f IS NULL", '
        'batch_size=1000, schema="shop", touch=False)'
    )
    assert lines[3].endswith(
        "autogenerate writes the NOT NULL (on PostgreSQL, for a table that exists, in the safe"
        " form: a validated CHECK first); first in its upgrade():"
    )
    assert len(lines) == 6
    under_version_1 = replace(offer, untouched=False).lines()
    assert under_version_1[4] == lines[4].replace(", touch=False)", ")")
