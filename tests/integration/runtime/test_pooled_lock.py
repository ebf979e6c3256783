"""Migrations through PgBouncer in transaction pooling mode (a real one, started here).

A session advisory lock means nothing there: the pooler hands the server session that
holds it to the next client. rowstamp probes the connection, finds the pooler and
takes its lock-table lock instead; parallel upgrades through the pooler still apply
each revision once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from rowstamp.errors import MigrationLockError
from rowstamp.runtime.lock import lock_key, migration_lock
from rowstamp.testing.servers import Server
from tests.conftest import pgbouncer_before
from tests.helpers import write_revision
from tests.integration.runtime.races import applied, chain, race_upgrades
from tests.project import Project, Result

pytestmark = pytest.mark.postgresql


@pytest.fixture(scope="module")
def pooler(pg_server: Server) -> Iterator[Server]:
    # 4 server connections: a run holds up to 3 at once (lock, migration, ledger)
    with pgbouncer_before(pg_server, pool_size=4) as server:
        yield server


@pytest.fixture
def urls(pg_server: Server, pooler: Server) -> Iterator[tuple[URL, URL]]:
    """A fresh database: its direct URL and its URL through the pooler."""
    direct = pg_server.create_database()
    try:
        yield direct, direct.set(host=pooler.url.host, port=pooler.url.port)
    finally:
        pg_server.drop_database(direct)


def test_session_advisory_locks_do_not_exclude_through_the_pooler(
    urls: tuple[URL, URL],
) -> None:
    """The breakage itself: two clients both "take" the same session lock."""
    _, pooled = urls
    engine = create_engine(pooled)
    support = for_dialect(engine.dialect)
    key = lock_key("alembic_version", None)
    with engine.connect() as first, engine.connect() as second:
        assert support.try_lock(first, key)
        first.commit()  # the server session (holding the lock) goes back to the pool
        assert support.try_lock(second, key)  # ... and the next client "takes" it too
        second.commit()
    engine.dispose()


def test_the_probe_tells_the_pooler_from_the_server(urls: tuple[URL, URL]) -> None:
    direct, pooled = urls
    for url, expected in ((direct, True), (pooled, False)):
        engine = create_engine(url)
        with engine.connect() as conn:
            capabilities = for_dialect(engine.dialect).capabilities(conn)
        engine.dispose()
        assert capabilities.session_locks is expected
        assert capabilities.pooled is not expected


def test_the_lock_excludes_through_the_pooler(urls: tuple[URL, URL]) -> None:
    _, pooled = urls
    engine = create_engine(pooled)
    with (
        engine.connect() as first,
        migration_lock(first, wait_seconds=0, statement_lock_timeout=5),
        engine.connect() as second,
        pytest.raises(MigrationLockError) as raised,
        migration_lock(second, wait_seconds=0.5, statement_lock_timeout=5),
    ):
        pass
    # released: the next run takes it at once
    with engine.connect() as third, migration_lock(third, wait_seconds=0, statement_lock_timeout=5):
        pass
    engine.dispose()
    assert "rowstamp" in str(raised.value) and "pid" in str(raised.value)  # names the holder


def test_parallel_upgrades_through_the_pooler_apply_each_revision_once(
    urls: tuple[URL, URL], tmp_path: Path
) -> None:
    direct, pooled = urls
    project = Project.copy(tmp_path / "project", pooled)
    chain(project)
    race_upgrades(project, pooled, tmp_path, wait=120)
    check = create_engine(direct)
    with check.connect() as conn:
        runs, version = applied(conn)
        ledger = conn.execute(
            text("SELECT revision, count(*) FROM rowstamp_history GROUP BY revision")
        ).all()
        lock_table = conn.execute(text("SELECT to_regclass('rowstamp_lock')")).scalar()
    check.dispose()
    assert runs == {"a1": 1, "a2": 1, "a3": 1}
    assert version == "a3"
    assert sorted(ledger) == [("a1", 1), ("a2", 1), ("a3", 1)]
    assert lock_table  # the lock was the lock table's: the probe found the pooler


def test_a_migration_url_bypasses_the_pooler(urls: tuple[URL, URL], tmp_path: Path) -> None:
    """MIGRATION_DATABASE_URL: the run goes to the server itself, under its advisory lock
    (no lock table), while the application keeps the pooled DATABASE_URL."""
    direct, pooled = urls
    project = Project.copy(tmp_path / "project", pooled)
    chain(project)
    project.alembic(
        "upgrade", "head", MIGRATION_DATABASE_URL=direct.render_as_string(hide_password=False)
    )
    engine = create_engine(direct)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "a3"
        assert conn.execute(text("SELECT to_regclass('rowstamp_lock')")).scalar() is None
    engine.dispose()


def test_the_statement_lock_timeout_holds_per_transaction_and_leaks_to_no_one(
    urls: tuple[URL, URL],
) -> None:
    _, pooled = urls
    engine = create_engine(pooled)
    show = text("SELECT current_setting('lock_timeout')")
    with (
        engine.connect() as conn,
        migration_lock(conn, wait_seconds=0, statement_lock_timeout=1.5),
    ):
        for _ in range(3):  # every transaction, whichever server connection it gets
            assert conn.execute(show).scalar() == "1500ms"
            conn.commit()
        with engine.connect() as other:
            for _ in range(3):
                assert other.execute(show).scalar() == "0"
                other.commit()
    engine.dispose()


def test_lock_retries_hold_per_transaction_and_refuse_outside_one(
    urls: tuple[URL, URL], tmp_path: Path
) -> None:
    """``op.lock_retries`` sets lock_timeout for its block: per transaction through the
    pooler; in an autocommit block no setting survives a pooler, so it refuses."""
    _, pooled = urls
    project = Project.copy(tmp_path / "project", pooled)
    chain(project)
    retried = "    with op.lock_retries(timeout=1, attempts=2, pause=0.1):\n        {}"
    add = "op.add_column('runs', sa.Column('extra', sa.Integer))"
    write_revision(project, "a4", "a3", retried.format(add), "    op.drop_column('runs', 'extra')")
    project.alembic("upgrade", "head")
    concurrently = (
        "    with op.get_context().autocommit_block():\n"
        "        with op.lock_retries(timeout=1, attempts=2, pause=0.1):\n"
        "            op.create_index('ix_runs_name', 'runs', ['name'], "
        "postgresql_concurrently=True)"
    )
    write_revision(project, "a5", "a4", concurrently, "    op.drop_index('ix_runs_name', 'runs')")
    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "lock_timeout cannot hold for statements outside a transaction" in result.output
    assert "set MIGRATION_DATABASE_URL to a direct connection" in result.output


def test_doctor_sees_the_lock_table_holder_through_the_pooler(
    urls: tuple[URL, URL], tmp_path: Path
) -> None:
    """The lock check of ``rowstamp doctor`` asks the primitive runs take: behind the
    pooler an advisory-lock query would call a held lock free."""
    _, pooled = urls
    project = Project.copy(tmp_path / "project", pooled)
    chain(project)
    project.alembic("upgrade", "head")
    engine = create_engine(pooled)
    with engine.connect() as conn, migration_lock(conn, wait_seconds=0, statement_lock_timeout=5):
        held = project.run("rowstamp", "doctor", check=False)
    free = project.run("rowstamp", "doctor", check=False)
    engine.dispose()
    assert _check(held, "lock").startswith(
        "fail  lock      the migration lock is held (rowstamp lock "
    )
    assert _check(free, "lock").startswith("ok    lock      the migration lock is free")
    assert _check(free, "engine").startswith("warn  engine    PostgreSQL"), free.output
    assert "through a pooler; lacks session locks" in _check(free, "engine")


def _check(result: Result, name: str) -> str:
    """The doctor's line for the check ``name``."""
    return next(line for line in result.stdout.splitlines() if line.split()[1:2] == [name])
