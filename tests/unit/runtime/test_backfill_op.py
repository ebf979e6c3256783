"""``op.backfill``'s arguments: refused in one line before anything runs, and the
review's line for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rowstamp.autogen.ops import BackfillOp, TopLevelOps
from rowstamp.errors import RowstampError
from rowstamp.history.checksum import checksum
from rowstamp.review.describe import describe


def test_a_backfill_that_sets_nothing_is_refused() -> None:
    with pytest.raises(RowstampError, match=r"^op.backfill of items sets no column; give values="):
        BackfillOp("items", {})


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(RowstampError, match=r"has batch_size=0; give a batch_size of 1 or more"):
        BackfillOp("items", {"n": 1}, batch_size=0)


def test_the_review_names_the_columns_and_the_batch_size() -> None:
    op = BackfillOp("items", {"n": 1, "label": "x"}, batch_size=500)
    assert describe(op) == "backfill n, label in batches of 500 rows"


def test_its_reverse_is_nothing() -> None:
    reverse = BackfillOp("items", {"n": 1}).reverse()
    assert isinstance(reverse, TopLevelOps) and reverse.ops == []


BACKFILL = '''"""fill n"""
import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "b1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.backfill("items", values={"n": sa.column("n") + 1}, where="n = 0", batch_size=BATCH,
                max_replication_lag=lambda: 0.0)


def downgrade() -> None:
    pass
'''


def test_its_checksum_is_its_arguments(tmp_path: Path) -> None:
    """The ledger and ``rowstamp verify`` checksum it like any operation (it raised
    before: Alembic has no renderer for it): the callable is named, not its address."""
    path = tmp_path / "b2_fill.py"
    path.write_text(BACKFILL.replace("BATCH", "5"), encoding="utf-8")
    first = checksum(path)
    assert checksum(path) == first
    path.write_text(BACKFILL.replace("BATCH", "50"), encoding="utf-8")
    assert checksum(path) != first


def test_inside_a_callers_transaction_it_is_refused(tmp_path: Path) -> None:
    """Its batches commit, so a caller's transaction around the migration (a test that
    rolls back) cannot hold it: one line instead of Alembic's assertion."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, text

    import rowstamp.autogen.impl  # noqa: F401 - registers what op.backfill runs

    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"))
            operations = Operations(MigrationContext.configure(connection))
            with pytest.raises(RowstampError, match=r"runs inside its caller's transaction; hand"):
                operations.backfill("t", values={"n": 1})
    finally:
        engine.dispose()
