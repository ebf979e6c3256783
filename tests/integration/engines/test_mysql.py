"""MariaDB/MySQL: what implicit DDL commits and the binary log mean for migrations.

MySQL commits every DDL statement on its own, so a migration that fails half-way
leaves what it already did. Trigger operations must then be safe to run again.
With binary logging on, the server refuses triggers to users without SUPER unless
``log_bin_trust_function_creators`` is set: rowstamp says so in one line.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.engines.mysql import MariaDBSupport
from rowstamp.testing.servers import (
    TEST_PASSWORD,
    MariaDBServer,
    ServerUnavailable,
    mariadb_server,
    mysql_password_hash,
)
from tests.conftest import _unavailable
from tests.helpers import catalog, timestamps
from tests.project import REPO, Project

pytestmark = pytest.mark.mariadb

FIRST = '''
"""Create things table"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "things",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False,
                  server_default=sa.text("(UTC_TIMESTAMP(6))")),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False,
                  server_default=sa.text("(UTC_TIMESTAMP(6))")),
    )


def downgrade() -> None:
    op.drop_table("things")
'''

# The trigger is created (and committed) before add_column fails on a column
# someone added by hand; in the downgrade the trigger is dropped before drop_column.
SECOND = '''
"""Keep things updated"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_updated_at_trigger("things", version=1)
    op.add_column("things", sa.Column("note", sa.Text()))


def downgrade() -> None:
    op.drop_updated_at_trigger("things", version=1)
    op.drop_column("things", "note")
'''


def _project(tmp_path: Path, url: URL) -> Project:
    project = Project.copy(tmp_path / "project", url)
    # Hand-written history only: no models, so nothing else is in the way.
    for model in (project.root / "app" / "models").glob("*.py"):
        if model.name != "__init__.py":
            model.unlink()
    return project


def _write(project: Project, name: str, source: str) -> None:
    (project.root / "alembic" / "versions" / name).write_text(source, encoding="utf-8")


def _version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _failed(output: str) -> str:
    failed = [line for line in output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1, output
    return failed[0]


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_a_half_applied_migration_completes_when_run_again(db_url: URL, tmp_path: Path) -> None:
    project = _project(tmp_path, db_url)
    engine = create_engine(db_url)
    _write(project, "0001_create_things_table.py", FIRST)
    _write(project, "0002_keep_things_updated.py", SECOND)
    project.alembic("upgrade", "0001")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE things ADD COLUMN note TEXT"))

    failed = project.alembic("upgrade", "head", check=False)
    assert failed.returncode != 0
    assert "Duplicate column name 'note'" in failed.output
    assert ("trigger", "update_timestamp_things") in catalog(engine)  # committed anyway
    assert _version(engine) == "0001"

    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE things DROP COLUMN note"))
    project.alembic("upgrade", "head")  # the trigger exists already: created only if missing
    assert _version(engine) == "0002"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO things (name) VALUES ('a')"))
        conn.execute(text("UPDATE things SET updated_at = '2000-01-01 00:00:00', name = 'b'"))
    assert timestamps(engine, "things")[1].year > 2000

    # The same half-way stop on the way down: the trigger is gone, drop_column fails.
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE things DROP COLUMN note"))
    assert project.alembic("downgrade", "0001", check=False).returncode != 0
    assert ("trigger", "update_timestamp_things") not in catalog(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE things ADD COLUMN note TEXT"))
    project.alembic("downgrade", "0001")  # the trigger is gone already: dropped only if present
    assert _version(engine) == "0001"
    engine.dispose()


@pytest.fixture(scope="module")
def binlog_server() -> Iterator[MariaDBServer]:
    try:
        with mariadb_server(binlog=True) as server:
            yield server
    except ServerUnavailable as exc:
        _unavailable("MariaDB (binary log)", exc)


def _app_user(server: MariaDBServer, database: str) -> URL:
    """A user with every privilege on ``database`` and none on the server (no SUPER)."""
    admin = create_engine(server.url)
    with admin.connect() as conn:
        password = mysql_password_hash(TEST_PASSWORD)
        conn.execute(text(f"CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY PASSWORD '{password}'"))
        conn.execute(text(f"GRANT ALL PRIVILEGES ON `{database}`.* TO 'app'@'127.0.0.1'"))
    admin.dispose()
    return server.url.set(username="app", database=database)


def test_binary_logging_without_super_fails_in_one_line(
    binlog_server: MariaDBServer, tmp_path: Path
) -> None:
    admin_url = binlog_server.create_database()
    assert admin_url.database is not None
    url = _app_user(binlog_server, admin_url.database)
    project = Project.copy(tmp_path / "project", url)
    for migration in (REPO / "alembic" / "versions").glob("*.py"):
        shutil.copy2(migration, project.root / "alembic" / "versions")
    admin = create_engine(binlog_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT @@log_bin")).scalar() == 1
        conn.execute(text("SET GLOBAL log_bin_trust_function_creators = 0"))

    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.output
    line = _failed(result.output)
    assert "binary logging on" in line
    assert "log_bin_trust_function_creators" in line and "SUPER" in line

    # The administrator's fix, then the documented recovery: the table the failed
    # migration created is still there (DDL commits), so drop it and run again.
    with admin.connect() as conn:
        conn.execute(text("SET GLOBAL log_bin_trust_function_creators = 1"))
        conn.execute(text(f"DROP TABLE `{admin_url.database}`.users"))
    project.alembic("upgrade", "head")
    assert "No new upgrade operations detected" in project.alembic("check").output
    with admin.connect() as conn:
        conn.execute(text("SET GLOBAL log_bin_trust_function_creators = 0"))
    admin.dispose()
    binlog_server.drop_database(admin_url)


def test_a_user_with_super_passes_the_binary_log_check(binlog_server: MariaDBServer) -> None:
    """The check reads the real privileges: the server's admin holds SUPER."""
    engine = create_engine(binlog_server.url)
    with engine.connect() as conn:
        conn.execute(text("SET GLOBAL log_bin_trust_function_creators = 0"))
        MariaDBSupport().check_can_create_triggers(conn)
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_no_binary_log_needs_no_privilege(db_url: URL) -> None:
    """The test server runs with --skip-log-bin: any user may create triggers."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT @@log_bin")).scalar() == 0
        MariaDBSupport().check_can_create_triggers(conn)
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_check_sees_lost_timestamp_precision(db_url: URL, tmp_path: Path) -> None:
    """Alembic alone takes DATETIME for DATETIME(6); the trigger's microseconds would be lost."""
    project = Project.copy(tmp_path / "project", db_url)
    for migration in (REPO / "alembic" / "versions").glob("*.py"):
        shutil.copy2(migration, project.root / "alembic" / "versions")
    project.alembic("upgrade", "head")
    assert "No new upgrade operations detected" in project.alembic("check").output
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE users MODIFY created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP(6))")
        )
    engine.dispose()
    result = project.alembic("check", check=False)
    assert result.returncode != 0
    assert "modify_type" in result.output and "'created_at'" in result.output
    assert "'updated_at'" not in result.output
