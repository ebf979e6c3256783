"""Add users nickname column

Revision ID: cf693f7219d9
Revises: f0654512c599
Example for rowstamp lint: a migration that does something
"""

import sqlalchemy as sa

from alembic import op

revision = "cf693f7219d9"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "nickname")  # rowstamp: allow drop-column -- undoes upgrade
