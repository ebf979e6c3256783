"""pytest plugin (entry point ``pytest11``): rowstamp's migration checks in your own suite.

Fixtures:

- ``rowstamp_engine``: the engine under test; tests that use it run once per
  ``--rowstamp-engine`` given (repeatable; default ``sqlite``);
- ``rowstamp_config``: Alembic's ``Config`` for ``--rowstamp-config`` (default
  ``alembic.ini`` in the working directory);
- ``rowstamp_scratch_url``: a new, empty database on that engine, dropped after
  the test (PostgreSQL/MariaDB: on ``TEST_POSTGRESQL_URL``/``TEST_MARIADB_URL``, or
  on a private server started once per session);
- ``rowstamp_run``: a ``MigrationRun`` bound to that database (at ``[rowstamp]
  baseline`` when the project has one);
- ``rowstamp_empty_catalog``: the database's catalog before any migration (of
  rowstamp's: at the baseline).

The checks as tests: ``from rowstamp.testing.tests import *`` in a test module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, suppress

import pytest
from alembic.config import Config
from sqlalchemy.engine import URL

from rowstamp.engines.catalog import Catalog
from rowstamp.testing.base import CheckFailed, MigrationRun
from rowstamp.testing.scratch import ENGINES, ScratchFactory, scratch_databases, scratch_engine
from rowstamp.testing.target import check_target

__all__ = [
    "pytest_addoption",
    "pytest_generate_tests",
    "rowstamp_config",
    "rowstamp_empty_catalog",
    "rowstamp_run",
    "rowstamp_scratch_url",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rowstamp", "rowstamp migration checks")
    group.addoption(
        "--rowstamp-engine",
        action="append",
        choices=ENGINES,
        default=None,
        help="engine the migration checks run on; repeatable (default: sqlite)",
    )
    group.addoption(
        "--rowstamp-config", default="alembic.ini", help="Alembic config file (alembic.ini)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rowstamp_engine" in metafunc.fixturenames:
        engines = metafunc.config.getoption("--rowstamp-engine") or ["sqlite"]
        metafunc.parametrize("rowstamp_engine", engines, scope="session")


class _Servers:
    """One scratch-database factory per engine for the whole session."""

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.factories: dict[str, ScratchFactory] = {}

    def factory(self, engine: str) -> ScratchFactory:
        if engine not in self.factories:
            self.factories[engine] = self.stack.enter_context(scratch_databases(engine))
        return self.factories[engine]


@pytest.fixture(scope="session")
def _rowstamp_servers() -> Iterator[_Servers]:
    servers = _Servers()
    with servers.stack:
        yield servers


@pytest.fixture
def rowstamp_config(request: pytest.FixtureRequest) -> Config:
    """Alembic's ``Config`` for the project, as the ``rowstamp`` command loads it."""
    from rowstamp.commands import load_config

    return load_config(request.config.getoption("--rowstamp-config"))


@pytest.fixture
def rowstamp_scratch_url(rowstamp_engine: str, _rowstamp_servers: _Servers) -> Iterator[URL]:
    """A new, empty database on ``rowstamp_engine``."""
    with _rowstamp_servers.factory(rowstamp_engine)() as url:
        yield url


@pytest.fixture
def rowstamp_run(rowstamp_config: Config, rowstamp_scratch_url: URL) -> Iterator[MigrationRun]:
    """Migrations of the project, bound to the scratch database. As for ``rowstamp test
    --url``, a database that is the environment's own or holds anything is refused,
    also when a suite overrides ``rowstamp_scratch_url``."""
    check_target(rowstamp_config, rowstamp_scratch_url)
    engine = scratch_engine(rowstamp_scratch_url)
    try:
        run = MigrationRun(rowstamp_config, engine)
        with suppress(CheckFailed):  # the test that needs the baseline reports it
            run.reach_start()
        yield run
    finally:
        engine.dispose()


@pytest.fixture
def rowstamp_empty_catalog(rowstamp_run: MigrationRun) -> Catalog:
    """The scratch database's catalog before any migration ran."""
    return rowstamp_run.catalog()
