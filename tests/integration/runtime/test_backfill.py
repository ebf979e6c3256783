"""``op.backfill``: batches along the primary key outside the revision's transaction,
resumable after a SIGKILL of a real ``alembic upgrade``, on every engine."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from rowstamp.runtime.backfill import progress_table
from tests.helpers import BIN, write_revision
from tests.project import Project

ITEMS = (
    "    op.create_table('items', sa.Column('id', sa.Integer, primary_key=True,"
    " autoincrement=False),\n"
    "                    sa.Column('n', sa.Integer, nullable=False),\n"
    "                    sa.Column('label', sa.String(20)))\n"
    "    op.execute('INSERT INTO items (id, n) VALUES ' +"
    " ', '.join(f'({i}, 0)' for i in range(1, {rows})))\n"
)


def _items_revision(project: Project, rows: int) -> None:
    write_revision(
        project, "b1", None, ITEMS.replace("{rows}", str(rows + 1)), "    op.drop_table('items')"
    )


def _query(db_url: URL, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _has_progress_table(db_url: URL) -> bool:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("rowstamp_backfill")
    finally:
        engine.dispose()


def test_a_backfill_updates_the_matching_rows_in_batches(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _items_revision(project, 25)
    write_revision(
        project,
        "b2",
        "b1",
        "    op.add_column('items', sa.Column('flag', sa.Integer))\n"
        "    op.backfill('items', values={'n': sa.column('n') + 1, 'label': 'x', 'flag': 1},\n"
        "                where='id % 5 <> 0', batch_size=7)",
        "    op.drop_column('items', 'flag')",
    )
    result = project.alembic("upgrade", "head")
    assert "backfill items: 25 rows to walk in batches of 7" in result.output
    assert "backfill items: 7 of 25 rows walked (28%), 6 updated" in result.output
    assert "backfill items: done, 25 rows walked, 20 updated in 4 batches" in result.output
    rows = _query(db_url, "SELECT id, n, label, flag FROM items ORDER BY id")
    assert rows == [(i, 0, None, None) if i % 5 == 0 else (i, 1, "x", 1) for i in range(1, 26)]
    assert not _has_progress_table(db_url)
    assert _query(db_url, "SELECT version_num FROM alembic_version") == [("b2",)]


def test_a_backfill_walks_a_composite_string_key(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "b1",
        None,
        "    op.create_table('codes', sa.Column('region', sa.String(8), primary_key=True),\n"
        "                    sa.Column('num', sa.Integer, primary_key=True,"
        " autoincrement=False),\n"
        "                    sa.Column('n', sa.Integer, nullable=False))\n"
        "    op.execute('INSERT INTO codes (region, num, n) VALUES ' + ', '.join(\n"
        "        f\"('{r}', {i}, 0)\" for r in ('eu', 'us', 'ap') for i in range(1, 5)))\n"
        "    op.backfill('codes', values={'n': sa.column('n') + 1}, batch_size=5)",
        "    op.drop_table('codes')",
    )
    result = project.alembic("upgrade", "head")
    assert "backfill codes: done, 12 rows walked, 12 updated in 3 batches" in result.output
    assert _query(db_url, "SELECT DISTINCT n FROM codes") == [(1,)]


def test_a_key_it_cannot_walk_is_refused_in_one_line(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "b1",
        None,
        "    op.create_table('days', sa.Column('day', sa.Date, primary_key=True),\n"
        "                    sa.Column('n', sa.Integer))\n"
        "    op.backfill('days', values={'n': 1})",
        "    op.drop_table('days')",
    )
    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert "op.backfill cannot walk days: its key column day is DATE" in line
    assert "only integer and string keys are walked; update it with op.execute" in line


def test_sleep_and_the_replication_lag_hook_hold_batches_back(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _items_revision(project, 4)
    write_revision(
        project,
        "b2",
        "b1",
        "    readings = iter([3.0, 2.0])\n"
        "    op.backfill('items', values={'n': 1}, batch_size=2, sleep_between_batches=0.01,\n"
        "                max_replication_lag=lambda: next(readings, 0.0),"
        " replication_lag_limit=1.5)",
        "    pass",
    )
    result = project.alembic("upgrade", "head")
    assert "replication lag 3.0 s is above 1.5 s, waiting" in result.output
    assert "replication lag 2.0 s is above 1.5 s, waiting" in result.output
    assert "done, 4 rows walked, 4 updated in 3 batches" in result.output


def _wait_for(
    child: subprocess.Popen[bytes], db_url: URL, sql: str, predicate: object, seconds: float = 120
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(f"alembic upgrade ended first: {child.communicate()[0]!r}")
        try:
            rows = _query(db_url, sql)
        except Exception:  # the progress table does not exist yet
            rows = []
        if rows and predicate(rows):  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {sql}")


def test_a_killed_backfill_resumes_without_redoing_a_batch(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _items_revision(project, 60)
    project.alembic("upgrade", "head")
    write_revision(
        project,
        "b2",
        "b1",
        "    op.backfill('items', values={'n': sa.column('n') + 1}, batch_size=5,\n"
        "                sleep_between_batches=float(os.environ.get('PAUSE', '0')))",
        "    pass",
    )
    child = subprocess.Popen(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=project.root,
        env=project.env(PAUSE="0.3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(
            child,
            db_url,
            "SELECT rows_walked FROM rowstamp_backfill",
            lambda rows: rows[0][0] >= 15,
        )
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    [(last_key, walked_)] = _query(db_url, "SELECT last_key, rows_walked FROM rowstamp_backfill")
    walked = int(walked_)  # type: ignore[call-overload]
    assert 15 <= walked < 60
    # What committed is exactly the batches the progress row counts: no half batch.
    assert _query(db_url, "SELECT count(*) FROM items WHERE n = 1") == [(walked,)]
    assert _query(db_url, "SELECT max(id) FROM items WHERE n = 1") == [(walked,)]
    assert last_key == f"[{walked}]"
    assert _query(db_url, "SELECT version_num FROM alembic_version") == [("b1",)]

    result = project.alembic("upgrade", "head")
    assert (
        f"backfill items: {60 - walked} rows to walk in batches of 5, resuming after key "
        f"[{walked}] ({walked} rows walked before)"
    ) in result.output
    # n = n + 1 run twice on a row would leave 2: every row was updated exactly once.
    assert _query(db_url, "SELECT n, count(*) FROM items GROUP BY n") == [(1, 60)]
    assert not _has_progress_table(db_url)
    assert _query(db_url, "SELECT version_num FROM alembic_version") == [("b2",)]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_offline_sql_is_one_update_with_a_comment(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _items_revision(project, 3)
    write_revision(
        project,
        "b2",
        "b1",
        "    op.backfill('items', values={'label': 'x'}, where='label IS NULL', batch_size=500)",
        "    pass",
    )
    result = project.alembic("upgrade", "b1:b2", "--sql")
    assert (
        "-- rowstamp op.backfill of items, written as ONE update for --sql; online it runs "
        "in batches of 500 rows along the primary key;\n\n"
        "UPDATE items SET label='x' WHERE label IS NULL;"
    ) in result.stdout


def test_autogenerate_leaves_an_unfinished_backfill_alone(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    try:
        progress_table().create(engine)
    finally:
        engine.dispose()
    result = project.alembic("check", check=False)
    assert result.returncode == 0, result.output
    assert "No new upgrade operations detected" in result.output


def test_rowstamp_upgrade_prints_the_progress_lines(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _items_revision(project, 10)
    write_revision(
        project, "b2", "b1", "    op.backfill('items', values={'n': 1}, batch_size=4)", "    pass"
    )
    lines = project.run("rowstamp", "upgrade").stdout.splitlines()
    assert "backfill items: 10 rows to walk in batches of 4" in lines
    assert [line for line in lines if "4 of 10 rows walked (40%), 4 updated" in line]
    assert [line for line in lines if line.startswith("backfill items: done, 10 rows walked")]
