"""``op.backfill``'s arguments: refused in one line before anything runs, and the
review's line for it."""

from __future__ import annotations

import pytest

from rowstamp.autogen.ops import BackfillOp, TopLevelOps
from rowstamp.errors import RowstampError
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
