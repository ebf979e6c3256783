"""Fleets of whole databases: 5 MariaDB databases on one server and 5 SQLite files;
a wrong password and a password in the targets file, each one line naming the target."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.testing.servers import TEST_PASSWORD, Server
from tests.project import FIRST_ID, Project, Result


def _versions(url: URL) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(
                r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))
            )
    finally:
        engine.dispose()


def _fleet(project: Project, body: str, **env: str) -> tuple[Result, Result, Result]:
    (project.root / "app" / "envs" / "development.targets.toml").write_text(body)
    before = project.run("rowstamp", "fleet", "status", "--format", "json", check=False, **env)
    upgrade = project.run("rowstamp", "fleet", "upgrade", "--jobs", "2", **env)
    after = project.run("rowstamp", "fleet", "status", **env)
    return before, upgrade, after


@pytest.fixture
def mariadb_urls(mariadb_server: Server) -> Iterator[list[URL]]:
    urls = [mariadb_server.create_database() for _ in range(5)]
    try:
        yield urls
    finally:
        for url in urls:
            mariadb_server.drop_database(url)


@pytest.mark.mariadb
def test_five_mariadb_databases(mariadb_urls: list[URL], tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", None, history=True)
    body = "".join(f'[targets.db{n}]\nenv = "DB{n}_URL"\n\n' for n in range(5))
    env = {
        f"DB{n}_URL": u.render_as_string(hide_password=False) for n, u in enumerate(mariadb_urls)
    }
    before, upgrade, after = _fleet(project, body, **env)
    assert json.loads(before.stdout)["summary"]["behind"] == 5
    assert "5 upgraded" in upgrade.output, upgrade.output
    assert "5 targets: 5 at head" in after.output
    assert all(_versions(u) == [FIRST_ID] for u in mariadb_urls)


@pytest.mark.sqlite
def test_five_sqlite_files(tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", None, history=True)
    files = [tmp_path / f"shop{n}.sqlite3" for n in range(5)]
    body = "".join(f'[targets.shop{n}]\nurl = "sqlite:///{f}"\n\n' for n, f in enumerate(files))
    before, upgrade, after = _fleet(project, body)
    assert json.loads(before.stdout)["summary"]["behind"] == 5
    assert "5 upgraded" in upgrade.output, upgrade.output
    assert "5 targets: 5 at head" in after.output
    assert all(_versions(URL.create("sqlite", database=str(f))) == [FIRST_ID] for f in files)


@pytest.mark.postgresql
def test_a_wrong_password_is_one_line_naming_the_target(pg_server: Server, tmp_path: Path) -> None:
    url = pg_server.create_database()
    try:
        project = Project.copy(tmp_path / "project", None, history=True)
        wrong = url.set(password="not-the-Secret-42")
        body = '[targets.good]\nenv = "GOOD_URL"\n\n[targets.eu]\nenv = "EU_URL"\n'
        (project.root / "app" / "envs" / "development.targets.toml").write_text(body)
        env = {
            "GOOD_URL": url.render_as_string(hide_password=False),
            "EU_URL": wrong.render_as_string(hide_password=False),
        }
        for command in ("status", "upgrade"):
            result = project.run("rowstamp", "fleet", command, check=False, **env)
            assert result.returncode == 1
            assert "not-the-Secret-42" not in result.output and TEST_PASSWORD not in result.output
            assert "Traceback" not in result.output
            line = next(x for x in result.output.splitlines() if x.lstrip().startswith("eu"))
            assert "password authentication failed" in line, result.output
        assert _versions(url) == [FIRST_ID]  # the good target was migrated all the same
    finally:
        pg_server.drop_database(url)


def test_a_password_in_the_targets_file_is_refused(tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", None, history=True)
    body = '[targets.eu]\nurl = "postgresql://app:hunter2@db.example/app"\n'
    (project.root / "app" / "envs" / "development.targets.toml").write_text(body)
    result = project.run("rowstamp", "fleet", "status", check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "target eu has a password in its URL" in lines[0]
    assert 'env = "EU_DATABASE_URL"' in lines[0]
    assert "hunter2" not in result.output
