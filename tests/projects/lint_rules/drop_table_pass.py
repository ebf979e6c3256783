"""Drop users table after archiving

Revision ID: bfeabca925b9
Revises: f0654512c599
Example for rowstamp lint: an acknowledged drop passes
"""

import sqlalchemy as sa

from alembic import op

revision = "bfeabca925b9"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None

phase = "contract"


def upgrade() -> None:
    # rowstamp: allow drop-table -- archived to the warehouse in ticket OPS-12
    op.drop_table("users")


def downgrade() -> None:
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))
