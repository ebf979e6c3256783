"""Add users nickname both ways

Revision ID: e66b72776f43
Revises: f0654512c599
Example for rowstamp lint: downgrade() undoes upgrade()
"""

import sqlalchemy as sa

from alembic import op

revision = "e66b72776f43"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "nickname")  # rowstamp: allow drop-column -- undoes upgrade
