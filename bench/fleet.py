"""Fleet: many tenant schemas of one PostgreSQL database, against the cookbook loop.

One PostgreSQL server; one database holding ``BENCH_FLEET_SCHEMAS`` tenant schemas
(1,000 quick, 10,000 full) at head, brought there by running the first migration's
offline SQL in each schema (the fleet is not timed building itself).

- **no-op** (every schema at head): ``rowstamp fleet status`` and ``rowstamp fleet
  upgrade --jobs 4``, each a whole command in its own process, over all the schemas;
- **new revision** (one small revision pending in ``BENCH_FLEET_APPLY`` schemas: 100
  quick, 1,000 full): ``rowstamp fleet upgrade --jobs 4``;
- **baseline**: the Alembic cookbook's loop, one ``alembic -x tenant=S upgrade head``
  process per schema with the cookbook's env.py ("Rudimental Schema-Level Multi Tenancy
  for PostgreSQL"), timed in the same run on a sample of ``BENCH_FLEET_SAMPLE``
  schemas (5 quick, 100 full) and scaled to the fleet's size (the loop is linear:
  one process per schema). The ratio is the fleet's time over the scaled loop's.

Between runs of the new revision its table and version are reset by SQL. Peak memory
and CPU are read from /proc every 50 ms over each command's whole process tree (the
fleet's workers are children of its fork server, which ``RUSAGE_CHILDREN`` misses).
Cores are recorded: the goals (no-op < 5 s, >= 20x the loop on the no-op, >= 4x on
the new revision) were set for a 2-core machine.

Run: ``python -m bench.fleet``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bench.common import (
    ROOT,
    RUNS,
    Result,
    Sample,
    banner,
    compare,
    copy_project,
    cpu_now,
    interleaved,
    postgresql,
    server_version,
    sized,
    versions,
)

SCHEMAS = sized(1000, 10000, env="BENCH_FLEET_SCHEMAS")
APPLY = sized(100, 1000, env="BENCH_FLEET_APPLY")
SAMPLE = sized(5, 100, env="BENCH_FLEET_SAMPLE")
APPLY_RUNS = sized(1, 3, env="BENCH_FLEET_APPLY_RUNS")
JOBS = 4
BIN = Path(sys.executable).parent
FIRST = next((ROOT / "alembic" / "versions").glob("*_create_users_table.py"))
FIRST_ID = FIRST.name.partition("_")[0]
LOOP = "cookbook loop (alembic -x tenant=S, one process per schema)"

NEW_REVISION = f'''"""Add fleet notes"""

import sqlalchemy as sa
from alembic import op

revision = "fleet2"
down_revision = "{FIRST_ID}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("fleet_notes", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("fleet_notes")
'''

# The Alembic cookbook's env.py for schema-per-tenant PostgreSQL (URL from the
# environment, the models' metadata, rowstamp's operations registered for the
# migration files), as a project without rowstamp's env.py would run it.
COOKBOOK_ENV = """
import os

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import rowstamp.autogen.impl  # noqa: F401 - the migration files use rowstamp's ops
from app.db.base import Base
import app.models  # noqa: F401

target_metadata = Base.metadata


def run_migrations_online():
    connectable = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
    tenant = context.get_x_argument(as_dictionary=True).get("tenant")
    with connectable.connect() as connection:
        connection.execute(text('SET search_path TO "%s"' % tenant))
        connection.commit()
        connection.dialect.default_schema_name = tenant
        context.configure(
            connection=connection, target_metadata=target_metadata,
            version_table_schema=tenant,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""


def _project(root: Path, url: URL) -> tuple[Path, Path, dict[str, str]]:
    """The fleet's project (this repository's) and the cookbook's, same migrations."""
    fleet = copy_project(root / "fleet")
    loop = copy_project(root / "loop")
    (loop / "alembic" / "env.py").write_text(COOKBOOK_ENV, encoding="utf-8")
    for project in (fleet, loop):
        (project / "alembic" / "versions").mkdir(exist_ok=True)
        shutil.copy2(FIRST, project / "alembic" / "versions" / FIRST.name)
    for prefix, name in (("tenant", "development"), ("apply", "apply")):
        query = f"SELECT nspname FROM pg_namespace WHERE nspname LIKE '{prefix}\\\\_%' ORDER BY 1"
        (fleet / "app" / "envs" / f"{name}.targets.toml").write_text(
            f'[tenants]\nenv = "TENANTS_URL"\nquery = "{query}"\n', encoding="utf-8"
        )
    secret = url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "DATABASE_URL": secret,
        "TENANTS_URL": secret,
        "ENVIRONMENT": "development",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return fleet, loop, env


def _first_sql(fleet: Path, env: dict[str, str]) -> str:
    """The first migration as offline SQL: what each schema runs to be at head."""
    done = subprocess.run(
        [str(BIN / "alembic"), "upgrade", "head", "--sql"],
        cwd=fleet,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _make_schemas(url: URL, names: list[str], sql: str, chunk: int = 100) -> None:
    """Each schema made and brought to head by the same SQL as before, ``chunk``
    schemas a round trip (one statement batch) instead of three round trips each."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            for first in range(0, len(names), chunk):
                connection.exec_driver_sql(
                    "".join(
                        f'CREATE SCHEMA "{name}";\nSET search_path TO "{name}";\n{sql}\n'
                        for name in names[first : first + chunk]
                    )
                )
                connection.commit()
    finally:
        engine.dispose()


def _reset(url: URL, names: list[str]) -> None:
    """Back to the first revision: the new revision's table and version removed."""
    statements = "".join(
        f'DROP TABLE IF EXISTS "{n}".fleet_notes; DROP TABLE IF EXISTS "{n}".rowstamp_history; '
        f"UPDATE \"{n}\".alembic_version SET version_num = '{FIRST_ID}';"
        for n in names
    )
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(statements)
    finally:
        engine.dispose()


def _at(url: URL, names: list[str], revision: str) -> bool:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            union = " UNION ALL ".join(
                f'SELECT version_num FROM "{n}".alembic_version' for n in names
            )
            return {r[0] for r in connection.execute(text(union))} == {revision}
    finally:
        engine.dispose()


_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
PEAKS: dict[str, float] = {}
"""The largest total RSS (MiB) each command's process tree reached, by command name."""


def _tree_sample(root: int, cpu: dict[int, float]) -> float:
    """RSS (bytes) of ``root`` and its descendants now; their CPU seconds into ``cpu``.

    The fleet's workers are children of the fork server, not of the command: waiting
    for the command (``RUSAGE_CHILDREN``) would count neither their memory nor their
    CPU, so the tree is read from /proc.
    """
    stats: dict[int, tuple[int, float, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        stats[int(entry.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / _TICK,
            int(fields[21]) * _PAGE,
        )
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _, _) in stats.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    rss = 0
    for pid in tree & stats.keys():
        cpu[pid] = stats[pid][1]
        rss += stats[pid][2]
    return rss


def _command(
    args: list[str], cwd: Path, env: dict[str, str], ok: Callable[[int], bool], name: str = ""
) -> Sample:
    """Run one command; wall seconds, and the CPU seconds of its whole process tree."""
    start, used = time.perf_counter(), cpu_now()
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    cpu: dict[int, float] = {}
    peak = 0.0

    def watch() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, _tree_sample(process.pid, cpu))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    seconds, used = time.perf_counter() - start, cpu_now() - used
    watcher.join()
    if not ok(process.returncode):
        raise RuntimeError(f"{args} failed ({process.returncode}): {stdout[-800:]} {stderr[-800:]}")
    if name:
        PEAKS[name] = max(PEAKS.get(name, 0.0), peak / 2**20)
    return seconds, max(used, sum(cpu.values()))


def _loop(loop: Path, env: dict[str, str], names: list[str], scale: float) -> Callable[[], Sample]:
    def run() -> Sample:
        total, cpu = 0.0, 0.0
        for name in names:
            args = [str(BIN / "alembic"), "-x", f"tenant={name}", "upgrade", "head"]
            wall, used = _command(args, loop, env, lambda code: code == 0, LOOP)
            total, cpu = total + wall, cpu + (used or 0.0)
        return total * scale, cpu * scale

    return run


def main() -> Result:
    started = time.perf_counter()
    banner(f"Fleet: {SCHEMAS} tenant schemas on one PostgreSQL server")
    cores = os.cpu_count() or 1
    with postgresql() as server, tempfile.TemporaryDirectory() as folder:
        url = server.create_database()
        probe = create_engine(url)
        try:
            result = Result("fleet", "Fleet", versions(postgresql=server_version(probe)))
        finally:
            probe.dispose()
        fleet, loop, env = _project(Path(folder), url)
        sql = _first_sql(fleet, env)
        tenants = [f"tenant_{n:05d}" for n in range(SCHEMAS)]
        applied = [f"apply_{n:05d}" for n in range(APPLY)]
        sample = [f"loop_{n:05d}" for n in range(SAMPLE)]
        built = time.perf_counter()
        _make_schemas(url, tenants + applied + sample, sql)
        print(
            f"  {len(tenants) + len(applied) + len(sample)} schemas built in "
            f"{time.perf_counter() - built:.1f} s",
            flush=True,
        )
        rowstamp = str(BIN / "rowstamp")

        noop = {
            LOOP: _loop(loop, env, sample, SCHEMAS / SAMPLE),
            "rowstamp fleet status": lambda: _command(
                [rowstamp, "fleet", "status"], fleet, env, lambda c: c == 0, "fleet status"
            ),
            f"rowstamp fleet upgrade --jobs {JOBS}": lambda: _command(
                [rowstamp, "fleet", "upgrade", "--jobs", str(JOBS)],
                fleet,
                env,
                lambda c: c == 0,
                "no-op fleet upgrade",
            ),
        }
        # bytecode caches and the ledger-less first look, untimed; the loop's processes
        # all do the same, so one schema of it warms it up
        warm = {**noop, LOOP: _loop(loop, env, sample[:1], 1)}
        for run in warm.values():
            run()
        times = interleaved(noop, runs=RUNS)
        goals = {name: 1 / 20 for name in noop if name != LOOP}  # ratio <= goal: 20x faster
        rows = compare(result, "no-op", f"{SCHEMAS} schemas at head", times, LOOP, goals=goals)

        for project in (fleet, loop):
            (project / "alembic" / "versions" / "fleet2_add_fleet_notes.py").write_text(
                NEW_REVISION
            )
        apply_env = {**env, "ENVIRONMENT": "development"}

        def fleet_apply() -> Sample:
            _reset(url, applied)
            targets = str(fleet / "app" / "envs" / "apply.targets.toml")
            args = [rowstamp, "fleet", "upgrade", "--jobs", str(JOBS), "--targets", targets]
            sample_ = _command(
                args, fleet, apply_env, lambda c: c == 0, "fleet upgrade, new revision"
            )
            assert _at(url, applied, "fleet2"), "the fleet left a schema behind"
            return sample_

        loop_apply = _loop(loop, env, sample, APPLY / SAMPLE)

        def loop_reset_apply() -> Sample:
            _reset(url, sample)
            return loop_apply()

        apply_times = interleaved(
            {LOOP: loop_reset_apply, f"rowstamp fleet upgrade --jobs {JOBS}": fleet_apply},
            runs=APPLY_RUNS,
        )
        apply_rows = compare(
            result,
            "new revision",
            f"{APPLY} schemas, one revision each",
            apply_times,
            LOOP,
            goals={f"rowstamp fleet upgrade --jobs {JOBS}": 1 / 4},
        )
        server.drop_database(url)
    status_row = rows["rowstamp fleet status"]
    speedups = [
        f"{r.case}, {r.contender}: {1 / r.ratio:,.0f}x the loop"
        for r in [*rows.values(), *apply_rows.values()]
        if r.ratio
    ]
    result.notes += [
        f"Cores: {cores}. The loop ran on {SAMPLE} schemas and is scaled to {SCHEMAS} (no-op) "
        f"and {APPLY} (new revision): one process per schema, so its time is linear.",
        f"No-op over {SCHEMAS} schemas: fleet status {status_row.median_s:.2f} s, fleet upgrade "
        f"{rows[f'rowstamp fleet upgrade --jobs {JOBS}'].median_s:.2f} s (goal: under 5 s).",
        "Peak memory (total RSS of the command, its fork server and workers, sampled every "
        "50 ms from /proc): " + ", ".join(f"{k} {v:.0f} MiB" for k, v in PEAKS.items()) + ".",
        "Speed-ups (wall): " + "; ".join(speedups) + ".",
    ]
    for note in result.notes:
        print("  " + note, flush=True)
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
