"""Add teams and their captains

Revision ID: 3d8e5b7a1c90
Revises: f0654512c599
Example for rowstamp lint: a foreign key between tables this migration creates
validates no existing row (autogenerate writes op.create_foreign_key for a cycle)
"""

import sqlalchemy as sa

from alembic import op

revision = "3d8e5b7a1c90"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("captain_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "players",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_foreign_key("fk_teams_captain_id", "teams", "players", ["captain_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_teams_captain_id", "teams", type_="foreignkey")
    op.drop_table("players")
    op.drop_table("teams")
