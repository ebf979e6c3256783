"""Add posts and their comments

Revision ID: 7c3a9e1f4b62
Revises: f0654512c599
Example for rowstamp lint: a parent and its child created together are one change
"""

import sqlalchemy as sa

from alembic import op

revision = "7c3a9e1f4b62"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
    )
    op.create_index("ix_posts_title", "posts", ["title"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name="fk_comments_post_id_posts"),
    )
    op.create_updated_at_trigger("comments", version=1)


def downgrade() -> None:
    op.drop_updated_at_trigger("comments", version=1)
    op.drop_table("comments")  # rowstamp: allow drop-table -- undoes upgrade
    op.drop_index("ix_posts_title", table_name="posts")
    op.drop_table("posts")  # rowstamp: allow drop-table -- undoes upgrade
