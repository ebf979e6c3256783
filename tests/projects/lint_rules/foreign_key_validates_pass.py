"""Link users to a referrer without validating

Revision ID: 64d87cb63849
Revises: f0654512c599
Example for rowstamp lint: NOT VALID first
"""

from alembic import op

revision = "64d87cb63849"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_foreign_key(
        "fk_users_referrer", "users", "users", ["id"], ["id"], postgresql_not_valid=True
    )


def downgrade() -> None:
    op.drop_constraint("fk_users_referrer", "users", type_="foreignkey")
