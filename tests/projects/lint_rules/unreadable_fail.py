"""Backfill users nickname

Revision ID: 75df9b023309
Revises: f0654512c599
Example for rowstamp lint: unreadable warns when upgrade() needs a database
"""

import sqlalchemy as sa

from alembic import op

revision = "75df9b023309"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE users SET notes = '' WHERE notes IS NULL"))


def downgrade() -> None:
    op.execute("UPDATE users SET notes = NULL WHERE notes = ''")
