"""Verified backups before protected migrations, on every engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

import app.models  # noqa: F401 - registers the users model on Base.metadata
from app.db.base import Base
from rowstamp.backup import take_backup
from rowstamp.errors import BackupError
from tests.helpers import run_ops
from tests.project import REPO
from tests.servers import TEST_PASSWORD


def _fill(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    run_ops(engine, lambda op: op.create_updated_at_trigger("users", version=1))  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for i in range(25):
            conn.execute(
                text(f"INSERT INTO users (name, email) VALUES ('u{i}', 'u{i}@example.com')")
            )


def test_backup_is_verified_by_a_restore(db_engine: Engine, db_url: URL, tmp_path: Path) -> None:
    _fill(db_engine)
    backup = take_backup(db_url, "production", directory=tmp_path / "backups",
                         project_root=REPO, verify_restore=True)  # fmt: skip
    assert backup.path.is_file() and backup.size > 0
    assert backup.path.parent == tmp_path / "backups"
    assert backup.path.name.startswith("production-")
    assert "row counts equal" in backup.verified


def test_backups_never_go_inside_the_repository(db_engine: Engine, db_url: URL) -> None:
    with pytest.raises(BackupError, match="inside the repository"):
        take_backup(db_url, "production", directory=REPO / "backups", project_root=REPO)
    assert not (REPO / "backups").exists()


@pytest.mark.parametrize("engine_name", ["postgresql", "mariadb"], indirect=True)
def test_a_failing_dump_is_one_line_without_the_password(db_url: URL, tmp_path: Path) -> None:
    missing = db_url.set(database="no_such_database")
    with pytest.raises(BackupError) as info:
        take_backup(missing, "production", directory=tmp_path, project_root=REPO)
    assert "failed" in str(info.value)
    assert TEST_PASSWORD not in str(info.value)
