"""Link users to a referrer

Revision ID: a22586fe8b9d
Revises: f0654512c599
Example for rowstamp lint: foreign-key-validates flags it
"""

from alembic import op

revision = "a22586fe8b9d"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_foreign_key("fk_users_referrer", "users", "users", ["id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_users_referrer", "users", type_="foreignkey")
