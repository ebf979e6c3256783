"""Index users notes

Revision ID: f2a3aa9db027
Revises: f0654512c599
Example for rowstamp lint: index-locks-table flags a plain CREATE INDEX
"""

from alembic import op

revision = "f2a3aa9db027"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_notes", "users", ["notes"])


def downgrade() -> None:
    op.drop_index("ix_users_notes", table_name="users")
