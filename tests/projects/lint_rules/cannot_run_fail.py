"""Add users secret

Revision ID: 3e5a7c9b1d2f
Revises: f0654512c599
Example for rowstamp lint: cannot-run fails a migration whose code raises before any database
"""

import sqlalchemy as sa

from alembic import op

revision = "3e5a7c9b1d2f"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # What autogenerate wrote for a TypeDecorator before rowstamp rendered its impl.
    op.add_column("users", sa.Column("secret", app.models.secret.Encrypted(length=100)))  # noqa: F821


def downgrade() -> None:
    op.drop_column("users", "secret")
