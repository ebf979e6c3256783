"""Bad input: one line saying what is wrong and what to do, exit non-zero, nothing written,
no traceback (unless --debug) and no password in any output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from rowstamp.testing.servers import TEST_PASSWORD, free_port
from tests.project import Project, Result


@pytest.fixture
def project(tmp_path: Path) -> Project:
    url = URL.create("sqlite", database=str(tmp_path / "db.sqlite3"))
    return Project.copy(tmp_path / "project", url)


def _one_line_error(result: Result, *needles: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ("", "empty"),
        ("Update", "single word"),
        ("Add posts table.", "ends with a period"),
        ("add posts table", "capital letter"),
    ],
)
def test_bad_messages_write_nothing(project: Project, message: str, needle: str) -> None:
    project.run("./scripts/dev_migrate")
    _one_line_error(project.run("./scripts/migrate", message, check=False), needle)
    assert project.versions() == []


def test_no_changes_writes_nothing(project: Project) -> None:
    project.run("./scripts/migrate", "Create users table")
    project.run("./scripts/dev_migrate")
    result = project.run("./scripts/migrate", "Add nothing at all", check=False)
    _one_line_error(result, "no difference between the models and the database")
    assert len(project.versions()) == 1


def test_autogenerate_refuses_a_database_behind_head(project: Project) -> None:
    project.run("./scripts/migrate", "Create users table")
    result = project.run("./scripts/migrate", "Create users table again", check=False)
    _one_line_error(result, "not at the newest revision", "./scripts/dev_migrate")
    assert len(project.versions()) == 1


@pytest.mark.parametrize("command", [("alembic", "upgrade", "head"), ("./scripts/dev_migrate",)])
def test_unknown_environment_lists_known_ones(project: Project, command: tuple[str, ...]) -> None:
    result = project.run(*command, check=False, ENVIRONMENT="staging")
    if command[0] == "alembic":
        assert "FAILED: unknown ENVIRONMENT 'staging'" in result.output
        assert "development, production, test" in result.output
        assert "Traceback" not in result.output and result.returncode != 0
    else:  # dev_migrate always means development, whatever ENVIRONMENT says
        assert result.returncode == 0


def test_rowstamp_unknown_environment(project: Project) -> None:
    result = project.run("rowstamp", "--env", "staging", "status", check=False)
    _one_line_error(result, "unknown ENVIRONMENT 'staging'", "development, production, test")


def test_missing_env_files(project: Project) -> None:
    (project.root / "app" / "envs" / "development.env").unlink()
    _one_line_error(project.run("rowstamp", "status", check=False), "unknown ENVIRONMENT")
    shutil.rmtree(project.root / "app" / "envs")
    _one_line_error(project.run("rowstamp", "status", check=False), "does not exist")


def test_malformed_database_url(project: Project) -> None:
    result = project.run("rowstamp", "status", check=False, DATABASE_URL="::not a url::")
    _one_line_error(result, "invalid DATABASE_URL", "environment variable")


def test_unsupported_engine_names_the_supported_ones(project: Project) -> None:
    result = project.alembic("upgrade", "head", check=False, DATABASE_URL="oracle://u:p@h/db")
    assert "FAILED: database engine 'oracle' is not supported" in result.output
    assert "postgresql, sqlite" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("driver", ["postgresql+psycopg", "mariadb+pymysql"])
def test_unreachable_database_masks_the_password(project: Project, driver: str) -> None:
    url = URL.create(
        driver,
        username="app",
        password=TEST_PASSWORD,
        host="127.0.0.1",
        port=free_port(),
        database="app",
    )
    plain = url.render_as_string(hide_password=False)
    line = _one_line_error(
        project.run("rowstamp", "status", check=False, DATABASE_URL=plain), "cannot connect to"
    )
    assert "app:***@127.0.0.1" in line
    result = project.alembic("upgrade", "head", check=False, DATABASE_URL=plain)
    assert f"FAILED: cannot connect to {driver}://app:***@127.0.0.1" in result.output
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(project: Project) -> None:
    result = project.run("rowstamp", "--debug", "--env", "staging", "status", check=False)
    assert result.returncode != 0 and "Traceback" in result.stderr
