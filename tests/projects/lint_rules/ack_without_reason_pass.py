"""Drop users notes column for good

Revision ID: 2d7a1f946003
Revises: f0654512c599
Example for rowstamp lint: the reason makes it a review
"""

import sqlalchemy as sa

from alembic import op

revision = "2d7a1f946003"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None

phase = "contract"


def upgrade() -> None:
    # rowstamp: allow drop-column -- notes moved to the audit table
    op.drop_column("users", "notes")


def downgrade() -> None:
    op.add_column("users", sa.Column("notes", sa.Text(), nullable=True))
