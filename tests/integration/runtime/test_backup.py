"""Verified backups before protected migrations, on every engine."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

import app.models  # noqa: F401 - registers the users model on Base.metadata
from app.db.base import Base
from rowstamp.errors import BackupError
from rowstamp.runtime.backup import take_backup
from rowstamp.testing.servers import TEST_PASSWORD
from tests.helpers import run_ops
from tests.project import REPO


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
    backup = take_backup(
        db_url, "production", directory=tmp_path / "backups", project_root=REPO, verify_restore=True
    )
    assert backup.path.is_file() and backup.size > 0
    assert backup.path.parent == tmp_path / "backups"
    assert backup.path.name.startswith("production-")
    assert "row counts equal" in backup.verified


def test_two_backups_in_one_second_are_both_kept(
    db_engine: Engine, db_url: URL, tmp_path: Path
) -> None:
    """The name is stamped to the second; a second backup must not replace the first."""
    _fill(db_engine)
    backups = tmp_path / "backups"
    first = take_backup(db_url, "production", directory=backups, project_root=REPO)
    second = take_backup(db_url, "production", directory=backups, project_root=REPO)
    assert first.path != second.path
    assert sorted(backups.iterdir()) == sorted([first.path, second.path])


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
    assert list(tmp_path.iterdir()) == []  # no partial file that looks like a backup


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_failing_sqlite_backup_is_one_line_and_leaves_nothing(
    db_url: URL, tmp_path: Path
) -> None:
    Path(str(db_url.database)).write_text("not a database\n" * 100)
    backups = tmp_path / "backups"
    with pytest.raises(BackupError) as info:
        take_backup(db_url, "production", directory=backups, project_root=REPO)
    assert "SQLite backup of" in str(info.value) and "file is not a database" in str(info.value)
    assert len(str(info.value).splitlines()) == 1
    assert list(backups.iterdir()) == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_are_private_whatever_the_umask(
    db_engine: Engine, db_url: URL, tmp_path: Path
) -> None:
    _fill(db_engine)
    directory = tmp_path / "state" / "backups"
    old = os.umask(0o022)
    try:
        backup = take_backup(db_url, "production", directory=directory, project_root=REPO)
    finally:
        os.umask(old)
    assert (_mode(directory), _mode(backup.path)) == (0o700, 0o600)
    assert list(directory.iterdir()) == [backup.path]  # renamed from .partial, nothing else


def test_backups_never_go_inside_the_git_repository(db_url: URL, tmp_path: Path) -> None:
    """A monorepo: the project (alembic.ini) is in backend/, the repository above it."""
    mono = tmp_path / "mono"
    (mono / "backend").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(mono)], check=True)
    with pytest.raises(BackupError) as info:
        take_backup(db_url, "production", directory=mono / "backups", project_root=mono / "backend")
    assert f"is inside the repository {mono}; set BACKUP_DIR" in str(info.value)
    assert len(str(info.value).splitlines()) == 1
    assert not (mono / "backups").exists()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "variable", ["GIT_CEILING_DIRECTORIES", "PATH"], ids=["no-repository", "no-git"]
)
def test_without_git_the_project_directory_is_the_repository(
    db_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, str(tmp_path))  # git finds no repository, or is not found
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(BackupError, match="inside the repository"):
        take_backup(db_url, "production", directory=project / "backups", project_root=project)
    backup = take_backup(db_url, "production", directory=tmp_path / "b", project_root=project)
    assert backup.path.parent == tmp_path / "b"


def test_the_backup_name_never_leaves_its_directory(db_url: URL, tmp_path: Path) -> None:
    directory = tmp_path / "state" / "backups"
    with pytest.raises(BackupError, match="would put the backup outside"):
        take_backup(db_url, "../../escape", directory=directory, project_root=REPO)
    assert list(tmp_path.rglob("*")) == []


@contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A tiny tmpfs at ``where``: a real full disk or read-only file system (root only)."""
    where.mkdir()
    command = [shutil.which("mount") or "mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_backup_on_a_full_disk_leaves_nothing(
    db_engine: Engine, db_url: URL, tmp_path: Path
) -> None:
    _fill(db_engine)
    with _tmpfs(tmp_path / "disk", "size=64k,mode=0700") as disk:
        backups = disk / "backups"
        backups.mkdir()
        with (disk / "filler").open("wb", buffering=0) as filler, pytest.raises(OSError):
            while True:
                filler.write(b"x" * 4096)
        with pytest.raises(BackupError) as info:
            take_backup(db_url, "production", directory=backups, project_root=REPO)
        message = str(info.value)
        assert len(message.splitlines()) == 1 and TEST_PASSWORD not in message
        assert any(w in message for w in ("space", "disk is full", "errno 28")), message
        assert list(backups.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("file", "cannot create backup directory {d}: File exists;"),
        ("file/backups", "cannot create backup directory {d}: {d.parent}: File exists"),
    ],
)
def test_a_backup_dir_that_is_or_is_under_a_file_is_one_line(
    db_url: URL, tmp_path: Path, where: str, problem: str
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("")
    directory = tmp_path / "x" / where
    with pytest.raises(BackupError) as info:
        take_backup(db_url, "production", directory=directory, project_root=REPO)
    assert problem.format(d=directory) in str(info.value)
    assert "; set BACKUP_DIR to a" in str(info.value) and len(str(info.value).splitlines()) == 1
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["file"]


@pytest.mark.parametrize("where", ["", "backups"], ids=["itself", "below"])
def test_a_backup_dir_on_a_read_only_file_system_is_one_line(
    db_url: URL, tmp_path: Path, where: str
) -> None:
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as read_only, pytest.raises(BackupError) as info:
        take_backup(db_url, "production", directory=read_only / where, project_root=REPO)
    assert "Read-only file system" in str(info.value)
    assert len(str(info.value).splitlines()) == 1
