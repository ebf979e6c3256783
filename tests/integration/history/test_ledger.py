"""The ledger (``rowstamp_history``): written by plain ``alembic`` runs through env.py,
one row per step, with how each step ended, also when the process was killed."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from rowstamp.history.checksum import checksum
from rowstamp.history.ledger import Entry, Ledger, file_sha
from tests.helpers import CREATE_T3, DROP_T3, SLEEP, simple_chain, write_revision
from tests.project import Project


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    simple_chain(project)
    return project


def _entries(db_url: URL, name: str = "rowstamp_history") -> list[Entry]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return Ledger(name).entries(connection)
    finally:
        engine.dispose()


def _steps(entries: list[Entry]) -> list[tuple[str, str, str]]:
    return [(e.revision, e.direction, e.status) for e in entries]


def test_plain_alembic_writes_one_row_per_step(project: Project, db_url: URL) -> None:
    project.alembic("upgrade", "head", ROWSTAMP_GIT_COMMIT="c0ffee")
    project.alembic("downgrade", "-1", ROWSTAMP_GIT_COMMIT="c0ffee")
    stamped = project.alembic("stamp", "head", ROWSTAMP_GIT_COMMIT="c0ffee").output
    assert "Stamped b2 Step b2" in stamped and "Applied" not in stamped  # nothing ran
    entries = _entries(db_url)
    assert _steps(entries) == [
        ("b1", "upgrade", "done"),
        ("b2", "upgrade", "done"),
        ("b2", "downgrade", "done"),
        ("b2", "stamp", "done"),
    ]
    b1 = entries[0]
    path = next(project.root.glob("alembic/versions/b1_*.py"))
    assert b1.checksum == checksum(path) and b1.file_sha == file_sha(path)
    assert b1.finished_at is not None and b1.started_at <= b1.finished_at
    assert b1.started_at.utcoffset() is not None and b1.started_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert b1.seconds is not None  # recorded (its size is for bench/, not a test)
    assert b1.git_commit == "c0ffee" and b1.os_user and b1.client_host
    assert b1.db_user == db_url.username
    assert b1.rowstamp_version and b1.alembic_version
    assert entries[3].note == "stamped to b2"


def test_each_step_of_a_run_keeps_its_own_end_and_checksum(project: Project, db_url: URL) -> None:
    """PostgreSQL's whole-run transaction writes every ``done`` row at the run's end, in
    one statement: each row must still hold its own step's end, duration and checksum."""
    write_revision(project, "b3", "b2", CREATE_T3 + "    time.sleep(0.3)\n", DROP_T3)
    project.alembic("upgrade", "head")
    entries = _entries(db_url)
    assert _steps(entries) == [(f"b{i}", "upgrade", "done") for i in (1, 2, 3)]
    for entry in entries:
        path = next(project.root.glob(f"alembic/versions/{entry.revision}_*.py"))
        assert entry.checksum == checksum(path)
        assert entry.finished_at is not None and entry.seconds is not None
        assert entry.started_at <= entry.finished_at
    b1, b2, b3 = entries
    assert b1.finished_at <= b2.started_at and b2.finished_at <= b3.started_at  # type: ignore[operator]
    # lower bounds only, each set by the revision's own sleep (no upper bound on a step's
    # time): b2's end is its own, not the run's end, since b3 began after it and slept
    assert b3.seconds >= 0.3  # type: ignore[operator]
    assert (b3.finished_at - b2.finished_at).total_seconds() >= 0.3  # type: ignore[operator]


def test_the_ledger_is_not_a_model_change(project: Project, db_url: URL) -> None:
    project.alembic("upgrade", "head")
    check = project.alembic("check", check=False)  # simple_chain's tables are not the models
    assert "Detected removed table 'things'" in check.output
    assert "rowstamp_history" not in check.output


def test_a_ledger_turned_off_later_is_still_not_a_model_change(
    project: Project, db_url: URL
) -> None:
    project.alembic("upgrade", "head")
    ini = project.root / "alembic.ini"
    text_ = ini.read_text(encoding="utf-8")
    ini.write_text(text_.replace("[rowstamp]\n", "[rowstamp]\nledger_table = off\n"))
    check = project.alembic("check", check=False)
    assert "Detected removed table 'things'" in check.output
    assert "rowstamp_history" not in check.output


def test_a_project_may_rename_the_ledger_or_keep_none(project: Project, db_url: URL) -> None:
    ini = project.root / "alembic.ini"
    text_ = ini.read_text(encoding="utf-8")
    ini.write_text(text_.replace("[rowstamp]\n", "[rowstamp]\nledger_table = migration_log\n"))
    project.alembic("upgrade", "b1")
    assert _steps(_entries(db_url, "migration_log")) == [("b1", "upgrade", "done")]
    ini.write_text(text_.replace("[rowstamp]\n", "[rowstamp]\nledger_table = off\n"))
    project.alembic("upgrade", "head")
    assert _steps(_entries(db_url, "migration_log")) == [("b1", "upgrade", "done")]
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert not inspect(connection).has_table("rowstamp_history")
    engine.dispose()


def test_a_ledger_name_that_needs_quoting_is_written_as_named(
    project: Project, db_url: URL
) -> None:
    """The rows are sent as the driver's own SQL (``history/prepared.py``): upper case, a
    space and a percent sign (the driver's placeholder character on PostgreSQL and
    MariaDB) must reach the table as named."""
    ini = project.root / "alembic.ini"
    text_ = ini.read_text(encoding="utf-8")
    ini.write_text(text_.replace("[rowstamp]\n", "[rowstamp]\nledger_table = Migration Log%%\n"))
    project.alembic("upgrade", "head")
    project.alembic("downgrade", "-1")
    entries = _entries(db_url, "Migration Log%")
    assert _steps(entries) == [
        ("b1", "upgrade", "done"),
        ("b2", "upgrade", "done"),
        ("b2", "downgrade", "done"),
    ]
    assert all(e.finished_at is not None and e.checksum for e in entries)
    assert entries[0].started_at.utcoffset() is not None


def test_a_failed_run_says_so_in_the_ledger(project: Project, db_url: URL) -> None:
    project.alembic("upgrade", "b2")
    write_revision(project, "b3", "b2", CREATE_T3, DROP_T3)
    write_revision(project, "b4", "b3", "    op.execute('SELECT * FROM nowhere')", "    pass")
    assert project.alembic("upgrade", "head", check=False).returncode != 0
    entries = _entries(db_url)
    whole_run = db_url.get_backend_name() == "postgresql"  # one transaction for the run
    assert _steps(entries)[2:] == [
        ("b3", "upgrade", "failed" if whole_run else "done"),
        ("b4", "upgrade", "failed"),
    ]
    assert entries[3].note is not None and "nowhere" in entries[3].note
    if whole_run:
        assert entries[2].note == ("rolled back with the run's transaction when revision b4 failed")
    engine = create_engine(db_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == ("b2" if whole_run else "b3")


def test_a_killed_run_is_named_by_the_next_one(project: Project, db_url: URL) -> None:
    project.alembic("upgrade", "head")
    mark = project.root / "ddl-done"
    write_revision(project, "b3", "b2", CREATE_T3 + SLEEP, DROP_T3)
    _upgrade_killed_at_mark(project, mark)
    assert _steps(_entries(db_url))[-1] == ("b3", "upgrade", "running")

    rerun = project.alembic("upgrade", "head", check=False, MARK=str(mark))
    started = "upgrade of revision b3 started "
    assert started in rerun.output
    assert "was interrupted (the process ended without finishing it)" in rerun.output
    if _is_mariadb(db_url):  # DDL committed: the next run says what is left, then tries
        assert (
            "revision b3 is half-applied; the database is at b2; everything it creates "
            "exists: table t3, index ix_t3_name on t3; running it again"
        ) in rerun.output
        [line] = [line for line in rerun.output.splitlines() if line.startswith("FAILED")]
        assert "already exists" in line and "finish with: alembic stamp b3" in line
        project.alembic("stamp", "b3")
    else:
        assert rerun.returncode == 0, rerun.output
        assert "was rolled back; the database is at b2; running it again" in rerun.output
    entries = _entries(db_url)
    interrupted = [e for e in entries if e.status == "interrupted"]
    assert [(e.revision, e.note) for e in interrupted] == [("b3", "found running by a later run")]
    assert interrupted[0].finished_at is None and interrupted[0].seconds is None  # unknown
    assert _steps(entries)[-1][1:] == ("stamp" if _is_mariadb(db_url) else "upgrade", "done")
    assert started not in project.alembic("upgrade", "head").output  # said once


def _is_mariadb(db_url: URL) -> bool:
    return db_url.get_backend_name() == "mariadb"


def test_a_run_killed_in_its_second_step_names_that_step(project: Project, db_url: URL) -> None:
    """With a transaction per step (SQLite), a step's ``running`` row is written in the
    previous step's transaction, so it commits with it: a kill in the second step of a
    run finds it. In PostgreSQL's whole-run transaction both steps are undone."""
    project.alembic("upgrade", "head")
    mark = project.root / "sleeping"
    create_t4 = "    op.create_table('t4', sa.Column('id', sa.Integer, primary_key=True))"
    write_revision(project, "b3", "b2", create_t4, "    op.drop_table('t4')")
    write_revision(project, "b4", "b3", SLEEP + CREATE_T3, DROP_T3)  # killed before its DDL
    _upgrade_killed_at_mark(project, mark)
    whole_run = db_url.get_backend_name() == "postgresql"
    assert _steps(_entries(db_url))[2:] == [
        ("b3", "upgrade", "running" if whole_run else "done"),
        ("b4", "upgrade", "running"),
    ]

    rerun = project.alembic("upgrade", "head", check=False, MARK=str(mark))
    assert rerun.returncode == 0, rerun.output
    assert "upgrade of revision b4 started " in rerun.output
    assert ("upgrade of revision b3 started " in rerun.output) is whole_run
    entries = _entries(db_url)
    again = ["b3", "b4"] if whole_run else ["b4"]
    assert [e.revision for e in entries if e.status == "interrupted"] == again
    assert _steps(entries)[-len(again) :] == [(r, "upgrade", "done") for r in again]
    assert all(e.status in ("done", "interrupted") for e in entries)


def _upgrade_killed_at_mark(project: Project, mark: Path) -> None:
    """``alembic upgrade head``, SIGKILLed once a revision wrote ``mark`` (``SLEEP``)."""
    process = subprocess.Popen(
        ["alembic", "upgrade", "head"],
        cwd=project.root,
        env=project.env(MARK=str(mark)),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not mark.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert mark.exists(), process.communicate()
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
