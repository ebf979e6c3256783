"""Scale of tests: ``rowstamp test`` over a chain of revisions, per engine.

A throw-away project holds this repository's ``alembic.ini``, ``alembic/env.py`` and
``app/``, with the models replaced by ``CHAIN`` tables (quick profile 10, full 200)
shaped like the guide's ``users`` (own columns, rowstamp's five, three indexes, the
``updated_at`` trigger) and a chain of ``CHAIN`` revisions, one per table, written
exactly as rowstamp's autogenerate writes the committed users migration. Each run
is a real command in a subprocess, on new databases of a server started once, as
the test suite starts it (``TEST_POSTGRESQL_URL`` / ``TEST_MARIADB_URL`` point the commands at it):

- ``alembic up + down`` (the baseline): ``alembic upgrade head`` then ``alembic
  downgrade base`` on a new database, the least a CI job that tests migrations runs;
- ``pytest-alembic``: its four built-in tests (single head, upgrade, model match,
  up/down consistency) through pytest, the peer most projects would pick;
- ``rowstamp test``: every check (single head, message rules, model match, metadata
  contract, stairway with a catalog comparison per step, round trip, clean
  downgrade), each phase on its own new database.

Run: ``python -m bench.test_scale`` (``BENCH_CHAIN`` changes the chain length,
``BENCH_TEST_RUNS`` the runs per contender; default the profile's ``RUNS``). The quick
profile runs on SQLite and PostgreSQL only (``BENCH_TEST_ENGINES=sqlite,postgresql,mariadb``
adds MariaDB).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from bench.common import (
    FULL,
    ROOT,
    Result,
    Sample,
    banner,
    compare,
    copy_project,
    cpu_now,
    interleaved,
    mariadb,
    postgresql,
    sized,
    versions,
)
from bench.common import RUNS as COMMON_RUNS

CHAIN = sized(10, 200, env="BENCH_CHAIN")
"""Revisions in the chain: at 200 this measure alone took 24 minutes, at 50 201 s and at
20 113 s of the quick profile's 900, so the quick profile takes 10 (full: 200); each
command's start-up is a fixed part of its time, larger at 10."""
RUNS = sized(COMMON_RUNS, COMMON_RUNS, env="BENCH_TEST_RUNS")
PEER_ENGINES = sized(["sqlite", "postgresql"], ["sqlite", "postgresql", "mariadb"])
"""Where pytest-alembic runs: about two minutes a run on MariaDB at 200 revisions."""
ENGINES = sized(
    ["sqlite", "postgresql"], ["sqlite", "postgresql", "mariadb"], env="BENCH_TEST_ENGINES"
)
"""The engines measured (comma-separated in ``BENCH_TEST_ENGINES``). The quick profile
leaves MariaDB to the full one: its part (a server start and three commands a run)
was about a quarter of this measure, which the 15-minute budget could not hold."""
MEASURE = "scale of tests"
BASELINE = "alembic up + down"
PEER = "pytest-alembic"
BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "alembic" / "versions" / "f0654512c599_create_users_table.py"
MODEL = ROOT / "app" / "models" / "user.py"

_PYTEST_ALEMBIC = '''"""pytest-alembic's tests, bound as this repository's own suite binds them."""

import pytest
from pytest_alembic.tests import (  # noqa: F401
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from rowstamp.commands import load_config


@pytest.fixture
def alembic_config():
    return load_config("alembic.ini")


@pytest.fixture
def alembic_engine():
    engine = create_engine(__import__("os").environ["BENCH_DATABASE_URL"], poolclass=NullPool)
    yield engine
    engine.dispose()
'''

_PYTEST_INI = """[pytest]
addopts = -p no:cacheprovider -q
# pytest-alembic's own collection breaks on pytest 9: bind it to no file (see pyproject.toml)
pytest_alembic_tests_path = binds-to-no-file
"""


def _revision_id(i: int) -> str:
    return f"{i + 1:012x}"


def write_chain(root: Path) -> None:
    """``CHAIN`` models and the ``CHAIN`` revisions rowstamp's autogenerate writes for them."""
    template = TEMPLATE.read_text(encoding="utf-8")
    versions_dir = root / "alembic" / "versions"
    shutil.rmtree(versions_dir, ignore_errors=True)
    versions_dir.mkdir(parents=True)
    for i in range(CHAIN):
        table = f"t{i:04d}"
        text = template.replace("users", table)
        text = text.replace("f0654512c599", _revision_id(i))
        down = repr(_revision_id(i - 1)) if i else "None"
        text = re.sub(r"^(down_revision: .*) = None$", rf"\1 = {down}", text, flags=re.M)
        text = text.replace("Revises: \n", f"Revises: {_revision_id(i - 1) if i else ''}\n")
        (versions_dir / f"{_revision_id(i)}_create_{table}_table.py").write_text(text, "utf-8")
    models = root / "app" / "models"
    shutil.rmtree(models)
    models.mkdir()
    shutil.copy2(ROOT / "app" / "models" / "__init__.py", models / "__init__.py")
    source = MODEL.read_text(encoding="utf-8")
    head, _, body = source.partition("class User(Base):")
    classes = [
        f"class T{i:04d}(Base):" + body.replace('"users"', f'"t{i:04d}"') for i in range(CHAIN)
    ]
    (models / "chain.py").write_text(head + "\n\n".join(classes), encoding="utf-8")


def chain_project(root: Path) -> Path:
    copy_project(root)
    write_chain(root)
    (root / "test_pytest_alembic.py").write_text(_PYTEST_ALEMBIC, encoding="utf-8")
    (root / "pytest.ini").write_text(_PYTEST_INI, encoding="utf-8")
    return root


def _env(url: URL, servers: dict[str, URL]) -> dict[str, str]:
    skip = {"ENVIRONMENT", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE", "PYTEST_ADDOPTS"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    plain = url.render_as_string(hide_password=False)
    env.update(DATABASE_URL=plain, BENCH_DATABASE_URL=plain, ENVIRONMENT="test")
    for variable, admin in servers.items():
        env[variable] = admin.render_as_string(hide_password=False)
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        output = (done.stdout + done.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(argv[:3])} failed in {cwd}:\n{output}")


def contenders(
    root: Path, engine: str, new_database: Callable[[], Any], servers: dict[str, URL]
) -> dict[str, Callable[[], Sample]]:
    """Each contender runs its real command(s) on a new database; (wall, CPU) seconds."""

    def timed(commands: Callable[[URL], list[list[str]]]) -> Callable[[], Sample]:
        def run() -> Sample:
            with new_database() as url:
                env = _env(url, servers)
                start, cpu = time.perf_counter(), cpu_now()
                for argv in commands(url):
                    _run(argv, root, env)
                return time.perf_counter() - start, cpu_now() - cpu

        return run

    alembic = str(BIN / "alembic")
    runs = {
        BASELINE: timed(lambda url: [[alembic, "upgrade", "head"], [alembic, "downgrade", "base"]]),
        PEER: timed(lambda url: [[str(BIN / "pytest"), "test_pytest_alembic.py"]]),
        "rowstamp test": timed(lambda url: [[str(BIN / "rowstamp"), "test", "--engine", engine]]),
    }
    if engine not in PEER_ENGINES:
        del runs[PEER]
    return runs


@contextmanager
def _servers() -> Iterator[dict[str, Any]]:
    """The engines and their servers (MariaDB when this machine can start one)."""
    found: dict[str, Any] = {"sqlite": None} if "sqlite" in ENGINES else {}
    with ExitStack() as stack:
        if "postgresql" in ENGINES:
            found["postgresql"] = stack.enter_context(postgresql())
        maria = stack.enter_context(mariadb()) if "mariadb" in ENGINES else None
        if maria is not None:
            found["mariadb"] = maria
        yield found


def _version(engine: str, server: Any) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from bench.common import server_version

    url = server.url if server is not None else URL.create("sqlite")
    db = create_engine(url, poolclass=NullPool)
    try:
        return server_version(db)
    finally:
        db.dispose()


def main() -> Result:
    started = time.perf_counter()
    banner(f"Scale of tests: rowstamp test over {CHAIN} revisions, per engine")
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp_name, _servers() as found:
        tmp = Path(tmp_name)
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}
        result = Result(
            "test_scale",
            "Scale of tests",
            versions(**{names[e]: _version(e, s) for e, s in found.items()}),
        )
        root = chain_project(tmp / "project")
        admin = {
            variable: found[engine].url
            for engine, variable in (
                ("postgresql", "TEST_POSTGRESQL_URL"),
                ("mariadb", "TEST_MARIADB_URL"),
            )
            if engine in found
        }
        for engine, server in found.items():
            new_database = _database_factory(engine, server, tmp)
            runs = contenders(root, engine, new_database, admin)
            if engine == "sqlite":  # warm-up (bytecode caches, all engines) and check, untimed
                # The baseline compiles the revision files every contender imports; the
                # quick profile stops there (the others' first timed run checks them).
                for name, run in runs.items():
                    if FULL or name == BASELINE:
                        run()
            times = interleaved(runs, RUNS)
            compare(result, MEASURE, f"{names[engine]}, {CHAIN} revisions", times, BASELINE)
    result.seconds = time.perf_counter() - started
    result.save()
    return result


def _database_factory(engine: str, server: Any, tmp: Path) -> Callable[[], Any]:
    count = iter(range(1_000_000))

    @contextmanager
    def new_database() -> Iterator[URL]:
        if server is None:
            path = tmp / f"chain{next(count)}.sqlite3"
            try:
                yield URL.create("sqlite", database=str(path))
            finally:
                path.unlink(missing_ok=True)
            return
        url = server.create_database("chain")
        try:
            yield url
        finally:
            server.drop_database(url)

    return new_database


if __name__ == "__main__":
    main()
