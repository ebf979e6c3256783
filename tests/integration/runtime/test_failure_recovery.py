"""Failure and recovery: a revision that fails, is interrupted or is killed half-way
leaves the state the report says it does. SQLite and PostgreSQL roll the revision
back, DDL included; MariaDB commits DDL at once, so its report lists what of the
revision exists, checked in the catalog, and the statements that undo it."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tests.helpers import CREATE_T3, DROP_T3, SLEEP, interruptible, simple_chain, write_revision
from tests.project import Project


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    simple_chain(project)
    project.alembic("upgrade", "head")
    return project


def _state(db_url: URL) -> tuple[str | None, set[str]]:
    """The version table's revision and the tables, read on a fresh connection."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    return version, tables


def _error_lines(output: str) -> list[str]:
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    return [line for line in output.splitlines() if "FAILED" in line or "error:" in line]


def _rolls_back(db_url: URL) -> bool:
    return db_url.get_backend_name() != "mariadb"


def _assert_reported(line: str, db_url: URL) -> None:
    """The one line says the state that ``_state`` finds."""
    if db_url.get_backend_name() == "postgresql":
        assert "everything this run did was rolled back; the database is at b2" in line
    elif _rolls_back(db_url):
        assert "revision b3 was rolled back; the database is at b2" in line
    else:
        assert "revision b3 is half-applied; the database is at b2" in line
        assert "exists: table t3, index ix_t3_name on t3" in line
        assert "undo with: DROP INDEX ix_t3_name ON t3; DROP TABLE t3;" in line
        assert "then: alembic upgrade head" in line


def test_a_revision_failing_after_its_ddl_reports_the_true_state(
    project: Project, db_url: URL
) -> None:
    write_revision(
        project, "b3", "b2", CREATE_T3 + "    op.execute('SELECT * FROM nowhere')", DROP_T3
    )
    result = project.alembic("upgrade", "head", check=False)
    [line] = _error_lines(result.output)
    assert result.returncode != 0
    assert line.startswith("FAILED: upgrade of revision b3 (Step b3) failed:")
    _assert_reported(line, db_url)
    version, tables = _state(db_url)
    assert version == "b2"
    assert ("t3" in tables) is not _rolls_back(db_url)

    if not _rolls_back(db_url):  # the rerun meets what the first run left: the same report
        rerun = project.alembic("upgrade", "head", check=False)
        [again] = _error_lines(rerun.output)
        assert "already exists" in again
        _assert_reported(again, db_url)
        undo = again.split("undo with: ")[1].split("; then:")[0]
        engine = create_engine(db_url)
        with engine.begin() as conn:
            for statement in undo.split("; "):
                conn.execute(text(statement.rstrip(";")))
        engine.dispose()
    write_revision(project, "b3", "b2", CREATE_T3, DROP_T3)
    project.alembic("upgrade", "head")
    assert _state(db_url) == ("b3", _state(db_url)[1]) and "t3" in _state(db_url)[1]


def _interrupted(
    project: Project, command: list[str], sig: int
) -> subprocess.CompletedProcess[str]:
    mark = project.root / "ddl-done"
    write_revision(project, "b3", "b2", CREATE_T3 + SLEEP, DROP_T3)
    process = subprocess.Popen(
        command,
        cwd=project.root,
        env=project.env(MARK=str(mark)),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 60
    while not mark.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert mark.exists(), process.communicate()
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_ctrl_c_mid_revision_prints_one_line_with_the_true_state(
    project: Project, db_url: URL
) -> None:
    done = _interrupted(project, ["alembic", "upgrade", "head"], signal.SIGINT)
    [line] = _error_lines(done.stdout + done.stderr)
    assert line.startswith("FAILED: upgrade of revision b3 (Step b3) was interrupted (Ctrl-C)")
    _assert_reported(line, db_url)
    assert done.returncode == 255  # Alembic's exit code after its FAILED line
    version, tables = _state(db_url)
    assert version == "b2" and ("t3" in tables) is not _rolls_back(db_url)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_ctrl_c_under_rowstamp_prints_the_same_line_and_exits_130(
    project: Project, db_url: URL
) -> None:
    done = _interrupted(project, ["rowstamp", "upgrade"], signal.SIGINT)
    [line] = _error_lines(done.stdout + done.stderr)
    assert line.startswith("rowstamp: error: upgrade of revision b3 (Step b3) was interrupted")
    _assert_reported(line, db_url)
    assert done.returncode == 130


@pytest.mark.parametrize("engine_name", ["sqlite", "mariadb"], indirect=True)  # PG: test_safe_apply
def test_a_revision_killed_mid_way_resumes_or_says_how(project: Project, db_url: URL) -> None:
    done = _interrupted(project, ["alembic", "upgrade", "head"], signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    version, tables = _state(db_url)
    assert version == "b2" and ("t3" in tables) is not _rolls_back(db_url)
    mark = str(project.root / "ddl-done")
    if not _rolls_back(db_url):  # everything of b3 exists, only its stamp is missing
        rerun = project.alembic("upgrade", "head", check=False, MARK=mark)
        [line] = _error_lines(rerun.output)
        assert "already exists" in line
        assert (
            "revision b3 is half-applied; the database is at b2; everything it creates "
            "exists: table t3, index ix_t3_name on t3; finish with: alembic stamp b3"
        ) in line
        project.alembic("stamp", "b3", MARK=mark)
    project.alembic("upgrade", "head", MARK=mark)
    assert _state(db_url)[0] == "b3"


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_batch_rebuild_that_fails_next_to_a_view_is_rolled_back(
    project: Project, db_url: URL
) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO things (id, label) VALUES (1, 'kept')"))
        conn.execute(text("CREATE VIEW things_v AS SELECT id, label FROM things"))
    write_revision(
        project,
        "b3",
        "b2",
        "    with op.batch_alter_table('things', recreate='always') as batch:\n"
        "        batch.add_column(sa.Column('n', sa.Integer))",
        "    pass",
    )
    result = project.alembic("upgrade", "head", check=False)
    [line] = _error_lines(result.output)
    assert "error in view things_v" in line
    assert "revision b3 was rolled back; the database is at b2" in line
    version, tables = _state(db_url)
    assert version == "b2" and not any(t.startswith("_alembic_tmp") for t in tables)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT label FROM things_v")).scalar() == "kept"
        assert [c["name"] for c in inspect(conn).get_columns("things")] == ["id", "label"]
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_an_engine_handed_in_gets_transactional_ddl_too(db_url: URL, tmp_path: Path) -> None:
    """pytest-alembic and ``rowstamp test`` hand env.py an Engine, not a URL."""
    from rowstamp.commands import load_config
    from rowstamp.testing.base import CheckFailed, MigrationRun

    project = Project.copy(tmp_path / "project", db_url)
    simple_chain(project)
    write_revision(
        project, "b3", "b2", CREATE_T3 + "    op.execute('SELECT * FROM nowhere')", DROP_T3
    )
    engine = create_engine(db_url)
    run = MigrationRun(load_config(project.root / "alembic.ini"), engine)
    with pytest.raises(CheckFailed, match="no such table: nowhere"):
        run.upgrade("head")
    engine.dispose()
    assert _state(db_url) == ("b2", {"alembic_version", "rowstamp_history", "things"})


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_a_half_applied_downgrade_says_what_it_dropped(project: Project, db_url: URL) -> None:
    write_revision(
        project, "b3", "b2", CREATE_T3, DROP_T3 + "\n    op.execute('SELECT * FROM nowhere')"
    )
    project.alembic("upgrade", "head")
    [line] = _error_lines(project.alembic("downgrade", "-1", check=False).output)
    assert line.startswith("FAILED: downgrade of revision b3 (Step b3) failed:")
    assert (
        "revision b3 is half-applied; the database is at b3; dropped: index ix_t3_name "
        "on t3, table t3; not done or not checked: ExecuteSQL"
    ) in line
    assert (
        "only the backup has: restore it, or finish the revision by hand and run: "
        "alembic stamp b2" in line
    )
    assert _state(db_url) == ("b3", {"alembic_version", "rowstamp_history", "things"})
