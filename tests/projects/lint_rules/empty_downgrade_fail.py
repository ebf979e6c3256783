"""Add users nickname one way

Revision ID: 05a087895cc1
Revises: f0654512c599
Example for rowstamp lint: empty-downgrade flags pass in downgrade()
"""

import sqlalchemy as sa

from alembic import op

revision = "05a087895cc1"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))


def downgrade() -> None:
    pass
