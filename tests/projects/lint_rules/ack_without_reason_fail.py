"""Drop users notes column

Revision ID: 8b12996b3097
Revises: f0654512c599
Example for rowstamp lint: an acknowledgement needs a reason
"""

import sqlalchemy as sa

from alembic import op

revision = "8b12996b3097"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rowstamp: allow drop-column
    op.drop_column("users", "notes")


def downgrade() -> None:
    op.add_column("users", sa.Column("notes", sa.Text(), nullable=True))
