"""Backfill users notes where the database allows

Revision ID: 3e8c1b7a5f20
Revises: f0654512c599
Example for rowstamp lint: op.get_bind() inside try/except is unreadable, not empty
"""

import sqlalchemy as sa

from alembic import op

revision = "3e8c1b7a5f20"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    try:
        bind = op.get_bind()
        bind.execute(sa.text("UPDATE users SET notes = '' WHERE notes IS NULL"))
    except Exception:
        pass


def downgrade() -> None:
    op.execute("UPDATE users SET notes = NULL WHERE notes = ''")
