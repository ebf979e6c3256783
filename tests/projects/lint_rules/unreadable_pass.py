"""Backfill users notes offline

Revision ID: f43006e1b658
Revises: f0654512c599
Example for rowstamp lint: op.execute works without a database
"""

from alembic import op

revision = "f43006e1b658"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE users SET notes = '' WHERE notes IS NULL")


def downgrade() -> None:
    op.execute("UPDATE users SET notes = NULL WHERE notes = ''")
