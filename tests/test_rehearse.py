"""rowstamp upgrade in production: live per-revision progress, a rehearsal on a copy
restored from the verified backup first, and production untouched when it fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tests.helpers import simple_chain, write_revision
from tests.project import Project


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    simple_chain(project)
    return project


def _version(url: URL) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return None if version is None else str(version)


def test_rehearsal_then_production(project: Project, db_url: URL, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    out = project.run("rowstamp", "--env", "production", "upgrade", "--rehearse", "--no-report",
                      BACKUP_DIR=str(backups)).stdout  # fmt: skip
    assert out.count("Applied b1  Step b1 ... ") == 2  # on the copy, then for real
    assert out.count("Applied b2  Step b2 ... ") == 2
    [backup] = list(backups.iterdir())
    assert f"Rehearsal passed on a copy restored from {backup}" in out
    assert _version(db_url) == "b2"


def test_a_failed_rehearsal_leaves_production_untouched(
    project: Project, db_url: URL, tmp_path: Path
) -> None:
    env = {"BACKUP_DIR": str(tmp_path / "backups")}
    project.run("rowstamp", "--env", "production", "upgrade", "--no-report", **env)
    write_revision(project, "b3", "b2", "    op.execute('SELECT * FROM no_such_table')", "    pass")
    result = project.run("rowstamp", "--env", "production", "upgrade", "--rehearse", check=False,
                         **env)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.output
    assert "the rehearsal on a restored copy failed, so production was not touched" in result.stderr
    assert "upgrade of revision b3 (Step b3) failed" in result.stderr
    assert _version(db_url) == "b2"


def test_no_backup_needs_a_reason(project: Project, tmp_path: Path) -> None:
    result = project.run("rowstamp", "--env", "production", "upgrade", "--no-backup", "",
                         check=False, BACKUP_DIR=str(tmp_path / "b"))  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.output
    assert "without a backup needs a reason" in result.stderr
