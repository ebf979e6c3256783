"""``fleet upgrade --rehearse``: every canary is rehearsed on a restored scratch copy
before any real target is touched; a failed rehearsal stops the run in one line naming
the canary, and leaves every target (canaries included) at its old revision. On tenant
schemas and separate databases of PostgreSQL and on SQLite files."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.testing.servers import Server
from tests.helpers import write_revision
from tests.project import FIRST_ID, Project, Result

NAMES = ["t0", "t1", "t2", "t3"]

# Fails wherever the target (its tenant schema, or its database) has a table named poison.
POISONED = (
    "    op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True))\n"
    "    schema = op.get_context().version_table_schema\n"
    "    if sa.inspect(op.get_bind()).has_table('poison', schema=schema):\n"
    "        raise RuntimeError('poisoned target')"
)


class Targets:
    """Four targets of one kind, named t0..t3, and how to read and poison each."""

    def __init__(self, project: Project, urls: dict[str, URL], schemas: bool) -> None:
        self.project, self.urls, self.schemas = project, urls, schemas
        body = "".join(
            f'[targets.{name}]\nenv = "{name.upper()}_URL"\n'
            + (f'schema = "{name}"\n' if schemas else "")
            + "\n"
            for name in urls
        )
        (project.root / "app" / "envs" / "development.targets.toml").write_text(body)

    def env(self, backups: Path) -> dict[str, str]:
        env = {
            f"{name.upper()}_URL": url.render_as_string(hide_password=False)
            for name, url in self.urls.items()
        }
        return {**env, "BACKUP_DIR": str(backups)}

    def _execute(self, name: str, sql: str) -> list[str]:
        engine = create_engine(self.urls[name])
        try:
            with engine.begin() as connection:
                if self.schemas:
                    connection.execute(text(f'SET search_path TO "{name}"'))
                result = connection.execute(text(sql))
                return [str(r[0]) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def version(self, name: str) -> list[str]:
        return self._execute(name, "SELECT version_num FROM alembic_version")

    def poison(self, name: str) -> None:
        self._execute(name, "CREATE TABLE poison (id int)")


@pytest.fixture(params=["schemas", "databases", "sqlite"])
def targets(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Targets]:
    project = Project.copy(tmp_path / "project", None, history=True)
    if request.param == "sqlite":
        urls = {n: URL.create("sqlite", database=str(tmp_path / f"{n}.sqlite3")) for n in NAMES}
        yield Targets(project, urls, schemas=False)
        return
    server: Server = request.getfixturevalue("pg_server")
    if request.param == "schemas":
        url = server.create_database()
        engine = create_engine(url)
        with engine.begin() as connection:
            for name in NAMES:
                connection.execute(text(f'CREATE SCHEMA "{name}"'))
        engine.dispose()
        try:
            yield Targets(project, dict.fromkeys(NAMES, url), schemas=True)
        finally:
            server.drop_database(url)
        return
    urls = {n: server.create_database() for n in NAMES}
    try:
        yield Targets(project, urls, schemas=False)
    finally:
        for url in urls.values():
            server.drop_database(url)


def _upgrade(targets: Targets, backups: Path, *args: str) -> Result:
    return targets.project.run(
        "rowstamp", "fleet", "upgrade", "--jobs", "2", *args, check=False, **targets.env(backups)
    )


def test_a_failed_canary_rehearsal_touches_no_target(targets: Targets, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    first = _upgrade(targets, backups)
    assert first.returncode == 0, first.output
    write_revision(targets.project, "n1", FIRST_ID, POISONED, "    op.drop_table('notes')")
    targets.poison("t2")

    canaries = ["--canary", "t1", "--canary", "t2"]  # t1 would pass, t2 fails
    result = _upgrade(targets, backups, *canaries, "--rehearse")
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert "the rehearsal of canary t2 on a restored copy failed" in line, result.output
    assert "poisoned target" in line and "no target was touched" in line
    assert all(targets.version(n) == [FIRST_ID] for n in NAMES), result.output

    targets._execute("t2", "DROP TABLE poison")
    rerun = _upgrade(targets, backups, *canaries, "--rehearse")
    assert rerun.returncode == 0, rerun.output
    assert "t1: rehearsed on a restored copy" in rerun.output
    assert "t2: rehearsed on a restored copy" in rerun.output
    assert "4 upgraded" in rerun.output, rerun.output
    assert all(targets.version(n) == ["n1"] for n in NAMES)
    # the scratch copies' backups: private, outside the project, and only the canaries'
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    files = [f for f in backups.iterdir() if not f.name.endswith(".jsonl")]
    assert len(files) == 4, files  # two failed-then-passed rehearsals of t1 and t2
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert not list(targets.project.root.rglob("*.partial"))
