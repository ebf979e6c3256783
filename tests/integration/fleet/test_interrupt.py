"""Ctrl-C (SIGINT) and SIGTERM during ``rowstamp fleet upgrade``, for real, on each
engine: PostgreSQL tenant schemas (directly, and through PgBouncer in transaction
mode, where the lock is the lock table's row lock), separate MariaDB databases on one
server and SQLite files. A subprocess whose revision sleeps (in the server with ``pg_sleep`` and
``SLEEP()``, in Python on SQLite) is signalled once some targets are done; no new
target starts, the running ones stop (rolled back; on MariaDB the DDL that ran before
the signal stays, said so), every migration lock is released, the final table says
each target's revision as its database does, and a rerun finishes the rest."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL

from rowstamp.engines.base import bounded_name
from rowstamp.runtime.lock import lock_key
from rowstamp.runtime.lock_table import holder_tag
from rowstamp.testing.servers import Server
from tests.conftest import pgbouncer_before
from tests.helpers import write_revision
from tests.integration.fleet.conftest import TENANTS_TOML, make_schemas, tenant_names
from tests.project import FIRST_ID, Project, Result

# Marks its target as started (by the schema, or the database's name up to its first
# 9 characters, "tenant_NN"), then sleeps where SLOW names the target; none of that
# where rowstamp reads the revision offline to say what of it exists (MariaDB).
SLEEPY = (
    "    op.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))\n"
    "    if op.get_context().as_sql:\n"
    "        return\n"
    "    place = op.get_context().version_table_schema\n"
    "    place = (place or os.path.basename(op.get_bind().engine.url.database))[:9]\n"
    "    open(os.path.join(os.environ['MARKS'], place), 'w').close()\n"
    "    if place in os.environ.get('SLOW', '').split(','):\n"
    "{sleep}"
)
SLEEPS = {
    "postgresql": "        op.execute('SELECT pg_sleep(300)')",
    "pgbouncer": "        op.execute('SELECT pg_sleep(300)')",
    "mariadb": "        op.execute('SELECT SLEEP(300)')",
    "sqlite": "        time.sleep(300)",
}
ROW = re.compile(r"^(tenant_\d+)\s+(interrupted|not started|failed|locked)\s+(\S+)", re.M)
NAMES = tenant_names(6)


@dataclass
class Targets:
    """One engine's fleet of NAMES: how to run it and what each database holds."""

    engine: str
    project: Project
    env: dict[str, str]
    urls: dict[str, URL]
    """Where each target's version table is read (PostgreSQL: the one database)."""
    holders: Callable[[Connection], list[tuple[object, ...]]]

    def run(self, *args: str, **env: str) -> Result:
        return self.project.run("rowstamp", "fleet", *args, **self.env, **env)

    def state(self, name: str) -> tuple[list[str], bool]:
        """The version table's rows and whether table ``slow`` exists."""
        schema = name if self.engine in ("postgresql", "pgbouncer") else None
        engine = create_engine(self.urls[name])
        try:
            with engine.connect() as connection:
                tables = inspect(connection).get_table_names(schema=schema)
                if "alembic_version" not in tables:
                    return [], "slow" in tables
                table = f'"{schema}".alembic_version' if schema else "alembic_version"
                rows = connection.execute(text(f"SELECT version_num FROM {table}"))
                return sorted(r[0] for r in rows), "slow" in tables
        finally:
            engine.dispose()

    def locks_held(self) -> list[tuple[object, ...]]:
        found: list[tuple[object, ...]] = []
        for url in dict.fromkeys(self.urls.values()):
            engine = create_engine(url)
            try:
                with engine.connect() as connection:
                    found += self.holders(connection)
            finally:
                engine.dispose()
        return found


def _pg_holders(connection: Connection) -> list[tuple[object, ...]]:
    """Advisory locks in this database, and statements still sleeping in it."""
    rows = connection.execute(
        text(
            "SELECT l.pid, a.state, a.query FROM pg_locks l "
            "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "UNION ALL SELECT pid, state, query FROM pg_stat_activity "
            "WHERE query LIKE '%pg_sleep(300)%' AND pid <> pg_backend_pid()"
        )
    )
    return [tuple(row) for row in rows]


def _pooled_holders(connection: Connection) -> list[tuple[object, ...]]:
    """Through the pooler: the advisory locks and sleeping statements above, and any
    transaction still holding a lock-table row (it names itself with the lock's tag)."""
    tag = holder_tag(lock_key("alembic_version", None)).rsplit(" ", 1)[0]
    rows = connection.execute(
        text(
            "SELECT pid, state, application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE :tag"
        ),
        {"tag": f"{tag}%"},
    )
    return _pg_holders(connection) + [tuple(row) for row in rows]


def _mariadb_holders(connection: Connection) -> list[tuple[object, ...]]:
    """Who holds this database's migration lock (GET_LOCK's name, as rowstamp makes
    it), and statements still sleeping on the server for it."""
    database = connection.execute(text("SELECT DATABASE()")).scalar()
    name = bounded_name(f"{lock_key('alembic_version', None)}@{database}", 64)
    held = connection.execute(text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar()
    sleeping = connection.execute(
        text(
            "SELECT id, info FROM information_schema.processlist "
            "WHERE db = :db AND info LIKE '%SLEEP(300)%' AND id <> CONNECTION_ID()"
        ),
        {"db": database},
    ).all()
    return ([("lock", name, held)] if held is not None else []) + [tuple(r) for r in sleeping]


def _sqlite_holders(connection: Connection) -> list[tuple[object, ...]]:
    """The lock file beside the database, if a process still holds it (flock)."""
    import fcntl

    path = Path(str(connection.engine.url.database) + ".rowstamp-lock")
    assert path.exists()  # the run took the lock there
    with path.open() as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return [("lock file", str(path), handle.read())]
        fcntl.flock(handle, fcntl.LOCK_UN)
    return []


@pytest.fixture
def targets(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Targets]:
    engine = str(request.param)
    project = Project.copy(tmp_path / "project", None, history=True)
    targets_file = project.root / "app" / "envs" / "development.targets.toml"
    if engine in ("postgresql", "pgbouncer"):
        server: Server = request.getfixturevalue("pg_server")
        url = server.create_database()
        admin = create_engine(url)
        make_schemas(admin, NAMES)
        admin.dispose()
        targets_file.write_text(TENANTS_TOML)
        try:
            with ExitStack() as stack:
                seen, holders = url, _pg_holders
                if engine == "pgbouncer":  # 2 jobs of up to 3 connections, and the status
                    pooler = stack.enter_context(pgbouncer_before(server, pool_size=8))
                    seen = url.set(host=pooler.url.host, port=pooler.url.port)
                    holders = _pooled_holders
                env = {"TENANTS_URL": seen.render_as_string(hide_password=False)}
                yield Targets(engine, project, env, dict.fromkeys(NAMES, url), holders)
        finally:
            server.drop_database(url)
        return
    if engine == "mariadb":
        server = request.getfixturevalue("mariadb_server")
        urls = {n: server.create_database(prefix=n) for n in NAMES}
        holders = _mariadb_holders
    else:
        urls = {n: URL.create("sqlite", database=str(tmp_path / f"{n}.sqlite3")) for n in NAMES}
        holders = _sqlite_holders
    variables = {n: f"{n.upper()}_URL" for n in NAMES}
    targets_file.write_text("".join(f'[targets.{n}]\nenv = "{variables[n]}"\n\n' for n in NAMES))
    env = {variables[n]: u.render_as_string(hide_password=False) for n, u in urls.items()}
    try:
        yield Targets(engine, project, env, urls, holders)
    finally:
        if engine == "mariadb":
            for url in urls.values():
                server.drop_database(url)


def _wait_for(marks: Path, names: list[str], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if all((marks / name).exists() for name in names):
            return
        time.sleep(0.2)
    output = process.communicate(timeout=60)[0] if process.poll() is not None else "still running"
    pytest.fail(f"{names} did not start: {output}")


@pytest.mark.parametrize(
    "targets",
    [
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("pgbouncer", marks=pytest.mark.postgresql),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
    ],
    indirect=True,
)
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_fleet_truthfully(
    targets: Targets, tmp_path: Path, stop: signal.Signals
) -> None:
    targets.run("upgrade", "--jobs", "2")
    sleepy = SLEEPY.format(sleep=SLEEPS[targets.engine])
    write_revision(targets.project, "s1", FIRST_ID, sleepy, "    op.drop_table('slow')")
    marks = tmp_path / "marks"
    marks.mkdir()
    env = targets.project.env(MARKS=str(marks), SLOW="tenant_02,tenant_03", **targets.env)
    process = subprocess.Popen(
        ["rowstamp", "fleet", "upgrade", "--jobs", "2"],
        cwd=targets.project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(marks, ["tenant_02", "tenant_03"], process)  # 00 and 01 are done
        process.send_signal(stop)
        output = process.communicate(timeout=120)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 128 + stop, output
    assert "Traceback" not in output
    assert f"Stopped by {stop.name}; run the same command again" in output
    rows = {m[1]: (m[2], m[3]) for m in ROW.finditer(output)}
    assert {n: s for n, (s, _) in rows.items()} == {
        "tenant_02": "interrupted",
        "tenant_03": "interrupted",
        "tenant_04": "not started",
        "tenant_05": "not started",
    }, output
    # the table says what each database says; the sleeping revision rolled back (its
    # version row was never written), and only MariaDB keeps the DDL that ran before
    kept_ddl = targets.engine == "mariadb"
    for name in NAMES:
        revision = rows[name][1] if name in rows else "s1"
        versions, slow = targets.state(name)
        assert versions == [FIRST_ID if revision == "-" else revision], (name, output)
        if name in {"tenant_02", "tenant_03"}:
            assert revision == FIRST_ID and slow is kept_ddl, (name, slow, output)
    assert "2 upgraded" in output and "2 interrupted" in output and "2 not started" in output
    # no lock held, no statement left running: a closed connection's server side leaves
    # a moment after the client; wait for that (bounded), never for a live holder
    deadline = time.monotonic() + 10
    while (held := targets.locks_held()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert held == [], (held, output)

    if kept_ddl:  # the rerun meets table slow: the report says what to do
        _finish_by_hand(targets, output)
    rerun = targets.run("upgrade", "--jobs", "2", MARKS=str(marks))
    assert "4 upgraded, 6 at head" in rerun.output, rerun.output
    assert all(targets.state(n) == (["s1"], True) for n in NAMES)


def _finish_by_hand(targets: Targets, output: str) -> None:
    """On MariaDB the interrupted targets' rows name table slow as existing and say how
    to undo it; do that, as the user would, before the rerun."""
    for name in ("tenant_02", "tenant_03"):
        [line] = [x for x in output.splitlines() if re.match(rf"{name}\s+interrupted", x)]
        assert "half-applied" in line and "table slow" in line, output
        engine = create_engine(targets.urls[name])
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE slow"))
        engine.dispose()
