"""Golden SQL of the safe DDL operations, per engine (``alembic --sql``): PostgreSQL's
NOT VALID, VALIDATE, the NOT NULL stand-in check and CONCURRENTLY; on MySQL and
SQLite the same migration runs the plain statements and nothing for the rest.

Migrations are history: if this fails, a migration already written would now do
something else. Record on purpose with ROWSTAMP_UPDATE_GOLDEN=1 (see test_golden_sql).
"""

from __future__ import annotations

from io import StringIO

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

import rowstamp.autogen.impl  # noqa: F401 - registers the operations
from tests.unit.engines.test_golden_sql import DIALECTS, GOLDEN, _check


def _migration(op: Operations, *, alters_tables: bool) -> None:
    """What autogenerate writes on PostgreSQL for an existing table (safe_ddl)."""
    with op.get_context().autocommit_block():
        op.drop_index("ix_child_old", table_name="child", postgresql_concurrently=True)
    with op.lock_retries(timeout=0.2, attempts=10, pause=0.5):
        if alters_tables:
            op.create_foreign_key(
                "fk_child_parent_id_parent",
                "child",
                "parent",
                ["parent_id"],
                ["id"],
                postgresql_not_valid=True,
            )
            op.create_check_constraint(
                "ck_child_n_positive", "child", "n > 0", postgresql_not_valid=True
            )
        op.add_not_null_check("ck_child_name_not_null", "child", "name")
    with op.get_context().autocommit_block():
        op.validate_constraint("ck_child_name_not_null", "child")
        op.validate_constraint("fk_child_parent_id_parent", "child")
        op.validate_constraint("ck_child_n_positive", "child", schema="audit")
    with op.lock_retries(timeout=0.2, attempts=10, pause=0.5):
        if alters_tables:
            op.alter_column("child", "name", existing_type=sa.String(50), nullable=False)
        op.drop_not_null_check("ck_child_name_not_null", "child")
        op.add_not_null_check('ck_Order "x"_note_not_null', 'Order "x"', "user", schema="audit")
        op.drop_not_null_check('ck_Order "x"_note_not_null', 'Order "x"', schema="audit")
    with op.get_context().autocommit_block():
        op.create_index("ix_child_n", "child", ["n"], postgresql_concurrently=True)


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
def test_safe_ddl_sql_is_pinned(dialect_name: str) -> None:
    buffer = StringIO()
    context = MigrationContext.configure(
        dialect=DIALECTS[dialect_name],
        opts={"as_sql": True, "output_buffer": buffer, "transactional_ddl": True},
    )
    # SQLite alters constraints only by rebuilding a table (batch mode, not shown here)
    _migration(Operations(context), alters_tables=dialect_name != "sqlite")
    _check(GOLDEN / dialect_name / "safe_ddl.sql", buffer.getvalue())
