"""Drop unused users name column

Revision ID: 395920fa3b14
Revises: f0654512c599
Example for rowstamp lint: an acknowledged drop passes
"""

import sqlalchemy as sa

from alembic import op

revision = "395920fa3b14"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None

phase = "contract"


def upgrade() -> None:
    op.drop_column("users", "name")  # rowstamp: allow drop-column -- unused since v2


def downgrade() -> None:
    op.add_column("users", sa.Column("name", sa.String(), nullable=True))
