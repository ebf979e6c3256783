"""Nothing to do yet

Revision ID: 329d9f84c023
Revises: f0654512c599
Example for rowstamp lint: empty-upgrade flags pass in upgrade()
"""

revision = "329d9f84c023"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
