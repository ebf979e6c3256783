"""Scratch databases, created and dropped around a run of the checks.

SQLite: a temporary file. PostgreSQL and MariaDB: a new database on the server
named by ``TEST_POSTGRESQL_URL`` / ``TEST_MARIADB_URL`` (admin URLs), or on a
private throw-away server started like this repository's test suite starts one.
A caller may name the server itself (``rowstamp drift --scratch-url``). The
configured development or production database is never used: only a URL given
explicitly (``rowstamp test --url``) is, as it is.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect, for_name
from rowstamp.errors import RowstampError
from rowstamp.testing.servers import (
    Server,
    ServerUnavailable,
    mariadb_server,
    postgresql_server,
)

__all__ = [
    "ENGINES",
    "ENGINE_OF_BACKEND",
    "SERVER_VARIABLES",
    "ScratchFactory",
    "scratch_database",
    "scratch_databases",
    "scratch_engine",
]

ENGINES = ("sqlite", "postgresql", "mariadb")
"""Engines ``rowstamp test`` can make a scratch database on."""

ENGINE_OF_BACKEND = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}
"""The scratch engine for a URL's backend (the servers rowstamp starts are MariaDB)."""

SERVER_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mariadb": "TEST_MARIADB_URL"}
"""Environment variables naming an existing server (admin URL) per engine."""


ScratchFactory = Callable[[], AbstractContextManager[URL]]
"""Makes a new, empty database and drops it when the ``with`` block ends."""


@contextlib.contextmanager
def scratch_databases(engine: str, admin_url: URL | None = None) -> Iterator[ScratchFactory]:
    """Yield a factory of empty databases on ``engine``, on one server for the whole block:
    the one ``admin_url`` names, else ``SERVER_VARIABLES``'s, else a private one."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="rowstamp-test-") as folder:
            count = iter(range(1_000_000))

            @contextlib.contextmanager
            def sqlite_file() -> Iterator[URL]:
                url = URL.create("sqlite", database=str(Path(folder) / f"s{next(count)}.sqlite3"))
                try:
                    yield url
                finally:  # with its lock file: a run makes many, the folder goes only at the end
                    for_name("sqlite").drop_scratch_database(url, url)

            yield sqlite_file
        return
    if engine not in SERVER_VARIABLES:
        raise RowstampError(f"unknown engine {engine!r}", f"choose from: {', '.join(ENGINES)}")
    starter = postgresql_server if engine == "postgresql" else mariadb_server
    try:
        with contextlib.nullcontext(Server(admin_url)) if admin_url else starter() as server:

            @contextlib.contextmanager
            def database() -> Iterator[URL]:
                url = server.create_database("rowstamp_test")
                try:
                    yield url
                finally:
                    server.drop_database(url)

            yield database
    except ServerUnavailable as exc:
        variable = SERVER_VARIABLES[engine]
        raise RowstampError(
            f"no {engine} server for a scratch database: {str(exc).splitlines()[0][:200]}",
            f"set {variable} to an admin URL of a server, or install the server binaries",
        ) from None


def scratch_engine(url: URL) -> Engine:
    """An ``Engine`` for a scratch database. Its connections are pooled (SQLite reads
    the whole schema again on every new connection), and a scratch SQLite file, which
    lives for one run, does not wait for the disk at each commit (half of a
    stairway's time there)."""
    engine = create_engine(url)
    for_dialect(engine.dialect).tune_scratch_engine(engine)
    return engine


@contextlib.contextmanager
def scratch_database(engine: str, admin_url: URL | None = None) -> Iterator[URL]:
    """Yield the URL of one new, empty database on ``engine`` (on ``admin_url``'s server
    when given); drop it afterwards."""
    with scratch_databases(engine, admin_url) as make, make() as url:
        yield url
