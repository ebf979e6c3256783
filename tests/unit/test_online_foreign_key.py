"""What review and lint say about ``op.create_foreign_key_online``: the review line says
how the key is added and checked, and the ``table-copy`` rule, which warns about
``op.create_foreign_key`` on MariaDB/MySQL, has nothing to say about it."""

from __future__ import annotations

import pytest
from alembic.operations import ops

from rowstamp.autogen.online_fk import OnlineForeignKeyOp
from rowstamp.engines.mysql import MariaDBSupport, MySQLSupport
from rowstamp.review.describe import describe

PLAIN = ops.CreateForeignKeyOp("fk_posts_user_id", "posts", "users", ["user_id"], ["id"])
ONLINE = OnlineForeignKeyOp.from_op(PLAIN)


def test_the_review_line_says_what_is_done() -> None:
    assert describe(ONLINE) == (
        "add foreign key fk_posts_user_id (user_id) -> users(id), in place (MySQL/MariaDB: "
        "foreign_key_checks off for that statement, then one anti-join query checks the "
        "existing rows; on a row that breaks it, the key is dropped again and the upgrade "
        "stops)"
    )
    assert describe(PLAIN) == "add foreign key fk_posts_user_id (user_id) -> users(id)"


@pytest.mark.parametrize("support", [MariaDBSupport(), MySQLSupport()], ids=lambda s: s.name)
def test_only_the_plain_foreign_key_copies_the_table(support: MariaDBSupport) -> None:
    assert support.table_copy(PLAIN) == (
        "adds foreign key fk_posts_user_id with foreign_key_checks on"
    )
    assert support.table_copy(ONLINE) is None


def test_it_reverses_into_a_plain_drop() -> None:
    reverse = ONLINE.reverse()
    assert isinstance(reverse, ops.DropConstraintOp)
    assert (reverse.constraint_name, reverse.constraint_type) == ("fk_posts_user_id", "foreignkey")
