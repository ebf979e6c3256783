"""A project whose fleet is tenant schemas of one PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.testing.servers import Server
from tests.project import Project, Result

TENANTS_TOML = """\
[tenants]
env = "TENANTS_URL"
query = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%' ORDER BY nspname"
"""


def tenant_names(count: int) -> list[str]:
    return [f"tenant_{n:02d}" for n in range(count)]


class Fleet:
    """A project copy, its tenants file, and the database of the tenant schemas."""

    def __init__(self, project: Project, url: URL, engine: Engine) -> None:
        self.project, self.url, self.engine = project, url, engine

    def run(self, *args: str, check: bool = True, process: bool = False, **env: str) -> Result:
        return self.project.run(
            "rowstamp", "fleet", *args, check=check, process=process, **self.env(), **env
        )

    def env(self) -> dict[str, str]:
        return {"TENANTS_URL": self.url.render_as_string(hide_password=False)}

    def versions(self, schema: str) -> list[str]:
        with self.engine.connect() as connection:
            found = connection.execute(
                text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.alembic_version"}
            ).scalar()
            if not found:
                return []
            rows = connection.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))
            return sorted(r[0] for r in rows)

    def ledger(self, schema: str) -> list[tuple[str, str]]:
        """(revision, status) of the schema's upgrade rows."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    f'SELECT revision, status FROM "{schema}".rowstamp_history '
                    "WHERE direction = 'upgrade' ORDER BY id"
                )
            )
            return [(r[0], r[1]) for r in rows]


@pytest.fixture
def pg_fleet(pg_server: Server, tmp_path: Path) -> Iterator[Fleet]:
    url = pg_server.create_database()
    engine = create_engine(url)
    project = Project.copy(tmp_path / "project", None, history=True)
    (project.root / "app" / "envs" / "development.targets.toml").write_text(TENANTS_TOML)
    try:
        yield Fleet(project, url, engine)
    finally:
        engine.dispose()
        pg_server.drop_database(url)


def make_schemas(engine: Engine, names: list[str]) -> None:
    with engine.begin() as connection:
        for name in names:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
