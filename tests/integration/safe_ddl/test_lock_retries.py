"""op.lock_retries on PostgreSQL: a statement that waits for a lock gives up after the
pinned timeout and is tried again under a SAVEPOINT, so the run's transaction (what
the revision did before) survives; when every attempt fails, one line names the
session holding the lock. Other engines run the statements as they are."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tests.helpers import write_revision
from tests.project import Project

POSTGRESQL = pytest.mark.parametrize(
    "engine_name", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)

BLOCK = (
    "    op.create_table('before_block', sa.Column('id', sa.Integer, primary_key=True))\n"
    "    with op.lock_retries(timeout=0.2, attempts={attempts}, pause=0.1):\n"
    "        op.add_column('busy', sa.Column('extra', sa.Integer))\n"
    "        op.create_index('ix_busy_extra', 'busy', ['extra'])\n"
)
UNDO = (
    "    with op.lock_retries(timeout=0.2, attempts=10, pause=0.1):\n"
    "        op.drop_index('ix_busy_extra', 'busy')\n"
    "        op.drop_column('busy', 'extra')\n"
    "    op.drop_table('before_block')\n"
)


@pytest.fixture
def busy(db_url: URL, tmp_path: Path) -> Iterator[tuple[Project, URL]]:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "b1",
        None,
        "    op.create_table('busy', sa.Column('id', sa.Integer, primary_key=True))",
        "    op.drop_table('busy')",
    )
    project.alembic("upgrade", "head")
    yield project, db_url


def _holding_lock(db_url: URL, seconds: float) -> threading.Thread:
    """A session that reads ``busy`` in an open transaction for ``seconds`` (ACCESS SHARE:
    enough to make any ALTER TABLE wait)."""
    started = threading.Event()

    def hold() -> None:
        engine = create_engine(db_url)
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT count(*) FROM busy"))
                started.set()
                time.sleep(seconds)
        finally:
            engine.dispose()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(30)
    return thread


def _columns(db_url: URL) -> tuple[set[str], set[str]]:
    engine = create_engine(db_url)
    try:
        inspector = inspect(engine)
        return {c["name"] for c in inspector.get_columns("busy")}, set(inspector.get_table_names())
    finally:
        engine.dispose()


@POSTGRESQL
def test_a_statement_retried_after_lock_timeouts_keeps_the_run(
    busy: tuple[Project, URL],
) -> None:
    project, db_url = busy
    write_revision(project, "b2", "b1", BLOCK.format(attempts=30), UNDO)
    holder = _holding_lock(db_url, 1.0)  # five timeouts of 0.2 s at least
    try:
        project.alembic("upgrade", "head")
    finally:
        holder.join()
    columns, tables = _columns(db_url)
    assert "extra" in columns and "before_block" in tables  # the savepoint kept the rest
    project.alembic("downgrade", "b1")
    columns, tables = _columns(db_url)
    assert "extra" not in columns and "before_block" not in tables


@POSTGRESQL
def test_every_attempt_timing_out_is_one_line_naming_the_holder(
    busy: tuple[Project, URL],
) -> None:
    project, db_url = busy
    write_revision(project, "b2", "b1", BLOCK.format(attempts=2), UNDO)
    holder = _holding_lock(db_url, 3.0)
    try:
        result = project.alembic("upgrade", "head", check=False)
    finally:
        holder.join()
    assert result.returncode != 0
    assert "Traceback" not in result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("FAILED")]
    assert "ALTER TABLE busy ADD COLUMN extra INTEGER: waited 0.2 s for a table lock" in line
    assert "in each of 2 attempts and gave up" in line, result.output
    assert "SELECT count(*) FROM busy" in line  # the holder's query
    assert "run the migration again when that session is done" in line
    columns, tables = _columns(db_url)
    assert "extra" not in columns and "before_block" not in tables  # all rolled back


@POSTGRESQL
def test_in_an_autocommit_block_a_statement_is_run_again(busy: tuple[Project, URL]) -> None:
    """No transaction to keep there: each attempt is its own transaction."""
    project, db_url = busy
    autocommit = (
        "    with op.get_context().autocommit_block(),"
        " op.lock_retries(timeout=0.2, attempts=30, pause=0.1):\n"
        "        op.add_column('busy', sa.Column('extra', sa.Integer))\n"
    )
    write_revision(project, "b2", "b1", autocommit, "    op.drop_column('busy', 'extra')")
    holder = _holding_lock(db_url, 1.0)
    try:
        project.alembic("upgrade", "head")
    finally:
        holder.join()
    assert "extra" in _columns(db_url)[0]


def test_other_engines_run_the_block_as_it_is(engine_name: str, busy: tuple[Project, URL]) -> None:
    if engine_name == "postgresql":
        pytest.skip("the retries are PostgreSQL's (tests above)")
    project, db_url = busy
    write_revision(project, "b2", "b1", BLOCK.format(attempts=1), UNDO)
    project.alembic("upgrade", "head")
    columns, tables = _columns(db_url)
    assert "extra" in columns and "before_block" in tables
    project.alembic("downgrade", "b1")
    assert "extra" not in _columns(db_url)[0]
