"""Narrow users name column after the deploy

Revision ID: 8e1f4b6c2d93
Revises: f0654512c599
Example for rowstamp lint: the same narrowing in a contract revision passes
"""

import sqlalchemy as sa

from alembic import op

revision = "8e1f4b6c2d93"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None

phase = "contract"


def upgrade() -> None:
    # rowstamp: allow type-change -- every name is shorter than 40 characters
    op.alter_column("users", "name", existing_type=sa.String(80), type_=sa.String(40))


def downgrade() -> None:
    # rowstamp: allow type-change -- widening back
    op.alter_column("users", "name", existing_type=sa.String(40), type_=sa.String(80))
