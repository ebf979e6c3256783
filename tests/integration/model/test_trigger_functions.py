"""PostgreSQL's trigger functions: a pinned "now" never changes another table's trigger,
and a function body that is not what the migrations wrote is noticed.

``set_updated_at()`` is shared by every table of a schema that uses the engine's
default; a migration pinned to ``DATABASE_TIMESTAMP_UTC`` once replaced it, changing
every other table's ``updated_at``, and its downgrade could not put it back.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.commands import load_config
from rowstamp.engines.postgresql import function_name
from rowstamp.review.drift import find_drift
from rowstamp.testing.base import CheckFailed, MigrationRun
from rowstamp.testing.stairway import check_stairway
from tests.helpers import catalog, timestamps
from tests.project import POSTS_WITHOUT_AUTHOR, REPO, Project

POSTGRESQL = pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)

PINNED = "now() - interval '1 day'"
# What a hand edit did to the shared function (and a pinned migration did, before the fix).
EDIT = (
    "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN NEW.updated_at := {PINNED}; RETURN NEW; END; $$"
)

_FUNCTIONS_AND_TRIGGERS = text(
    """
    SELECT p.proname, p.prosrc, NULL FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
    UNION ALL
    SELECT t.tgrelid::regclass::text, t.tgname, t.tgfoid::regproc::text
    FROM pg_catalog.pg_trigger t WHERE NOT t.tgisinternal
    """
)


def _snapshot(engine: Engine) -> set[tuple[str, ...]]:
    """The catalog with every function's body and every trigger's function."""
    with engine.connect() as connection:
        rows = {tuple(map(str, row)) for row in connection.execute(_FUNCTIONS_AND_TRIGGERS)}
    return rows | catalog(engine)


def _update(engine: Engine, table: str, values: str) -> datetime:
    """Insert a row, update it, and return its updated_at."""
    with engine.begin() as connection:
        connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text(f"INSERT INTO {table} {values}"))
        connection.execute(text(f"UPDATE {table} SET id = id"))
    return timestamps(engine, table)[1]


def _users_get_the_true_now(engine: Engine) -> None:
    updated = _update(engine, "users", "(name, email) VALUES ('a', 'a@example.com')")
    assert abs(datetime.now(UTC) - updated) < timedelta(minutes=1)


@POSTGRESQL
def test_a_pinned_now_changes_no_other_tables_trigger(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    project.run("rowstamp", "upgrade", "--no-report")
    engine = create_engine(db_url)
    before = _snapshot(engine)

    project.add_model("post", POSTS_WITHOUT_AUTHOR)
    project.run("rowstamp", "new", "Add posts table", DATABASE_TIMESTAMP_UTC=PINNED)
    [posts] = [p for p in project.versions() if p.name.endswith("_add_posts_table.py")]
    assert f"op.create_updated_at_trigger('posts', version=1, now={PINNED!r})" in posts.read_text()
    project.run("rowstamp", "upgrade", "--no-report")
    _users_get_the_true_now(engine)
    posts_updated = _update(engine, "posts", "(title) VALUES ('t')")
    assert abs(datetime.now(UTC) - timedelta(days=1) - posts_updated) < timedelta(minutes=1)
    # both functions are rowstamp's: autogenerate sees every trigger, nothing is edited
    project.run("rowstamp", "check")

    project.run("rowstamp", "downgrade")
    assert _snapshot(engine) == before
    _users_get_the_true_now(engine)
    engine.dispose()


def test_the_function_is_named_from_the_expression() -> None:
    assert function_name(None) == "set_updated_at"
    assert function_name(PINNED) == function_name(PINNED)
    assert function_name(PINNED) != function_name("now()")
    assert len(function_name("x" * 1000).encode()) <= 63


@POSTGRESQL
def test_check_names_a_hand_edited_function(db_engine: Engine) -> None:
    run = MigrationRun(load_config(REPO / "alembic.ini"), db_engine)
    run.upgrade("head")
    assert find_drift(run.config).differences == []
    with db_engine.begin() as connection:
        connection.execute(text(EDIT))
    [line] = find_drift(run.config).differences
    assert line.startswith("function public.set_updated_at() has a body rowstamp's migrations ")
    assert "(it should set updated_at := now())" in line


@POSTGRESQL
def test_stairway_notices_a_migration_that_replaces_the_function(
    db_engine: Engine, tmp_path: Path
) -> None:
    """The body edit is undone by the downgrade, so only the body check can see it."""
    config = load_config(REPO / "alembic.ini")
    versions = tmp_path / "versions"
    shutil.copytree(REPO / "alembic" / "versions", versions, ignore=shutil.ignore_patterns("__*"))
    (versions / "a1b2c3d4e5f6_edit.py").write_text(
        '"""Edit the trigger function"""\n'
        "from alembic import op\n"
        "from rowstamp.engines.ddl import CreateUpdatedAtFunction, TriggerSpec\n\n"
        "revision = 'a1b2c3d4e5f6'\n"
        "down_revision = 'f0654512c599'\n\n\n"
        f"def upgrade():\n    op.execute({EDIT!r})\n\n\n"
        "def downgrade():\n"
        "    spec = TriggerSpec('users', None, version=1, now=None)\n"
        "    op.execute(CreateUpdatedAtFunction(spec))\n",
        encoding="utf-8",
    )
    config.set_main_option("version_locations", str(versions))
    run = MigrationRun(config, db_engine)
    with pytest.raises(CheckFailed) as failed:
        check_stairway(run)
    assert str(failed.value) == (
        "a1b2c3d4e5f6: upgrade left function public.set_updated_at() with a body rowstamp "
        "did not write (a migration replaced it)"
    )
