"""Narrow users name column

Revision ID: 5c0e2a9d7b41
Revises: f0654512c599
Example for rowstamp lint: contract-in-expand flags narrowing in an expand revision
"""

import sqlalchemy as sa

from alembic import op

revision = "5c0e2a9d7b41"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rowstamp: allow type-change -- every name is shorter than 40 characters
    op.alter_column("users", "name", existing_type=sa.String(80), type_=sa.String(40))


def downgrade() -> None:
    # rowstamp: allow type-change -- widening back
    op.alter_column("users", "name", existing_type=sa.String(40), type_=sa.String(80))
