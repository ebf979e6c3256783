"""Make users name unique after dedup

Revision ID: 874cc6553b4c
Revises: f0654512c599
Example for rowstamp lint: acknowledged after a check
"""

from alembic import op

revision = "874cc6553b4c"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rowstamp: allow unique-on-existing-table -- duplicates removed in the previous migration
    op.create_unique_constraint("uq_users_name", "users", ["name"])


def downgrade() -> None:
    op.drop_constraint("uq_users_name", "users", type_="unique")
