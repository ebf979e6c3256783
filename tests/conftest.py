"""Fixtures: one parametrized database fixture over every engine, on real servers.

Servers start once per run and are shared by its xdist workers (tests/shared_servers.py);
each test gets its own scratch database. Locally an engine whose server cannot start
is skipped; with ``CI=true`` that is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from rowstamp.testing.servers import (
    MariaDBServer,
    Server,
    ServerUnavailable,
    mariadb_server,
    postgresql_server,
)
from tests.shared_servers import S, shared_server

ENGINES = [
    pytest.param("sqlite", marks=pytest.mark.sqlite, id="sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgresql, id="postgresql"),
    pytest.param("mariadb", marks=pytest.mark.mariadb, id="mariadb"),
]
_SERVER_FIXTURES = {"postgresql": "pg_server", "mariadb": "mariadb_server"}


def _unavailable(engine: str, exc: Exception) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{engine} server could not start in CI: {exc}")
    pytest.skip(f"{engine} server unavailable here: {exc}")


@contextmanager
def pgbouncer_before(server: Server, *, pool_size: int) -> Iterator[Server]:
    """``server`` through a PgBouncer in transaction mode (``rowstamp.testing.pgbouncer``);
    one that cannot start skips the test here and fails it under ``CI=true``."""
    from rowstamp.testing.pgbouncer import pgbouncer

    try:
        with pgbouncer(server, pool_size=pool_size) as pooler:
            yield pooler
    except ServerUnavailable as exc:
        _unavailable("PgBouncer", exc)


def _run_server(
    name: str,
    start: Callable[[], AbstractContextManager[S]],
    connect: Callable[[URL], S],
    factory: pytest.TempPathFactory,
    worker_id: str,
) -> AbstractContextManager[S]:
    """The server for this process: shared by the run's xdist workers, else its own."""
    if worker_id == "master":
        return start()
    return shared_server(name, start, connect, factory.getbasetemp().parent)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Server]:
    try:
        with _run_server(
            "postgresql", postgresql_server, Server, tmp_path_factory, worker_id
        ) as server:
            yield server
    except ServerUnavailable as exc:
        _unavailable("PostgreSQL", exc)


@pytest.fixture(scope="session", name="mariadb_server")
def mariadb_server_fixture(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Server]:
    try:
        with _run_server(
            "mariadb", mariadb_server, MariaDBServer, tmp_path_factory, worker_id
        ) as server:
            yield server
    except ServerUnavailable as exc:
        _unavailable("MariaDB", exc)


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(engine_name: str, request: pytest.FixtureRequest, tmp_path) -> Iterator[URL]:  # type: ignore[no-untyped-def]
    """A fresh, empty database on ``engine_name``."""
    if engine_name == "sqlite":
        yield URL.create("sqlite", database=str(tmp_path / "test.sqlite3"))
        return
    server: Server = request.getfixturevalue(_SERVER_FIXTURES[engine_name])
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
def servers(engine_name: str, request: pytest.FixtureRequest) -> dict[str, URL]:
    """The admin URL of this run's server, so a command makes its scratch database there."""
    if engine_name == "sqlite":
        return {}
    server: Server = request.getfixturevalue(_SERVER_FIXTURES[engine_name])
    return {engine_name: server.url}


@pytest.fixture
def db_engine(db_url: URL) -> Iterator[Engine]:
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def env_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ``app/envs`` with a shared ``.env``, development and production, and no
    settings leaking in from the environment."""
    for name in ("ENVIRONMENT", "DATABASE_URL", "DATABASE_TIMESTAMP_UTC"):
        monkeypatch.delenv(name, raising=False)
    envs = tmp_path / "app" / "envs"
    envs.mkdir(parents=True)
    (envs / ".env").write_text("DATABASE_URL=sqlite:///shared.sqlite3\nDATABASE_TIMESTAMP_UTC=\n")
    (envs / "development.env").write_text("DATABASE_URL=sqlite:///dev.sqlite3\n")
    (envs / "production.env").write_text("DATABASE_TIMESTAMP_UTC=now()\n")
    return envs
