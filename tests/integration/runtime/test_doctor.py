"""``rowstamp doctor`` on every engine: green on a healthy database, and the right fail
line after a trigger dropped by hand, a trigger that writes local time, a dropped
column; the trigger test leaves no trace (it is rolled back)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from rowstamp.runtime.backup import backup_directory_problems
from rowstamp.runtime.lock import migration_lock
from tests.integration.autogen.test_trigger_upgrade import pinned as pinned_trigger
from tests.project import FIRST_ID, POSTS, POSTS_WITHOUT_AUTHOR, REPO, Project, Result

V4 = pinned_trigger(4)

_DROP_TRIGGER = {
    "sqlite": ["DROP TRIGGER update_timestamp_users"],
    "postgresql": ["DROP TRIGGER update_timestamp ON users"],
    "mariadb": ["DROP TRIGGER update_timestamp_users"],
}

# A trigger that writes the session's local time. PostgreSQL's columns are timestamptz,
# where a plain ``localtimestamp`` is converted back with the same session zone (so it is
# still the right instant); the bug that survives there is local wall time taken as UTC.
_LOCAL_TIME_TRIGGER = {
    "sqlite": [
        "DROP TRIGGER update_timestamp_users",
        "CREATE TRIGGER update_timestamp_users AFTER UPDATE ON users FOR EACH ROW "
        "WHEN NEW.updated_at IS NOT strftime('%Y-%m-%d %H:%M:%f000', 'now', 'localtime') "
        "BEGIN UPDATE users SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now', "
        "'localtime') WHERE rowid = NEW.rowid; END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.updated_at := localtimestamp AT TIME ZONE 'UTC'; RETURN NEW; END $$",
    ],
    "mariadb": [
        "DROP TRIGGER update_timestamp_users",
        "CREATE TRIGGER update_timestamp_users BEFORE UPDATE ON users "
        "FOR EACH ROW SET NEW.updated_at = NOW(6)",
    ],
}


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    project.run("rowstamp", "upgrade", "--no-report")
    return project


@pytest.fixture
def database(db_url: URL) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


def _doctor(project: Project, *args: str) -> Result:
    return project.run("rowstamp", "doctor", *args, check=False)


def _by_hand(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def _state(engine: Engine) -> tuple[object, ...]:
    """The catalog with every definition, the ledger's rows and the users' rows."""
    with engine.connect() as connection:
        return (
            for_dialect(connection.dialect).catalog_objects(connection),
            connection.execute(text("SELECT * FROM rowstamp_history ORDER BY id")).all(),
            connection.execute(text("SELECT * FROM users ORDER BY id")).all(),
        )


def _lines(result: Result, status: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(status)]


def test_green_on_a_healthy_database_and_nothing_is_left(
    project: Project, database: Engine
) -> None:
    past = datetime(2001, 2, 3, 4, 5, 6)
    with database.begin() as connection:
        connection.execute(
            text("INSERT INTO users (name, email, updated_at) VALUES ('a', 'a@x.org', :t)"),
            {"t": past},
        )
    before = _state(database)
    result = _doctor(project)
    assert result.returncode == 0, result.output
    assert _lines(result, "fail") == [] and _lines(result, "warn") == [], result.output
    assert _state(database) == before  # no DDL, and no row of the ledger or users changed
    for line in (
        "revision  at head",
        "ledger    the ledger agrees with the migration files",
        "columns   1 table has the five columns",
        "trigger   fires on 1 table",
        "utc       UTC with the session at +05:00",
        "drift     the database matches the models",
        "lock      the migration lock is free",
    ):
        assert any(line in out for out in _lines(result, "ok")), (line, result.output)
    with database.connect() as connection:
        rows = connection.execute(text("SELECT name, updated_at FROM users")).all()
    assert [(name, str(stamp)[:19]) for name, stamp in rows] == [("a", "2001-02-03 04:05:06")]


def test_an_empty_table_gets_a_test_row_that_is_rolled_back(
    project: Project, database: Engine
) -> None:
    result = _doctor(project, "--format", "json")
    assert result.returncode == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert {"check": "trigger", "status": "ok", "detail": "fires on 1 table", "fix": ""} in (
        report["checks"]
    )
    with database.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 0


def test_a_trigger_dropped_by_hand_fails(
    project: Project, database: Engine, engine_name: str
) -> None:
    _by_hand(database, _DROP_TRIGGER[engine_name])
    result = _doctor(project)
    assert result.returncode == 1, result.output
    assert any(
        "trigger   users: has no updated_at trigger" in line for line in _lines(result, "fail")
    ), result.output
    assert 'fix: put the trigger back with a migration: rowstamp new "' in result.stdout


def test_a_trigger_that_writes_local_time_fails(
    project: Project, database: Engine, engine_name: str
) -> None:
    _by_hand(database, _LOCAL_TIME_TRIGGER[engine_name])
    result = _doctor(project)
    assert result.returncode == 1, result.output
    (line,) = [line for line in _lines(result, "fail") if "utc" in line]
    assert "users: with the session at +05:00 the trigger wrote updated_at" in line
    assert "(+5.0 h): it writes local time, not UTC" in line
    assert any("trigger   fires on 1 table" in ok for ok in _lines(result, "ok"))


def test_a_missing_column_fails(project: Project, database: Engine) -> None:
    _by_hand(database, ["ALTER TABLE users DROP COLUMN notes"])
    result = _doctor(project, "--format", "json")
    assert result.returncode == 1, result.output
    checks = json.loads(result.stdout)["checks"]
    fails = [c for c in checks if c["status"] == "fail"]
    assert fails[0] == {
        "check": "columns",
        "status": "fail",
        "detail": "users: has no notes column",
        "fix": 'write the migration that puts it right: rowstamp new "fix users columns"',
    }
    assert any(c["check"] == "drift" and "notes" in c["detail"] for c in fails)
    warning = "users: not exercised (its columns are not right)"
    assert {"check": "trigger", "status": "warn", "detail": warning, "fix": ""} in checks


def test_a_held_migration_lock_fails_and_drift_does_not_wait(
    project: Project, database: Engine
) -> None:
    with (
        database.connect() as connection,
        migration_lock(connection, wait_seconds=0, statement_lock_timeout=5),
    ):
        result = _doctor(project)
    assert result.returncode == 1, result.output
    assert any("lock      the migration lock is held (" in f for f in _lines(result, "fail"))
    assert any(
        "drift     not compared: the migration lock is held" in w for w in _lines(result, "warn")
    )


def test_an_applied_revision_edited_since_fails_the_ledger_check(project: Project) -> None:
    first = next((project.root / "alembic" / "versions").glob("*_create_users_table.py"))
    source = first.read_text(encoding="utf-8")
    first.write_text(source.replace("sa.String(length=255)", "sa.String(length=320)"), "utf-8")
    result = _doctor(project, "--format", "json")
    assert result.returncode == 1, result.output
    (ledger,) = [c for c in json.loads(result.stdout)["checks"] if c["check"] == "ledger"]
    assert ledger["status"] == "fail"
    assert FIRST_ID in ledger["detail"] and "edited" in ledger["detail"], ledger
    assert ledger["fix"]


def test_a_revision_no_file_defines_fails_naming_it(project: Project, database: Engine) -> None:
    _by_hand(database, ["UPDATE alembic_version SET version_num = 'deadbeef0000'"])
    result = _doctor(project)
    assert result.returncode == 1, result.output
    assert (
        "fail  revision  the database is at deadbeef0000, which no migration file defines"
        in result.stdout
    )
    assert "drift     not compared: the database is not at head" in result.stdout


def test_not_at_head_fails_with_the_way_out(project: Project, database: Engine) -> None:
    _by_hand(database, ["DELETE FROM alembic_version"])
    result = _doctor(project)
    assert result.returncode == 1, result.output
    assert "the database is at base (no migration applied), not at head" in result.stdout
    assert "fix: apply the migrations: rowstamp upgrade" in result.stdout


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_backup_directory_open_to_others_fails_in_production(
    project: Project, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o755)
    backups.chmod(0o755)
    result = project.run(
        "rowstamp", "doctor", check=False, ENVIRONMENT="production", BACKUP_DIR=str(backups)
    )
    assert result.returncode == 1, result.output
    assert f"backup    backup directory {backups} is open to other users (mode 755)" in (
        result.stdout
    )
    assert f"fix: make it private: chmod 700 {backups}" in result.stdout
    backups.chmod(0o700)
    result = project.run(
        "rowstamp", "doctor", check=False, ENVIRONMENT="production", BACKUP_DIR=str(backups)
    )
    assert result.returncode == 0, result.output
    assert f"backup    {backups} is usable and private" in result.stdout


# A made-up row has created_at 2000-01-01: these refuse it.
_REFUSE_TEST_ROWS = {
    "sqlite": "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'no made-up rows'); END",
    "postgresql": "ALTER TABLE {table} ADD CONSTRAINT real_rows CHECK (created_at > '2001-01-01')",
    "mariadb": "ALTER TABLE {table} ADD CONSTRAINT real_rows CHECK (created_at > '2001-01-01')",
}


@pytest.mark.parametrize(("refused", "fired"), [("posts", "users"), ("users", "posts")])
def test_a_refused_test_row_is_a_warning_and_the_other_tables_are_still_tested(
    project: Project, database: Engine, engine_name: str, refused: str, fired: str
) -> None:
    """posts comes first: refused there, users is tested in a new transaction; refused
    in users, the posts row already updated went with the failed transaction, and is
    tested again."""
    project.add_model("post", POSTS_WITHOUT_AUTHOR)
    project.run("rowstamp", "new", "Create posts table")
    project.run("rowstamp", "upgrade", "--no-report")
    _by_hand(database, [_REFUSE_TEST_ROWS[engine_name].format(table=refused)])
    result = _doctor(project)
    assert result.returncode == 0, result.output
    (warning,) = _lines(result, "warn")
    assert warning.startswith(f"warn  trigger   {refused}: not exercised ("), result.output
    assert any("trigger   fires on 1 table" in line for line in _lines(result, "ok"))
    assert any("utc       UTC with the session at +05:00" in line for line in _lines(result, "ok"))
    assert f"{fired}:" not in result.stdout


def test_an_empty_table_no_row_can_be_made_up_for_is_a_warning(
    project: Project, database: Engine
) -> None:
    project.add_model("post", POSTS)  # posts.user_id: a required foreign key
    project.run("rowstamp", "new", "Create posts table")
    project.run("rowstamp", "upgrade", "--no-report")
    result = _doctor(project)
    assert result.returncode == 0, result.output
    assert _lines(result, "warn") == ["warn  trigger   posts: not exercised (empty table)"]
    assert any("trigger   fires on 1 table" in line for line in _lines(result, "ok"))


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    # port 1: nothing listens
    unreachable = URL.create("postgresql+psycopg", "app", "s3cret", "127.0.0.1", 1, "app")
    project = Project.copy(tmp_path / "project", unreachable, history=True)
    result = _doctor(project)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("rowstamp: error: cannot connect to postgresql+psycopg://app:***@")
    assert "s3cret" not in line


def test_the_backup_directory_is_judged_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "state" / "backups"
    assert backup_directory_problems(missing, tmp_path / "project") == []
    assert not missing.parent.exists()
    inside = REPO / "backups"
    (problem,) = backup_directory_problems(inside, REPO)
    assert problem.problem == f"backup directory {inside} is inside the repository {REPO}"
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    (problem,) = backup_directory_problems(not_a_directory, tmp_path / "project")
    assert problem.problem == f"{not_a_directory} is not a directory"


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_row_locked_by_another_session_is_a_warning_not_a_wait(
    project: Project, database: Engine
) -> None:
    with database.begin() as connection:
        connection.execute(text("INSERT INTO users (name, email) VALUES ('a', 'a@x.org')"))
    with database.connect() as holder:
        holder.execute(text("SELECT id FROM users FOR UPDATE"))
        result = project.run("rowstamp", "doctor", check=False, DATABASE_LOCK_TIMEOUT="0.5")
        holder.rollback()
    assert result.returncode == 0, result.output
    (warning,) = _lines(result, "warn")
    assert warning.startswith("warn  trigger   users: not exercised ("), result.output
    assert "lock" in warning


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_a_table_that_cannot_roll_back_is_not_touched(project: Project, database: Engine) -> None:
    _by_hand(database, ["ALTER TABLE users ENGINE=MyISAM"])
    result = _doctor(project)
    assert result.returncode == 0, result.output
    assert _lines(result, "warn") == [
        "warn  trigger   users: not exercised (its storage engine cannot roll back)"
    ]
    with database.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 0


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_project_without_a_ledger_is_a_warning(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace("[rowstamp]\n", "[rowstamp]\nledger_table = off\n"),
        encoding="utf-8",
    )
    project.run("rowstamp", "upgrade", "--no-report")
    result = _doctor(project)
    assert result.returncode == 0, result.output
    assert _lines(result, "warn") == [
        "warn  ledger    not verified: alembic.ini's [rowstamp] ledger_table turns the ledger off"
    ]


def test_a_version_4_trigger_is_exercised_through_a_column_it_names(
    db_url: URL, tmp_path: Path
) -> None:
    """SQLite's version 4 fires only on an update of a column it names: the test UPDATE
    sets one of them to itself beside updated_at, so a sound version 4 trigger is
    green (on every engine; elsewhere version 4 is version 3's trigger)."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    [first] = project.versions()
    pinned = first.read_text().replace("_trigger('users', version=1)", f"_trigger('users', {V4})")
    first.write_text(pinned)
    project.run("rowstamp", "upgrade", "--no-report")
    result = _doctor(project)
    assert result.returncode == 0, result.output
    assert any("trigger   fires on 1 table" in line for line in _lines(result, "ok")), result.output
