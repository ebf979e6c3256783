"""Require users name with a SQL default in a batch

Revision ID: 0d4e7a9b3c18
Revises: f0654512c599
Example for rowstamp lint: a SQL-expression server default counts inside batch_alter_table
"""

import sqlalchemy as sa

from alembic import op

revision = "0d4e7a9b3c18"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column(
            "name", existing_type=sa.String(), nullable=False, server_default=sa.text("'anon'")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(), nullable=True, server_default=None)
