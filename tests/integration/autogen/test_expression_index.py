"""Expression indexes on SQLite: written by autogenerate, and compared, not skipped.

SQLite's reflection cannot read an index on an expression, so Alembic skipped
them: mlflow's ``idx_mcp_server_versions_latest (..., version_major DESC)`` was
silently missing from the migration generated on SQLite (PostgreSQL then showed
drift), and once a migration added it, SQLite's check reported a drop and a
re-create of it on every run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from tests.project import Project

VERSIONS = """
from sqlalchemy import Index, Integer, String, desc, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class ServerVersion(Base):
    __tablename__ = "server_versions"
    __table_args__ = (
        Index("ix_server_versions_latest", "workspace", "name", desc("version_major")),
        Index("ix_server_versions_lower_name", func.@FUNCTION@(literal_column("name"))),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(50))
    version_major: Mapped[int] = mapped_column(Integer)
"""


def _model(function: str = "lower") -> str:
    return VERSIONS.replace("@FUNCTION@", function)


def _indexes(url: URL) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                str(row[0])
                for row in connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index'"
                    if url.get_backend_name() == "sqlite"
                    else "SELECT indexname FROM pg_indexes WHERE tablename = 'server_versions'"
                )
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)
def test_expression_indexes_generated_on_sqlite_reach_every_engine(
    db_url: URL, tmp_path: Path
) -> None:
    sqlite = URL.create("sqlite", database=str(tmp_path / "author.sqlite3"))
    project = Project.copy(tmp_path / "project", sqlite)
    project.add_model("server_version", _model())
    new = project.run("rowstamp", "new", "Create server versions table")
    (migration,) = project.versions()
    text = migration.read_text(encoding="utf-8")
    assert "ix_server_versions_latest" in text, new.output
    assert "ix_server_versions_lower_name" in text, new.output

    url = db_url.render_as_string(hide_password=False)
    project.alembic("upgrade", "head", DATABASE_URL=url)
    assert {"ix_server_versions_latest", "ix_server_versions_lower_name"} <= _indexes(db_url)
    check = project.alembic("check", DATABASE_URL=url, check=False)
    assert "No new upgrade operations detected" in check.output, check.output
    assert "expression-based index" not in check.output
    drift = project.run("rowstamp", "check", DATABASE_URL=url, check=False)
    assert drift.returncode == 0, drift.output


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_changed_expression_index_on_sqlite_is_named(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("server_version", _model())
    project.run("rowstamp", "new", "Create server versions table")
    project.run("rowstamp", "upgrade")
    project.add_model("server_version", _model("upper"))
    drift = project.run("rowstamp", "check", check=False)
    assert drift.returncode != 0
    assert "expression index ix_server_versions_lower_name differs from the model" in drift.output
    assert "ix_server_versions_latest" not in drift.output  # reflected, compared equal
