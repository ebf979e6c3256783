"""Add users secret as its impl

Revision ID: 4f6b8d0c2e3a
Revises: f0654512c599
Example for rowstamp lint: a TypeDecorator written as its impl runs
"""

import sqlalchemy as sa

from alembic import op

revision = "4f6b8d0c2e3a"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("secret", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "secret")
