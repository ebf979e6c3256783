"""An index behind a foreign key: MariaDB refuses to drop it while the foreign key
needs it (error 1553), so a generated migration that drops a table must not drop
that table's indexes first. Generated once on SQLite, run on every engine."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from tests.helpers import ROWSTAMP_TABLES
from tests.project import Project

PARENT = """
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Parent(Base):
    __tablename__ = "parent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=True)
"""

CHILD = """
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Child(Base):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"), index=True)
"""


def _tables(url: URL) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _authored_on_sqlite(tmp_path: Path) -> Project:
    sqlite = URL.create("sqlite", database=str(tmp_path / "author.sqlite3"))
    project = Project.copy(tmp_path / "project", sqlite)
    project.add_model("parent", PARENT)
    project.add_model("child", CHILD)
    project.run("rowstamp", "new", "Create parent and child tables")
    return project


def test_an_initial_migration_from_sqlite_downgrades_everywhere(
    db_url: URL, tmp_path: Path
) -> None:
    project = _authored_on_sqlite(tmp_path)
    url = db_url.render_as_string(hide_password=False)
    project.alembic("upgrade", "head", DATABASE_URL=url)
    assert _tables(db_url) >= {"parent", "child", "users"}
    project.alembic("downgrade", "base", DATABASE_URL=url)
    assert _tables(db_url) <= set(ROWSTAMP_TABLES)


def test_dropping_a_table_from_sqlite_upgrades_everywhere(db_url: URL, tmp_path: Path) -> None:
    """The mirror: the upgrade drops the child table. (Its downgrade recreates the table
    with the types SQLite reflected, so it runs where it was generated only.)"""
    project = _authored_on_sqlite(tmp_path)
    project.alembic("upgrade", "head")
    (project.root / "app" / "models" / "child.py").unlink()
    project.run("rowstamp", "new", "Drop the child table")
    url = db_url.render_as_string(hide_password=False)
    project.alembic("upgrade", "head", DATABASE_URL=url)
    assert "child" not in _tables(db_url)
    assert "parent" in _tables(db_url)
