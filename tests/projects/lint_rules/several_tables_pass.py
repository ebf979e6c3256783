"""Add posts table alone

Revision ID: 304ab673e0d8
Revises: f0654512c599
Example for rowstamp lint: one table per migration
"""

import sqlalchemy as sa

from alembic import op

revision = "304ab673e0d8"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("posts")  # rowstamp: allow drop-table -- undoes upgrade
