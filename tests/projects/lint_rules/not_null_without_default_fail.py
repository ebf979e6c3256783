"""Add users nickname

Revision ID: f20f34e53c40
Revises: f0654512c599
Example for rowstamp lint: not-null-without-default flags it
"""

import sqlalchemy as sa

from alembic import op

revision = "f20f34e53c40"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=False))


def downgrade() -> None:
    op.drop_column("users", "nickname")  # rowstamp: allow drop-column -- undoes upgrade
