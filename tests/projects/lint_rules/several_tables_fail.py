"""Add nickname and posts

Revision ID: e42f6b4302ee
Revises: f0654512c599
Example for rowstamp lint: several-tables warns on two tables
"""

import sqlalchemy as sa

from alembic import op

revision = "e42f6b4302ee"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
    op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("posts")  # rowstamp: allow drop-table -- undoes upgrade
    op.drop_column("users", "nickname")  # rowstamp: allow drop-column -- undoes upgrade
