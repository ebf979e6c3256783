"""``rowstamp new`` reviews the operations autogenerate held, not the file read back
(issue 19, whole-command figures): the report must be the one ``rowstamp review``
prints for the same file, on every engine, for every kind of operation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp import commands
from rowstamp.cli.output import review_lines
from rowstamp.review.backfill_offer import offer_backfills
from rowstamp.review.describe import describe, table_of
from rowstamp.review.reader import MigrationFile, read_migration
from rowstamp.review.rules import Review, review_migration
from tests.project import Project

USERS = '''"""The guide's users, reshaped: most kinds of operation at once."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100), index=True)


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("nickname", name="uq_users_nickname"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    nickname: Mapped[str] = mapped_column(String(50), index=True)
    score: Mapped[int] = mapped_column(Integer, server_default="0")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
'''
"""Drops ``name`` and the unique email, changes the email's type, adds a NOT NULL
column without a default (a backfill offer: the table has a row), a concurrent index, a unique
constraint and a foreign key on an existing table, and two new related tables."""


def _operations(migration: MigrationFile) -> list[tuple[str, int, str, str | None]]:
    return [
        (item.direction, migration.statement_start(item.line), describe(item.op), table_of(item.op))
        for item in migration.upgrade + migration.downgrade
    ]


def test_new_reviews_what_autogenerate_held_as_the_file_reads(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    assert project.url is not None
    engine = create_engine(project.url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, email) VALUES ('Ann', 'ann@example.com')"))
    engine.dispose()
    project.add_model("user", USERS)
    with project.process_state():
        config = commands.load_config(project.root / "alembic.ini")
        written = commands.new_revision(config, "Reshape users and add teams")
        held = written.migration
        assert held is not None, "the file did not line up with the operations"
        read = read_migration(written.path)
        assert _operations(held) == _operations(read)
        assert (held.revision, held.down_revision, held.message, held.phase, held.errors) == (
            read.revision,
            read.down_revision,
            read.message,
            read.phase,
            read.errors,
        )
        reports = [
            review_lines(r)
            for r in offer_backfills(
                config,
                [Review(m, review_migration(m)) for m in (held, read)],
            )
        ]
    assert reports[0] == reports[1]
    report = "\n".join(reports[0])
    for rule in ("drop-column", "not-null-without-default", "type-change", "unique-on-existing"):
        assert rule in report, report
    assert {describe(item.op).split(" ")[0] for item in held.upgrade} >= {
        "create",
        "add",
        "drop",
        "alter",
    }


@pytest.mark.parametrize(
    ("added", "shown"),
    [('op.execute("SELECT 1")', "execute SQL: SELECT 1"), ('print("applying")', None)],
)
def test_a_template_that_writes_more_is_read_from_the_file(
    tmp_path: Path, added: str, shown: str | None
) -> None:
    project = Project.copy(tmp_path / "sqlite", URL.create("sqlite", database=str(tmp_path / "db")))
    template = project.root / "alembic" / "script.py.mako"
    anchor = '    ${upgrades if upgrades else "pass"}'
    source = template.read_text(encoding="utf-8")
    template.write_text(source.replace(anchor, f"{anchor}\n    {added}"), encoding="utf-8")
    project.add_model("user", USERS)
    with project.process_state():
        config = commands.load_config(project.root / "alembic.ini")
        written = commands.new_revision(config, "Reshape users and add teams")
    assert written.migration is None  # a statement no operation explains: read the file
    out = project.run("rowstamp", "review").stdout
    assert "create table (7 columns)" in out
    if shown:
        assert shown in out
