"""Drop users name column

Revision ID: 7421fc428e5c
Revises: f0654512c599
Example for rowstamp lint: drop-column flags a dropped column
"""

import sqlalchemy as sa

from alembic import op

revision = "7421fc428e5c"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("users", "name")


def downgrade() -> None:
    op.add_column("users", sa.Column("name", sa.String(), nullable=True))
