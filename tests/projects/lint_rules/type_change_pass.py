"""Widen users email checked

Revision ID: 885aca54b3ba
Revises: f0654512c599
Example for rowstamp lint: an acknowledged type change passes
"""

import sqlalchemy as sa

from alembic import op

revision = "885aca54b3ba"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # VARCHAR(255) to TEXT converts every value and is catalog-only on PostgreSQL.
    # rowstamp: allow type-change -- widening only, checked on a production copy
    op.alter_column("users", "email", type_=sa.Text(), existing_type=sa.String(255))


def downgrade() -> None:
    op.alter_column("users", "email", type_=sa.String(255), existing_type=sa.Text())
