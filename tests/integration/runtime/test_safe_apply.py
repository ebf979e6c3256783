"""Safe apply through plain alembic: protected environments back up first and confirm
downgrades; every run reports per-revision progress; a killed upgrade resumes. A
failing revision's report is tested in test_failure_recovery.py."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from rowstamp.errors import ProtectedEnvironmentError
from rowstamp.runtime.protection import _skip_backup
from rowstamp.settings import RowstampSettings
from tests.helpers import catalog, interruptible, simple_chain, write_revision
from tests.project import Project


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    simple_chain(project)
    return project


def test_every_run_reports_each_revision_with_its_time(project: Project) -> None:
    out = project.alembic("upgrade", "head").output
    assert "Applied b1 Step b1 ... " in out and "Applied b2 Step b2 ... " in out
    assert "Reverted b2 Step b2 ... " in project.alembic("downgrade", "-1").output


def test_protected_upgrade_takes_a_verified_backup_first(project: Project, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.write_text("")  # unusable: one line, and nothing is migrated
    result = project.alembic(
        "upgrade", "b1", check=False, ENVIRONMENT="production", BACKUP_DIR=str(backups)
    )
    assert result.returncode != 0 and "Traceback" not in result.output
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert f"cannot create backup directory {backups}: File exists; set BACKUP_DIR" in line
    assert "Running upgrade" not in result.output
    backups.unlink()
    env = {"ENVIRONMENT": "production", "BACKUP_DIR": str(backups)}
    out = project.alembic("upgrade", "b1", **env).output
    [backup] = list(backups.iterdir())
    assert f"Backup of production: {backup}" in out
    assert "bytes" in out and ("ok" in out or "entries" in out or "complete" in out)
    out = project.alembic("upgrade", "head", VERIFY_RESTORE="true", **env).output
    assert "row counts equal" in out
    assert len(list(backups.iterdir())) == 2
    project.alembic("upgrade", "head", **env)  # nothing pending: no backup
    assert len(list(backups.iterdir())) == 2


def test_no_backup_needs_a_one_line_reason_that_is_logged(project: Project, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    env = {"ENVIRONMENT": "production", "BACKUP_DIR": str(backups)}
    result = project.alembic("-x", "no-backup=", "upgrade", "head", check=False, **env)
    assert result.returncode != 0 and "Traceback" not in result.output
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert "without a backup needs a reason" in line
    old = os.umask(0o022)
    try:
        project.alembic("-x", 'no-backup=restored "snapshot" 42', "upgrade", "head", **env)
    finally:
        os.umask(old)
    log = backups / "no-backup.jsonl"
    modes = (stat.S_IMODE(backups.stat().st_mode), stat.S_IMODE(log.stat().st_mode))
    assert modes == (0o700, 0o600)
    [record] = (json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())
    assert set(record) == {"time", "environment", "url", "reason"}
    assert record["environment"] == "production" and record["reason"] == 'restored "snapshot" 42'


@pytest.mark.parametrize(
    "hidden", ["\n2026-01-01T00:00:00+00:00\tforged", "\r", "\x1b[2J", "\x7f", "\u202e", "\u2066"]
)
def test_a_no_backup_reason_must_be_plain_text(tmp_path: Path, hidden: str) -> None:
    settings = RowstampSettings(
        environment="production", database_url="sqlite://", backup_dir=tmp_path
    )
    with pytest.raises(ProtectedEnvironmentError) as info:
        _skip_backup(settings, f"restored {hidden}snapshot")
    assert f"control character (U+{ord(hidden[0]):04X})" in str(info.value)
    assert len(str(info.value).splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_a_backup_interrupted_by_ctrl_c_leaves_nothing(
    project: Project, db_url: URL, tmp_path: Path
) -> None:
    """Ctrl-C while the dump tool writes: the .partial file goes, nothing is migrated."""
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mariadb-dump").write_text(
        '#!/bin/sh\nfor a in "$@"; do case "$a" in --result-file=*) f="${a#*=}";; esac; done\n'
        'echo "-- a dump in progress" > "$f"\nexec sleep 60\n'
    )
    (tools / "mariadb-dump").chmod(0o755)
    backups = tmp_path / "backups"
    env = project.env(ENVIRONMENT="production", BACKUP_DIR=str(backups))
    env["PATH"] = f"{tools}{os.pathsep}{env['PATH']}"
    process = subprocess.Popen(
        ["alembic", "upgrade", "head"],
        cwd=project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 60
    while not [p for p in backups.glob("*.partial") if p.stat().st_size]:
        assert time.monotonic() < deadline and process.poll() is None, "no dump started"
        time.sleep(0.1)
    [partial] = backups.glob("*.partial")
    assert stat.S_IMODE(partial.stat().st_mode) == 0o600  # private before the tool wrote
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    assert process.wait(timeout=60) != 0
    assert list(backups.iterdir()) == []
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert not inspect(conn).has_table("things")
    engine.dispose()


def test_protected_downgrade_must_be_confirmed(project: Project, tmp_path: Path) -> None:
    env = {"ENVIRONMENT": "production", "BACKUP_DIR": str(tmp_path / "backups")}
    project.alembic("upgrade", "head", **env)
    result = project.alembic("downgrade", "b1", check=False, **env)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "is not confirmed (b2 Step b2: drop column label)" in result.output
    assert "pass -x confirm=production" in result.output
    project.alembic("-x", "confirm=production", "downgrade", "b1", **env)
    assert "b1" in project.alembic("current", **env).output


@pytest.mark.parametrize("engine_name", ["postgresql", "mariadb"], indirect=True)
def test_an_upgrade_killed_mid_revision_resumes_to_head(project: Project, db_url: URL) -> None:
    sleep = "pg_sleep" if db_url.get_backend_name() == "postgresql" else "SLEEP"
    write_revision(
        project,
        "b3",
        "b2",
        "    op.create_updated_at_trigger('users', version=1)\n"
        f"    op.execute('SELECT {sleep}(' + os.environ.get('SLOW', '0') + ')')",
        "    op.drop_updated_at_trigger('users', version=1)",
    )
    write_revision(project, "b0", None, "    pass", "    pass")
    # b3's trigger needs a users table with updated_at: add one in b1
    write_revision(
        project,
        "b1",
        None,
        "    op.create_table('things', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True),\n"
        "                    sa.Column('updated_at', sa.DateTime))",
        "    op.drop_table('users')\n    op.drop_table('things')",
    )
    (project.root / "alembic" / "versions" / "b0_b0.py").unlink()
    engine = create_engine(db_url)
    process = subprocess.Popen(
        ["alembic", "upgrade", "head"],
        cwd=project.root,
        env=project.env(SLOW="20"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            triggers = {n for k, n in catalog(engine) if k == "trigger"}
        if triggers:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    project.alembic("upgrade", "head", MIGRATION_LOCK_TIMEOUT="120")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "b3"
    triggers = [n for k, n in catalog(engine) if k == "trigger"]
    assert len(triggers) == 1, triggers
    engine.dispose()
