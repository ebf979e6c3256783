"""Rename users name to full name in place

Revision ID: 2ce523adc74d
Revises: f0654512c599
Example for rowstamp lint: alter_column keeps the data
"""

from alembic import op

revision = "2ce523adc74d"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None

phase = "contract"


def upgrade() -> None:
    op.alter_column("users", "name", new_column_name="full_name")


def downgrade() -> None:
    op.alter_column("users", "full_name", new_column_name="name")
