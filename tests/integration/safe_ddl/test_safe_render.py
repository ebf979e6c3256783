"""Autogenerate on PostgreSQL writes changes to existing tables in safe forms (issue 17,
item 1): foreign keys NOT VALID then validated, NOT NULL through a validated CHECK,
indexes built and dropped CONCURRENTLY, lock-taking statements under op.lock_retries.
Tables created in the same revision keep the plain forms; SQLite and MariaDB keep
what they wrote before. The migration passes rowstamp lint (squawk included) and
round-trips."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import catalog
from tests.project import REPO, Project, migration_body

GOLDEN = REPO / "tests" / "golden" / "postgresql"

PARENT = """
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Parent(Base):
    __tablename__ = "parent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
"""

CHILD_BEFORE = """
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Child(Base):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(50))
    old: Mapped[int | None] = mapped_column(Integer, index=True)
"""

CHILD_AFTER = """
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Child(Base):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("parent.id"))
    n: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(50), server_default="")
    old: Mapped[int | None] = mapped_column(Integer)
"""

GRANDCHILD = """
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Grandchild(Base):
    __tablename__ = "grandchild"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
"""


def _changed_project(db_url: URL, tmp_path: Path) -> tuple[Project, str]:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("parent", PARENT)
    project.add_model("child", CHILD_BEFORE)
    project.run("rowstamp", "new", "Create parent and child tables")
    [first] = project.versions()
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO parent (id) VALUES (1)"))
            conn.execute(text("INSERT INTO child (id, parent_id, n) VALUES (1, 1, 5), (2, 1, 6)"))
    finally:
        engine.dispose()
    project.add_model("child", CHILD_AFTER)
    project.add_model("grandchild", GRANDCHILD)
    project.run("rowstamp", "new", "Tighten child")
    [second] = set(project.versions()) - {first}
    return project, migration_body(second)


def _constraints(db_url: URL) -> dict[str, bool]:
    """PostgreSQL: child's constraints and whether each is validated."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT conname, convalidated FROM pg_constraint"
                    " WHERE conrelid = 'child'::regclass ORDER BY conname"
                )
            )
            return {str(r.conname): bool(r.convalidated) for r in rows}
    finally:
        engine.dispose()


def test_safe_forms_on_postgresql_plain_elsewhere(
    engine_name: str, db_url: URL, tmp_path: Path
) -> None:
    project, body = _changed_project(db_url, tmp_path)
    upgrade, downgrade = body.split("def downgrade")
    # the table created in the same revision keeps the plain forms everywhere
    new_table_index = "batch_op.create_index(batch_op.f('ix_grandchild_child_id'), ['child_id']"
    assert new_table_index in upgrade
    if engine_name == "postgresql":
        # what autogenerate writes is pinned (the golden files are what the docs show)
        assert (GOLDEN / "safe_ddl_upgrade.txt").read_text(encoding="utf-8") in upgrade, upgrade
        assert (GOLDEN / "safe_ddl_downgrade.txt").read_text(encoding="utf-8") in downgrade
    else:
        assert "lock_retries" not in body and "not_valid" not in body and "_check(" not in body
        assert "batch_op.drop_index(batch_op.f('ix_child_old'))" in upgrade

    if engine_name == "postgresql":  # elsewhere the plain forms get their usual findings
        lint = project.run("rowstamp", "lint", check=False)
        assert lint.returncode == 0 and "0 error(s)" in lint.output, lint.output
        assert "squawk ran" in lint.output and "squawk did not run" not in lint.output

    engine = create_engine(db_url)
    try:
        before = catalog(engine, version_table=False)
        project.alembic("upgrade", "head")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM child WHERE name = ''")).scalar() == 2
        if engine_name == "postgresql":
            # validated, and the stand-in check is gone: SET NOT NULL holds the guarantee
            assert _constraints(db_url) == {"fk_child_parent_id_parent": True, "pk_child": True}
        project.alembic("check")
        project.alembic("downgrade", "-1")
        after = catalog(engine, version_table=False)
        # MariaDB keeps the index it made for the foreign key (Alembic's plain downgrade)
        kept = {("index", "child.fk_child_parent_id_parent")} if engine_name == "mariadb" else set()
        assert {o for o in after if "grandchild" not in o[1]} - kept == before
    finally:
        engine.dispose()
