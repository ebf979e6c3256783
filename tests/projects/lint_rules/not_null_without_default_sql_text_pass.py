"""Require users name with a SQL default

Revision ID: 6b1d0c5e2a71
Revises: f0654512c599
Example for rowstamp lint: a SQL-expression server default (sa.text) is a default
"""

import sqlalchemy as sa

from alembic import op

revision = "6b1d0c5e2a71"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "users",
        "name",
        existing_type=sa.String(),
        nullable=False,
        server_default=sa.text("'anon'"),
    )


def downgrade() -> None:
    op.alter_column("users", "name", existing_type=sa.String(), nullable=True, server_default=None)
