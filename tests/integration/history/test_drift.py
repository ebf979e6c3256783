"""``rowstamp drift``: a live database against its own history, replayed on a scratch
database of the same engine to the revision the database is at (issue 16 item 6).

The project has the guide's first migration and a second one that adds
``users.phone``; the database is upgraded to the first only, so a replay to head
instead of to the database's revision would report ``phone`` as dropped by hand.
Each hand change is made with plain SQL, as someone at a console would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from rowstamp.testing.servers import TEST_PASSWORD, free_port
from tests.helpers import write_revision
from tests.project import FIRST_ID, Project, Result

ADD_PHONE = "    op.add_column('users', sa.Column('phone', sa.String(20)))"
DROP_PHONE = "    op.drop_column('users', 'phone')"

SCHEMA = {"postgresql": "public.", "sqlite": "", "mariadb": ""}
"""How each engine's catalog names a table's objects: PostgreSQL with the schema."""
INDEX = {
    "postgresql": "public.ix_users_is_flagged",
    "sqlite": "ix_users_is_flagged",
    "mariadb": "users.ix_users_is_flagged",
}
DROP_INDEX = {
    "postgresql": ["DROP INDEX ix_users_is_flagged"],
    "sqlite": ["DROP INDEX ix_users_is_flagged"],
    "mariadb": ["DROP INDEX ix_users_is_flagged ON users"],
}
CHANGE_TRIGGER = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.updated_at := localtimestamp; RETURN NEW; END $$"
    ],
    "sqlite": [
        "DROP TRIGGER update_timestamp_users",
        "CREATE TRIGGER update_timestamp_users AFTER UPDATE ON users BEGIN SELECT 1; END",
    ],
    "mariadb": [
        "DROP TRIGGER update_timestamp_users",
        "CREATE TRIGGER update_timestamp_users BEFORE UPDATE ON users FOR EACH ROW "
        "SET NEW.updated_at = NOW(6)",
    ],
}
CHANGED_TRIGGER_LINE = {
    "postgresql": "function public.set_updated_at body differs from the history's "
    "(changed by hand?)",
    "sqlite": "trigger update_timestamp_users definition differs from the history's "
    "(changed by hand?)",
    "mariadb": "trigger update_timestamp_users differs from the history's: BEFORE UPDATE ON "
    "users SET NEW.updated_at = NOW(6) in the database, BEFORE UPDATE ON users SET "
    "NEW.updated_at = UTC_TIMESTAMP(6) in the history",
}


@pytest.fixture
def project(tmp_path: Path, db_url: URL) -> Project:
    """The first migration applied; the second (``users.phone``) written, not applied."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    write_revision(project, "b2", FIRST_ID, ADD_PHONE, DROP_PHONE)
    project.alembic("upgrade", FIRST_ID)
    return project


@pytest.fixture
def live(db_url: URL) -> Iterator[Engine]:
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


def drift(project: Project, servers: dict[str, URL], *args: str, **env: str) -> Result:
    """``rowstamp drift``, its scratch database made on this run's server."""
    for name, url in servers.items():
        env.setdefault(f"TEST_{name.upper()}_URL", url.render_as_string(hide_password=False))
    return project.run("rowstamp", "drift", *args, check=False, **env)


def by_hand(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


def test_clean_after_upgrade_and_the_database_is_only_read(
    project: Project, live: Engine, servers: dict[str, URL], engine_name: str
) -> None:
    with live.connect() as connection:
        before = for_dialect(connection.dialect).catalog_objects(connection)
    result = drift(project, servers)
    assert result.returncode == 0, result.output
    assert lines(result) == [
        f"no drift: {_masked(project.url)} is what its history makes at "
        f"{FIRST_ID} ({_compared(result)} objects compared on a scratch "
        f"{for_dialect(live.dialect).name} database)"
    ]
    with live.connect() as connection:
        assert for_dialect(connection.dialect).catalog_objects(connection) == before
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (FIRST_ID,)
        ]


def test_in_a_protected_environment_the_replay_takes_no_backup(
    project: Project, servers: dict[str, URL], tmp_path: Path
) -> None:
    """Production is where drift matters; its scratch replay is not a protected run."""
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700)
    result = drift(project, servers, "--env", "production", BACKUP_DIR=str(backups))
    assert result.returncode == 0, result.output
    assert result.output.startswith("no drift: ")
    assert list(backups.iterdir()) == []


def test_the_version_table_and_the_ledger_are_not_schema(
    project: Project, live: Engine, servers: dict[str, URL]
) -> None:
    """Another rowstamp's ledger (a column more) or a wider version_num is no drift."""
    by_hand(
        live,
        "ALTER TABLE rowstamp_history ADD COLUMN ticket VARCHAR(20)",
        "CREATE INDEX ix_ledger_ticket ON rowstamp_history (ticket)",
        "ALTER TABLE alembic_version ADD COLUMN note VARCHAR(20)",
    )
    result = drift(project, servers)
    assert result.returncode == 0, result.output


def test_a_hand_added_column(
    project: Project, live: Engine, servers: dict[str, URL], engine_name: str
) -> None:
    by_hand(live, "ALTER TABLE users ADD COLUMN nickname VARCHAR(40)")
    result = drift(project, servers)
    assert result.returncode == 1, result.output
    assert lines(result) == [
        f"column {SCHEMA[engine_name]}users.nickname exists in the database but not in its "
        "history (added by hand?)",
        f"drift: 1 difference(s) between {_masked(project.url)} and its history at {FIRST_ID}",
    ]


def test_a_hand_made_table_is_one_line(
    project: Project, live: Engine, servers: dict[str, URL], engine_name: str
) -> None:
    by_hand(live, "CREATE TABLE audit (id INTEGER PRIMARY KEY, note VARCHAR(20) NOT NULL)")
    result = drift(project, servers)
    assert result.returncode == 1, result.output
    assert lines(result)[:-1] == [
        f"table {SCHEMA[engine_name]}audit exists in the database but not in its history "
        "(added by hand?)"
    ]


def test_several_heads_are_each_replayed(
    project: Project, servers: dict[str, URL], engine_name: str
) -> None:
    write_revision(
        project,
        "c3",
        FIRST_ID,
        "    op.create_table('tags', sa.Column('id', sa.Integer, primary_key=True))",
        "    op.drop_table('tags')",
    )
    project.alembic("upgrade", "heads")
    result = drift(project, servers)
    assert result.returncode == 0, result.output
    assert " at b2, c3 " in result.output or " at c3, b2 " in result.output


def test_a_database_at_no_revision_or_an_unknown_one(
    project: Project, live: Engine, servers: dict[str, URL]
) -> None:
    by_hand(live, "UPDATE alembic_version SET version_num = 'e9e9e9e9e9e9'")
    result = drift(project, servers)
    assert result.returncode == 1
    assert lines(result) == [
        f"rowstamp: error: {_masked(project.url)} is at revision e9e9e9e9e9e9, which is not "
        "in this project's history; check out the code that was deployed there, then run "
        "rowstamp drift again"
    ]
    by_hand(live, "DELETE FROM alembic_version")
    result = drift(project, servers)
    assert result.returncode == 1
    assert len(lines(result)) == 1, result.output
    assert "is at no revision" in result.output


def test_a_hand_changed_trigger(
    project: Project, live: Engine, servers: dict[str, URL], engine_name: str
) -> None:
    by_hand(live, *CHANGE_TRIGGER[engine_name])
    result = drift(project, servers)
    assert result.returncode == 1, result.output
    assert lines(result)[:-1] == [CHANGED_TRIGGER_LINE[engine_name]]


def test_a_hand_dropped_index_with_url_and_scratch_url(
    project: Project, live: Engine, servers: dict[str, URL], engine_name: str, db_url: URL
) -> None:
    """``--url`` wins over the environment's DATABASE_URL; ``--scratch-url`` names the
    server for the scratch database (no TEST_*_URL set)."""
    by_hand(live, *DROP_INDEX[engine_name])
    given = db_url.render_as_string(hide_password=False)
    args = ["--url", given]
    for url in servers.values():
        args += ["--scratch-url", url.render_as_string(hide_password=False)]
    result = project.run(
        "rowstamp", "drift", *args, check=False, DATABASE_URL="sqlite:///elsewhere.sqlite3"
    )
    assert result.returncode == 1, result.output
    assert lines(result)[:-1] == [
        f"index {INDEX[engine_name]} is in the history but not in the database (dropped by hand?)"
    ]
    assert not (project.root / "elsewhere.sqlite3").exists()


def test_an_unreachable_url_is_one_line(
    project: Project, servers: dict[str, URL], engine_name: str, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.sqlite3"
    driver = {"postgresql": "postgresql+psycopg", "mariadb": "mariadb+pymysql"}
    url = (
        URL.create("sqlite", database=str(missing))
        if engine_name == "sqlite"
        else URL.create(driver[engine_name], "app", TEST_PASSWORD, "127.0.0.1", free_port(), "app")
    )
    result = drift(project, servers, "--url", url.render_as_string(hide_password=False))
    assert result.returncode == 1
    assert len(lines(result)) == 1, result.output
    assert lines(result)[0].startswith("rowstamp: error: cannot connect to "), result.output
    assert "app:***@" in result.output or engine_name == "sqlite"
    assert not missing.exists()  # nothing was created at the mistyped path


def test_an_unreachable_scratch_server_is_one_line(
    project: Project, servers: dict[str, URL], engine_name: str
) -> None:
    if engine_name == "sqlite":
        pytest.skip("SQLite's scratch database is a file: no server")
    admin = servers[engine_name].set(port=free_port())
    result = drift(project, {}, "--scratch-url", admin.render_as_string(hide_password=False))
    assert result.returncode == 1
    assert len(lines(result)) == 1, result.output
    assert lines(result)[0].startswith(
        f"rowstamp: error: cannot make a scratch database on {_masked(admin)}: "
    ), result.output


def test_a_scratch_url_of_another_engine_is_refused(
    project: Project, servers: dict[str, URL], engine_name: str
) -> None:
    other = "sqlite:///scratch.sqlite3" if engine_name != "sqlite" else "postgresql://u@h/db"
    result = drift(project, servers, "--scratch-url", other)
    assert result.returncode == 1
    assert len(lines(result)) == 1, result.output
    assert "is not a server of the database's engine" in result.output


def _masked(url: URL | None) -> str:
    from rowstamp.urls import mask_url

    assert url is not None
    return mask_url(url)


def _compared(result: Result) -> str:
    return result.output.rpartition("(")[2].split()[0]
