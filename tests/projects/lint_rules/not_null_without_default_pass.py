"""Add users nickname with a default

Revision ID: 4516c43e8aa1
Revises: f0654512c599
Example for rowstamp lint: a server default makes it safe
"""

import sqlalchemy as sa

from alembic import op

revision = "4516c43e8aa1"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("nickname", sa.String(50), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("users", "nickname")  # rowstamp: allow drop-column -- undoes upgrade
