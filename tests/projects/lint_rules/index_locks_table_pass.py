"""Index users notes concurrently

Revision ID: 857ed8bc6512
Revises: f0654512c599
Example for rowstamp lint: CONCURRENTLY outside the transaction
"""

from alembic import op

revision = "857ed8bc6512"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_users_notes", "users", ["notes"], postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index("ix_users_notes", table_name="users")
