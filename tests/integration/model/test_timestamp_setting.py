"""``DATABASE_TIMESTAMP_UTC`` is SQL spliced into trigger bodies and defaults: only one
expression is accepted, and it must give a timestamp on the engine before a migration
holding it is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from rowstamp.errors import SettingsError
from rowstamp.settings import RowstampSettings, load_settings
from rowstamp.sql import utc_now
from tests.project import Project


@pytest.mark.parametrize(
    "expression",
    [
        "now()",
        "now() - interval '1 day'",
        "now() AT TIME ZONE 'UTC'",
        "UTC_TIMESTAMP(6)",
        "strftime('%Y-%m-%d %H:%M:%f000', 'now')",
        "CASE WHEN true THEN now() END",
        "(SELECT now())",
    ],
)
def test_one_expression_is_accepted(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    monkeypatch.setenv("DATABASE_TIMESTAMP_UTC", f" {expression} ")
    assert load_settings(RowstampSettings, env_dir).database_timestamp_utc == expression


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("now(); DELETE FROM users", "';' is not allowed"),
        ("now() -- later", "a comment is not allowed"),
        ("now() /* later */", "a comment is not allowed"),
        ("now() # later", "a comment is not allowed"),
        ("$rowstamp$ now() $rowstamp$", "'$' (dollar quoting) is not allowed"),
        ("now() DELETE FROM users", "'DELETE' starts a statement"),
        ("SELECT now()", "'SELECT' starts a statement"),
        ("WITH d AS (DELETE FROM users RETURNING 1) SELECT now()", "'WITH' starts a statement"),
        ("now('", "a quote is not closed"),
        ("now(", "a '(' is not closed"),
        ("now())", "a ')' closes nothing"),
    ],
)
def test_anything_else_is_one_line_naming_the_variable(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch, expression: str, problem: str
) -> None:
    monkeypatch.setenv("DATABASE_TIMESTAMP_UTC", expression)
    with pytest.raises(SettingsError) as info:
        load_settings(RowstampSettings, env_dir)
    message = str(info.value)
    assert message.startswith("invalid DATABASE_TIMESTAMP_UTC for environment 'development': ")
    assert problem in message
    assert "\n" not in message


def test_the_engine_must_give_a_timestamp(db_engine: Engine) -> None:
    support = for_dialect(db_engine.dialect)
    with db_engine.connect() as connection:
        support.check_now_sql(connection, str(utc_now(1).compile(dialect=db_engine.dialect)))
        support.check_now_sql(connection, "CURRENT_TIMESTAMP")
    refused = [("'soon'", "it "), ("42", "it "), ("no_such_now()", "SELECT no_such_now() fails")]
    for expression, problem in refused:
        with db_engine.connect() as connection, pytest.raises(SettingsError) as info:
            support.check_now_sql(connection, expression)
        assert str(info.value).startswith(
            f"DATABASE_TIMESTAMP_UTC {expression!r} is not a timestamp on {support.name}: {problem}"
        )


def test_new_refuses_it_before_writing_the_migration(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    result = project.run(
        "rowstamp", "new", "Create users table", check=False, DATABASE_TIMESTAMP_UTC="'soon'"
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "DATABASE_TIMESTAMP_UTC \"'soon'\" is not a timestamp on " in line
    assert project.versions() == []
