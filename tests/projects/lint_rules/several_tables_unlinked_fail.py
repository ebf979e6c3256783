"""Add posts and tags

Revision ID: 2f8d6b0a9e35
Revises: f0654512c599
Example for rowstamp lint: several-tables warns on two new tables no foreign key links
"""

import sqlalchemy as sa

from alembic import op

revision = "2f8d6b0a9e35"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("tags")  # rowstamp: allow drop-table -- undoes upgrade
    op.drop_table("posts")  # rowstamp: allow drop-table -- undoes upgrade
