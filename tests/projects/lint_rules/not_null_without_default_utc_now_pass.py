"""Require users created_at with rowstamp's default

Revision ID: 9a2f5c8e1d47
Revises: f0654512c599
Example for rowstamp lint: utc_now(version=1) as server default is a default
"""

import sqlalchemy as sa

from alembic import op
from rowstamp.sql import utc_now

revision = "9a2f5c8e1d47"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "users",
        "created_at",
        existing_type=sa.DateTime(timezone=True),
        nullable=False,
        server_default=utc_now(version=1),
    )


def downgrade() -> None:
    op.alter_column(
        "users",
        "created_at",
        existing_type=sa.DateTime(timezone=True),
        nullable=True,
        server_default=None,
    )
