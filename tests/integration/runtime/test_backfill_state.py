"""What rowstamp says about an unfinished ``op.backfill`` after a SIGKILL of a real
``alembic upgrade``: the next run's interruption line, ``rowstamp status`` and
``rowstamp doctor`` name the table, the revision, how far it got and when, on every
engine."""

from __future__ import annotations

import signal
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import URL

from rowstamp.runtime.backfill import progress_table
from tests.helpers import BIN, interruptible, write_revision
from tests.integration.runtime.test_backfill import _items_revision, _query, _wait_for
from tests.project import Project


def _killed_backfill(
    project: Project,
    db_url: URL,
    rows: int = 60,
    command: tuple[str, ...] = ("alembic", "upgrade", "head"),
    how: signal.Signals = signal.SIGKILL,
) -> tuple[int, str]:
    """b1 makes ``items`` (applied); one run of b2 (adds a column) and b3 (backfills it)
    stopped by ``how`` after >= 15 rows. Returns the rows the progress row says were
    walked, and what the run printed."""
    _items_revision(project, rows)
    project.alembic("upgrade", "head")
    write_revision(
        project,
        "b2",
        "b1",
        "    op.add_column('items', sa.Column('flag', sa.Integer))",
        "    op.drop_column('items', 'flag')",
    )
    write_revision(
        project,
        "b3",
        "b2",
        "    op.backfill('items', values={'flag': sa.column('n') + 1}, batch_size=5,\n"
        "                sleep_between_batches=float(os.environ.get('PAUSE', '0')))",
        "    pass",
    )
    child = subprocess.Popen(
        [str(BIN / command[0]), *command[1:]],
        cwd=project.root,
        env=project.env(PAUSE="0.3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=interruptible,
    )
    try:
        _wait_for(
            child,
            db_url,
            "SELECT rows_walked FROM rowstamp_backfill",
            lambda rows: rows[0][0] >= 15,
        )
    finally:
        child.send_signal(how)
        output = child.communicate(timeout=60)[0].decode()
    [(walked,)] = _query(db_url, "SELECT rows_walked FROM rowstamp_backfill")
    return int(walked), output  # type: ignore[call-overload]


def _times(db_url: URL) -> list[tuple[datetime, datetime]]:
    """The progress rows' times, as the column type reads them (SQLite keeps text)."""
    progress, engine = progress_table(), create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [
                (row.started_at, row.last_batch_at)
                for row in conn.execute(select(progress.c.started_at, progress.c.last_batch_at))
            ]
    finally:
        engine.dispose()


def test_the_next_run_says_the_killed_backfills_batches_are_kept(
    db_url: URL, tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    walked, _ = _killed_backfill(project, db_url)
    assert _query(db_url, "SELECT count(*) FROM items WHERE flag IS NOT NULL") == [(walked,)]

    result = project.alembic("upgrade", "head")
    [line] = [line for line in result.output.splitlines() if "was interrupted" in line]
    assert "upgrade of revision b3 started" in line
    assert "rolled back" not in line
    assert (
        f"its backfill of items committed {walked} rows (through key [{walked}]) before it "
        "stopped; they are kept"
    ) in line
    assert line.endswith(f"the database is at b2; running it again continues after key [{walked}]")
    assert _query(db_url, "SELECT count(*) FROM items WHERE flag = n + 1") == [(60,)]


def test_ctrl_c_during_a_backfill_says_its_batches_are_kept(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    walked, output = _killed_backfill(
        project, db_url, command=("rowstamp", "upgrade"), how=signal.SIGINT
    )
    [line] = [line for line in output.splitlines() if "was interrupted" in line]
    assert line == (
        "rowstamp: error: upgrade of revision b3 (Step b3) was interrupted (Ctrl-C); its "
        f"backfill of items committed {walked} rows (through key [{walked}]) before it "
        "stopped; they are kept, and so is everything the run did before the backfill "
        "started; the database is at b2; continue with: alembic upgrade head (the backfill "
        f"continues after key [{walked}])"
    )
    assert _query(db_url, "SELECT count(*) FROM items WHERE flag IS NOT NULL") == [(walked,)]


def test_status_and_doctor_describe_the_unfinished_backfill(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    walked, _ = _killed_backfill(project, db_url)
    [(started, last)] = _times(db_url)
    when = f"last batch {last:%Y-%m-%d %H:%M:%S} UTC, started {started:%H:%M:%S} UTC"
    described = (
        f"items (revision b3): {walked} of 60 rows walked ({100 * walked / 60:.0f}%), "
        f"{walked} updated, through key [{walked}]; {when}"
    )

    status = project.run("rowstamp", "status").stdout.splitlines()
    at = status.index("Backfills:   1 unfinished (rowstamp upgrade continues them)")
    assert status[at + 1] == f"  {described}"

    doctor = project.run("rowstamp", "doctor", check=False)
    lines = doctor.stdout.splitlines()
    [at] = [i for i, line in enumerate(lines) if "backfill" in line and "unfinished" in line]
    assert lines[at].split() == ["warn", "backfill", "unfinished:", *described.split()]
    assert lines[at + 1].split() == [
        "fix:",
        "continue",
        "it:",
        "rowstamp",
        "upgrade",
        "(it",
        "resumes",
        "after",
        "key",
        f"[{walked}])",
    ]

    project.alembic("upgrade", "head")
    assert "Backfills" not in project.run("rowstamp", "status").stdout
    doctor = project.run("rowstamp", "doctor", check=False).stdout
    assert [line.split() for line in doctor.splitlines() if " backfill " in line] == [
        ["ok", "backfill", "no", "unfinished", "backfill"]
    ]


def test_a_backfill_killed_before_its_first_batch_says_the_run_so_far_is_kept(
    db_url: URL, tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _items_revision(project, 10)
    project.alembic("upgrade", "head")
    write_revision(
        project,
        "b2",
        "b1",
        "    op.add_column('items', sa.Column('flag', sa.Integer))",
        "    op.drop_column('items', 'flag')",
    )
    write_revision(  # the replicas "lag" while LAG is set: no batch starts
        project,
        "b3",
        "b2",
        "    op.backfill('items', values={'flag': 1}, replication_lag_limit=1.0,\n"
        "                max_replication_lag=lambda: float(os.environ.get('LAG', '0')))",
        "    pass",
    )
    child = subprocess.Popen(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=project.root,
        env=project.env(LAG="99"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(child, db_url, "SELECT rows_total FROM rowstamp_backfill", lambda rows: rows)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    assert _query(db_url, "SELECT version_num FROM alembic_version") == [("b2",)]

    result = project.alembic("upgrade", "head")
    [line] = [line for line in result.output.splitlines() if "was interrupted" in line]
    assert "rolled back" not in line
    assert line.endswith(
        "(the process ended without finishing it); its backfill of items had started but "
        "committed no batch; everything the run did before the backfill started is kept; "
        "the database is at b2; running it again"
    )
    assert _query(db_url, "SELECT count(*) FROM items WHERE flag = 1") == [(10,)]
