"""Drop users table

Revision ID: 8fdf6aebd419
Revises: f0654512c599
Example for rowstamp lint: drop-table flags a dropped table
"""

import sqlalchemy as sa

from alembic import op

revision = "8fdf6aebd419"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("users")


def downgrade() -> None:
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))
