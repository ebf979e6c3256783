"""A UNIQUE the model leaves unnamed, on a table that already has it (issue 15): the
naming convention gives the model's copy a name the database's copy does not have
(PostgreSQL ``<table>_<col>_key``, MariaDB a unique index named after the column,
SQLite no name). Autogenerate must not rename it: MariaDB refuses to drop the index a
foreign key needs (1553), and SQLite's batch downgrade would drop both copies."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.integration.adoption.vendored import schema_dump
from tests.project import Project, migration_body

MODELS = """
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Parent(Base):
    __tablename__ = "parent"
    __table_args__ = (UniqueConstraint("code", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    code: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(10))


class Child(Base):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_name: Mapped[str] = mapped_column(String(50), ForeignKey("parent.name"))
"""

TABLES = (
    "CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE,"
    " code VARCHAR(10) NOT NULL, region VARCHAR(10) NOT NULL, UNIQUE (code, region))",
    "CREATE TABLE child (id INTEGER NOT NULL PRIMARY KEY, parent_name VARCHAR(50) NOT NULL,"
    " FOREIGN KEY (parent_name) REFERENCES parent (name))",
)


def test_an_unnamed_unique_keeps_the_database_name(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    (project.root / "app" / "models" / "user.py").unlink()
    project.add_model("family", MODELS)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in TABLES:
            conn.execute(text(statement))
    before = schema_dump(engine)

    project.alembic("revision", "--autogenerate", "-m", "Adopt Base on parent and child")
    [migration] = project.versions()
    body = migration_body(migration)
    for renaming in ("unique_constraint", "drop_constraint", "unique=True", "uq_"):
        assert renaming not in body, body

    project.alembic("upgrade", "head")
    project.alembic("check")
    project.alembic("downgrade", "base")
    assert schema_dump(engine) == before
    engine.dispose()


NAMED = """
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Parent(Base):
    __tablename__ = "parent"
    __table_args__ = (UniqueConstraint("code", "region", name="uq_custom"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    code: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(10))
"""


def test_a_named_or_new_unique_is_still_written(db_url: URL, tmp_path: Path) -> None:
    """The model names the existing UNIQUE itself (a rename), declares one the database
    does not have (a new constraint), and no longer declares one it has (a removal,
    which Alembic can write where the database named it: not on SQLite): all written."""
    project = Project.copy(tmp_path / "project", db_url)
    (project.root / "app" / "models" / "user.py").unlink()
    project.add_model("parent", NAMED)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL,"
                " code VARCHAR(10) NOT NULL, region VARCHAR(10) NOT NULL, UNIQUE (code, region),"
                " CONSTRAINT old_region UNIQUE (region))"
            )
        )
    engine.dispose()

    project.alembic("revision", "--autogenerate", "-m", "Adopt Base on parent")
    [migration] = project.versions()
    upgrade = migration_body(migration).split("def downgrade")[0]
    assert "create_unique_constraint(batch_op.f('uq_parent_name'), ['name'])" in upgrade
    assert "create_unique_constraint('uq_custom', ['code', 'region'])" in upgrade
    if db_url.get_backend_name() != "sqlite":  # SQLite: Alembic drops no unnamed UNIQUE
        assert re.search(r"drop_(constraint|index)\((batch_op\.f\()?'old_region'", upgrade)
