"""Golden SQL of ``op.online_alter`` on MySQL and MariaDB: each kind of change, with the
algorithm autogenerate pins it to. Migrations are history: if this fails, a migration
already written would now run something else. Record a new file on purpose with
ROWSTAMP_UPDATE_GOLDEN=1 (see test_golden_sql.py)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import MigrateOperation, Operations, ops

import rowstamp.autogen.impl  # noqa: F401 - registers op.online_alter and the impls
from rowstamp.engines.mysql import MariaDBSupport, MySQLSupport
from tests.unit.engines.test_golden_sql import GOLDEN, _check

CASES: dict[str, MigrateOperation] = {
    "add column": ops.AddColumnOp(
        "users", sa.Column("nickname", sa.String(50), nullable=False, server_default="")
    ),
    "add column, other schema": ops.AddColumnOp(
        "users", sa.Column("age", sa.Integer), schema="audit"
    ),
    "rename column": ops.AlterColumnOp(
        "users", "name", existing_type=sa.String(50), modify_name="full_name"
    ),
    "server default": ops.AlterColumnOp(
        "users", "name", existing_type=sa.String(50), modify_server_default="anon"
    ),
    "set not null": ops.AlterColumnOp(
        "users", "name", existing_type=sa.String(50), modify_nullable=False
    ),
    "drop not null": ops.AlterColumnOp(
        "users", "name", existing_type=sa.String(50), modify_nullable=True, existing_nullable=False
    ),
    "varchar lengthened": ops.AlterColumnOp(
        "users", "code", existing_type=sa.String(10), modify_type=sa.String(20)
    ),
    "drop column": ops.DropColumnOp("users", "nickname"),
    "create index": ops.CreateIndexOp("ix_users_name", "users", ["name"]),
    "create unique index, reserved word": ops.CreateIndexOp(
        "ux_order", "order", ["select"], unique=True
    ),
    "drop index": ops.DropIndexOp("ix_users_name", "users"),
    "drop index if exists, other schema": ops.DropIndexOp(
        "ix_users_name", "users", schema="audit", if_exists=True
    ),
    "unique constraint": ops.CreateUniqueConstraintOp("uq_users_code", "users", ["code"]),
    "drop unique constraint": ops.DropConstraintOp("uq_users_code", "users", type_="unique"),
    "drop foreign key": ops.DropConstraintOp("fk_posts_user_id", "posts", type_="foreignkey"),
}


def _sql(dialect_name: str, op: MigrateOperation) -> str:
    support = MariaDBSupport() if dialect_name == "mariadb" else MySQLSupport()
    form = support.online_form(op)
    assert form is not None
    buffer = StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect_name, opts={"as_sql": True, "output_buffer": buffer}
    )
    operations = Operations(context)
    with operations.online_alter(algorithm=form.algorithm, lock=form.lock):  # type: ignore[attr-defined]
        operations.invoke(op)
    return buffer.getvalue().strip()


@pytest.mark.parametrize("dialect_name", ["mysql", "mariadb"])
def test_online_alter_sql_is_pinned(dialect_name: str) -> None:
    sql = "".join(f"-- {case}\n{_sql(dialect_name, op)}\n\n" for case, op in CASES.items())
    _check(GOLDEN / "mysql" / "online_alter.sql", sql)


def test_a_unique_among_active_index_stays_plain_on_mariadb() -> None:
    """MariaDB's form of it (a virtual column and an index in one ALTER TABLE) can only
    be made by copying the table: no online block, the table-copy warning instead."""
    index = ops.CreateIndexOp("uq_live", "memberships", ["org", "uq_live"], unique=True)
    assert MariaDBSupport().online_form(index) is None
    assert MariaDBSupport().online_form(index.reverse()) is None


def test_outside_a_block_and_on_other_engines_nothing_is_pinned() -> None:
    for dialect_name in ("mariadb", "postgresql", "sqlite"):
        buffer = StringIO()
        context = MigrationContext.configure(
            dialect_name=dialect_name, opts={"as_sql": True, "output_buffer": buffer}
        )
        operations = Operations(context)
        operations.create_index("ix_users_name", "users", ["name"])
        if dialect_name != "mariadb":
            with operations.online_alter(algorithm="INPLACE", lock="NONE"):  # type: ignore[attr-defined]
                operations.create_index("ix_users_name", "users", ["name"])
        assert "ALGORITHM" not in buffer.getvalue()


@pytest.mark.parametrize(("algorithm", "lock"), [("COPY", None), ("INPLACE", "SHARED")])
def test_a_form_that_may_copy_or_block_is_refused(algorithm: str, lock: str | None) -> None:
    from rowstamp.errors import RowstampError

    context = MigrationContext.configure(dialect_name="mariadb", opts={"as_sql": True})
    with pytest.raises(RowstampError, match="is not an online form; give algorithm= one of"):
        Operations(context).online_alter(algorithm=algorithm, lock=lock)  # type: ignore[attr-defined]


FOREIGN_KEYS: dict[str, dict[str, Any]] = {
    "one column": {
        "constraint_name": "fk_posts_user_id",
        "source_table": "posts",
        "referent_table": "users",
        "local_cols": ["user_id"],
        "remote_cols": ["id"],
    },
    "two columns, other schemas, reserved words, on delete": {
        "constraint_name": "fk_order_lines",
        "source_table": "order",
        "referent_table": "select",
        "local_cols": ["group", "key"],
        "remote_cols": ["group", "id"],
        "source_schema": "audit",
        "referent_schema": "shop",
        "ondelete": "CASCADE",
    },
}


@pytest.mark.parametrize("dialect_name", ["mysql", "mariadb"])
def test_create_foreign_key_online_sql_is_pinned(dialect_name: str) -> None:
    """foreign_key_checks off for the ALTER only (set back to the session's own value),
    the ALTER in place, then the anti-join query that finds a row breaking the key."""
    sql = ""
    for case, arguments in FOREIGN_KEYS.items():
        buffer = StringIO()
        context = MigrationContext.configure(
            dialect_name=dialect_name, opts={"as_sql": True, "output_buffer": buffer}
        )
        Operations(context).create_foreign_key_online(**arguments)  # type: ignore[attr-defined]
        sql += f"-- {case}\n{buffer.getvalue().strip()}\n\n"
    _check(GOLDEN / "mysql" / "online_foreign_key.sql", sql)


def test_create_foreign_key_online_is_the_plain_foreign_key_on_postgresql() -> None:
    buffer = StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    Operations(context).create_foreign_key_online(**FOREIGN_KEYS["one column"])  # type: ignore[attr-defined]
    assert buffer.getvalue().strip() == (
        "ALTER TABLE posts ADD CONSTRAINT fk_posts_user_id FOREIGN KEY(user_id) "
        "REFERENCES users (id);"
    )
