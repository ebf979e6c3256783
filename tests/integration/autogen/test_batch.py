"""Changing a table that already has its trigger: SQLite rebuilds the table in batch
mode, which drops triggers; the migration must leave the trigger working both ways."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import timestamps
from tests.project import REPO, Project, migration_body

USER_WITH_AGE = """
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, nullable=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    age: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
"""


def _trigger_bumps(engine, email: str) -> None:  # type: ignore[no-untyped-def]
    where = f"email = '{email}'"
    _, before = timestamps(engine, "users", where)
    time.sleep(0.01)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE users SET name = 'changed' WHERE {where}"))
    assert timestamps(engine, "users", where)[1] > before


def test_altering_a_table_keeps_its_trigger(engine_name: str, db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    for committed in (REPO / "alembic" / "versions").glob("*.py"):
        (project.root / "alembic" / "versions" / committed.name).write_bytes(committed.read_bytes())
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, email) VALUES ('a', 'a@example.com')"))

    project.add_model("user", USER_WITH_AGE)
    project.alembic("revision", "--autogenerate", "-m", "Add age to users")
    [migration] = [p for p in project.versions() if p.name.endswith("_add_age_to_users.py")]
    upgrade, downgrade = migration_body(migration).split("def downgrade")
    # the committed history has the version 1 trigger: the replacement by version 2,
    # after the batch block, also puts back a trigger a rebuild dropped
    replace = "op.replace_updated_at_trigger('users', from_version=1, version=2)"
    assert upgrade.index(replace) > upgrade.index("batch_op.add_column(")
    assert "ensure_updated_at_trigger" not in upgrade
    assert "op.replace_updated_at_trigger('users', from_version=2, version=1)" in downgrade
    if engine_name == "sqlite":  # it drops the column in place (3.35+): nothing is rebuilt
        assert "op.drop_column('users', 'age')" in downgrade

    project.alembic("upgrade", "head")
    _trigger_bumps(engine, "a@example.com")
    project.alembic("check")
    project.alembic("downgrade", "-1")
    _trigger_bumps(engine, "a@example.com")
    engine.dispose()
