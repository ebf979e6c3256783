"""Widen users email

Revision ID: ec7f9df51667
Revises: f0654512c599
Example for rowstamp lint: type-change flags a changed type
"""

import sqlalchemy as sa

from alembic import op

revision = "ec7f9df51667"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("users", "email", type_=sa.Text(), existing_type=sa.String(255))


def downgrade() -> None:
    op.alter_column("users", "email", type_=sa.String(255), existing_type=sa.Text())
