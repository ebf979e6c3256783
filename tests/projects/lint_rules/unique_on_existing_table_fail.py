"""Make users name unique

Revision ID: 08d3e0740992
Revises: f0654512c599
Example for rowstamp lint: unique-on-existing-table flags it
"""

from alembic import op

revision = "08d3e0740992"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint("uq_users_name", "users", ["name"])


def downgrade() -> None:
    op.drop_constraint("uq_users_name", "users", type_="unique")
