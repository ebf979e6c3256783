"""The migration lock: parallel upgrades apply each revision once; a held lock times
out in one line; a statement blocked by another session fails fast, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.runtime.lock import migration_lock
from tests.integration.runtime.races import applied, chain, race_upgrades
from tests.project import Project


def test_parallel_upgrades_apply_each_revision_once(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    chain(project)
    race_upgrades(project, db_url, tmp_path)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        runs, version = applied(conn)
    engine.dispose()
    assert runs == {"a1": 1, "a2": 1, "a3": 1}
    assert version == "a3"


def test_a_held_lock_times_out_in_one_line(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    chain(project)
    engine = create_engine(db_url)
    with engine.connect() as conn, migration_lock(conn, wait_seconds=0, statement_lock_timeout=5):
        result = project.alembic("upgrade", "head", check=False, MIGRATION_LOCK_TIMEOUT="1")
    engine.dispose()
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "FAILED: another migration still holds the migration lock after 1 s" in result.output
    assert "Waiting for the migration lock held by" in result.output


@pytest.mark.parametrize("engine_name", ["postgresql", "mariadb"], indirect=True)
def test_a_blocked_statement_fails_fast_naming_the_blocker(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    chain(project)
    project.alembic("upgrade", "head")
    chain(project, extra="    op.add_column('runs', sa.Column('extra', sa.Integer))")
    engine = create_engine(db_url)
    with engine.connect() as blocker:
        blocker.execute(text("SELECT count(*) FROM runs WHERE name = 'blocking-reader'"))
        # the reader's transaction stays open, holding its lock on runs
        result = project.alembic("upgrade", "head", check=False, DATABASE_LOCK_TIMEOUT="1")
        blocker.rollback()
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "waited 1 s for a table lock and gave up; held by" in result.output
    assert "upgrade of revision a4 (" in result.output  # the report names the revision
    assert "the database is at a3" in result.output  # read from the database
    assert "or raise DATABASE_LOCK_TIMEOUT: alembic upgrade head" in result.output
    if db_url.get_backend_name() == "postgresql":
        assert "blocking-reader" in result.output  # the blocker's own query
        assert "everything this run did was rolled back" in result.output
    else:  # MariaDB keeps no query of an idle session: its connection and transaction
        assert "in a transaction since" in result.output
        # its DDL commits at once: the report checks what the revision did, in the catalog
        assert "none of the tables, columns, indexes and triggers revision a4" in result.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "a3"
    engine.dispose()


@pytest.mark.sqlite
@pytest.mark.parametrize("spelling", ["symlink", "file-uri"])
def test_every_spelling_of_a_sqlite_file_takes_the_same_lock(spelling: str, tmp_path: Path) -> None:
    real = tmp_path / "data" / "app.sqlite3"
    real.parent.mkdir()
    if spelling == "symlink":
        (tmp_path / "link").symlink_to(real.parent)
        other = URL.create("sqlite", database=str(tmp_path / "link" / real.name))
    else:
        other = URL.create("sqlite", database=f"file:{real}?cache=private", query={"uri": "true"})
    project = Project.copy(tmp_path / "project", other)
    chain(project)
    engine = create_engine(URL.create("sqlite", database=str(real)))
    with engine.connect() as conn, migration_lock(conn, wait_seconds=0, statement_lock_timeout=5):
        result = project.alembic("upgrade", "head", check=False, MIGRATION_LOCK_TIMEOUT="1")
    engine.dispose()
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "FAILED: another migration still holds the migration lock after 1 s" in result.output


@pytest.mark.sqlite
def test_an_in_memory_sqlite_uri_needs_no_lock() -> None:
    from rowstamp.engines.sqlite import database_file

    uri = {"uri": "true"}
    for database, query in [
        ("file::memory:?cache=shared", uri),
        ("file:x?mode=memory", uri),
        ("file:x", {**uri, "mode": "memory"}),
        (":memory:", {}),
    ]:
        assert database_file(URL.create("sqlite", database=database, query=query)) is None


@pytest.mark.sqlite
def test_a_scratch_sqlite_file_goes_with_its_lock_file() -> None:
    from rowstamp.testing.scratch import scratch_databases

    with scratch_databases("sqlite") as make:
        with make() as url:
            engine = create_engine(url)
            with (
                engine.connect() as conn,
                migration_lock(conn, wait_seconds=0, statement_lock_timeout=5),
            ):
                folder = Path(str(url.database)).parent
                assert len(list(folder.iterdir())) == 2  # the database and its lock file
            engine.dispose()
        assert list(folder.iterdir()) == []
