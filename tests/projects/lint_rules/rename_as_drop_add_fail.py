"""Rename users name to full name

Revision ID: 1c3981246e71
Revises: f0654512c599
Example for rowstamp lint: rename-as-drop-add flags it
"""

import sqlalchemy as sa

from alembic import op

revision = "1c3981246e71"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("full_name", sa.String(), nullable=True))
    op.drop_column("users", "name")  # rowstamp: allow drop-column -- part of the rename


def downgrade() -> None:
    op.add_column("users", sa.Column("name", sa.String(), nullable=True))
    op.drop_column("users", "full_name")  # rowstamp: allow drop-column -- undoes upgrade
