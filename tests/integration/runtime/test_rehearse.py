"""rowstamp upgrade in production: live per-revision progress, a rehearsal on a copy
restored from the verified backup first, and production untouched when it fails."""

from __future__ import annotations

import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_name
from rowstamp.engines.base import database_statement
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
    out = project.run(
        "rowstamp",
        "--env",
        "production",
        "upgrade",
        "--rehearse",
        "--no-report",
        BACKUP_DIR=str(backups),
    ).stdout
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
    result = project.run(
        "rowstamp", "--env", "production", "upgrade", "--rehearse", check=False, **env
    )
    assert result.returncode == 1 and "Traceback" not in result.output
    assert "the rehearsal on a restored copy failed, so production was not touched" in result.stderr
    assert "upgrade of revision b3 (Step b3) failed" in result.stderr
    assert _version(db_url) == "b2"


def test_no_backup_needs_a_reason(project: Project, tmp_path: Path) -> None:
    result = project.run(
        "rowstamp",
        "--env",
        "production",
        "upgrade",
        "--no-backup",
        "",
        check=False,
        BACKUP_DIR=str(tmp_path / "b"),
    )
    assert result.returncode == 1 and "Traceback" not in result.output
    assert "without a backup needs a reason" in result.stderr


def _left_behind(db_url: URL, tmp: Path) -> list[str]:
    """Scratch copies of the database that exist now (SQLite: files in the run's TMPDIR)."""
    if db_url.get_backend_name() == "sqlite":
        return sorted(path.name for path in tmp.glob("*.sqlite3"))
    engine = create_engine(db_url)
    with engine.connect() as connection:
        names = connection.execute(text(_DATABASES[engine.dialect.name])).scalars().all()
    engine.dispose()
    return sorted(name for name in names if name.startswith(f"{db_url.database}_rowstamp_"))


_DATABASES = {
    "postgresql": "SELECT datname FROM pg_database",
    "mariadb": "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
}


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_an_interrupted_rehearsal_leaves_no_copy_of_production(
    project: Project, db_url: URL, tmp_path: Path, stop: signal.Signals
) -> None:
    marker, tmp = tmp_path / "rehearsing", tmp_path / "tmp"
    tmp.mkdir()
    write_revision(
        project,
        "b3",
        "b2",
        "    if os.environ.get('SLOW'):\n"
        "        open(os.environ['SLOW'], 'w').close()\n        time.sleep(120)",
        "    pass",
    )
    project.alembic("upgrade", "b2")
    env = {"BACKUP_DIR": str(tmp_path / "backups"), "TMPDIR": str(tmp)}
    command = ["rowstamp", "--env", "production", "upgrade", "--rehearse", "--no-report"]
    process = subprocess.Popen(
        command,
        cwd=project.root,
        env=project.env(SLOW=str(marker), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), process.communicate()[0] if process.poll() is not None else "no start"
    assert len(_left_behind(db_url, tmp)) == 1  # the copy the rehearsal is upgrading
    process.send_signal(stop)
    output = process.communicate(timeout=60)[0]
    assert "Traceback" not in output
    if stop == signal.SIGTERM:
        assert process.returncode == 143 and _left_behind(db_url, tmp) == [], output
        assert "Stopped by SIGTERM; dropped the scratch copy " in output
    else:
        [orphan] = _left_behind(db_url, tmp)
        result = project.run(*command, **env)
        assert result.output.count("Removed the scratch copies an interrupted run left") == 1
        assert orphan in result.output
    assert _left_behind(db_url, tmp) == [] and list(tmp.iterdir()) == []  # no lock file either
    assert _version(db_url) == ("b2" if stop == signal.SIGTERM else "b3")


def test_only_this_databases_scratch_copies_count_as_left_behind(
    db_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    support = for_name(db_url.get_backend_name())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    if db_url.get_backend_name() == "sqlite":
        source = db_url
        mine = support.create_scratch_database(source)
        other = support.create_scratch_database(db_url.set(database=str(tmp_path / "other.db")))
        (tmp_path / f"{Path(str(mine.database)).name}.bak").touch()
        decoys = [other]
    else:  # a name so long that the scratch names must shorten it
        source = db_url.set(database=f"{db_url.database}_{'x' * 38}")
        database_statement(db_url, "CREATE DATABASE {}", str(source.database))
        mine = support.create_scratch_database(source)
        assert len(str(mine.database)) <= support.identifier_limit
        name = str(mine.database)
        decoys = [
            source.set(database=f"{name[:-1]}g"),
            source.set(database=f"u{name[1:]}"),
            db_url.set(database=f"{db_url.database}_rowstamp_0123abcd"),
        ]
        for decoy in decoys:
            database_statement(db_url, "CREATE DATABASE {}", str(decoy.database))
    try:
        assert support.scratch_databases(source) == [mine]
    finally:
        for url in [mine, *decoys]:
            support.drop_scratch_database(source, url)
        if source is not db_url:
            support.drop_scratch_database(db_url, source)
