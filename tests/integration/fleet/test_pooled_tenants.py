"""Tenant schemas through PgBouncer in transaction pooling mode (a real one, started here).

A tenant run points the session's ``search_path`` at its schema. Behind a transaction
pooler a session setting lands on a server connection the next client gets: two
parallel tenant runs then created their tables in each other's schema (both failed,
one with ``relation "users" already exists``). rowstamp sets it per transaction there,
and refuses what no transaction can carry it into: an autocommit block."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.runtime.lock_table import LOCK_TABLE
from rowstamp.testing.servers import Server
from tests.conftest import pgbouncer_before
from tests.helpers import write_revision
from tests.integration.fleet.conftest import TENANTS_TOML, make_schemas, tenant_names
from tests.project import FIRST_ID, Project

pytestmark = pytest.mark.postgresql

NAMES = tenant_names(4)


@pytest.fixture
def pooled_fleet(
    pg_server: Server, tmp_path: Path
) -> Iterator[tuple[Project, URL, dict[str, str]]]:
    """A project whose tenants are read and migrated through the pooler; the direct URL."""
    direct = pg_server.create_database()
    admin = create_engine(direct)
    make_schemas(admin, NAMES)
    admin.dispose()
    project = Project.copy(tmp_path / "project", None, history=True)
    (project.root / "app" / "envs" / "development.targets.toml").write_text(TENANTS_TOML)
    try:
        with pgbouncer_before(pg_server, pool_size=8) as pooler:  # 2 jobs of up to 3 each
            pooled = direct.set(host=pooler.url.host, port=pooler.url.port)
            yield project, direct, {"TENANTS_URL": pooled.render_as_string(hide_password=False)}
    finally:
        pg_server.drop_database(direct)


def _tables(url: URL) -> dict[str, list[str]]:
    """Each schema's tables, read on a direct connection."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' OR table_schema LIKE 'tenant%' "
                "ORDER BY table_schema, table_name"
            )
        ).all()
    engine.dispose()
    found: dict[str, list[str]] = {}
    for schema, table in rows:
        found.setdefault(schema, []).append(table)
    return found


def _versions(url: URL, schema: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))
        versions = sorted(r[0] for r in rows)
    engine.dispose()
    return versions


def test_parallel_tenant_runs_each_stay_in_their_schema(
    pooled_fleet: tuple[Project, URL, dict[str, str]],
) -> None:
    project, direct, env = pooled_fleet
    result = project.run("rowstamp", "fleet", "upgrade", "--jobs", "2", **env)
    assert "4 upgraded" in result.output, result.output
    tables = _tables(direct)
    # nothing landed outside the tenants but the pooled runs' lock table
    assert tables.get("public", []) == [LOCK_TABLE], tables
    for name in NAMES:
        assert {"alembic_version", "users"} <= set(tables[name]), tables
        assert _versions(direct, name) == [FIRST_ID]
    again = project.run("rowstamp", "fleet", "upgrade", "--jobs", "2", **env)
    assert "4 at head" in again.output, again.output


def test_an_autocommit_block_in_a_tenant_run_is_refused_in_one_line(
    pooled_fleet: tuple[Project, URL, dict[str, str]],
) -> None:
    """Outside a transaction the pooler keeps no search_path: the block would build its
    index in whatever schema the server connection had. Refused, nothing applied."""
    project, direct, env = pooled_fleet
    project.run("rowstamp", "fleet", "upgrade", "--jobs", "2", **env)
    write_revision(
        project,
        "a1",
        FIRST_ID,
        "    with op.get_context().autocommit_block():\n"
        "        op.create_index('ix_users_notes', 'users', ['notes'])",
        "    op.drop_index('ix_users_notes', table_name='users')",
    )
    result = project.run("rowstamp", "fleet", "upgrade", "--jobs", "1", check=False, **env)
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert "outside a transaction (an autocommit block)" in result.output, result.output
    assert "MIGRATION_DATABASE_URL" in result.output
    assert f"rolled back; the database is at {FIRST_ID}" in result.output  # and it is:
    assert all(_versions(direct, name) == [FIRST_ID] for name in NAMES)
    assert _tables(direct).get("public", []) == [LOCK_TABLE]
