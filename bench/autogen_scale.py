"""Autogenerate at scale: what rowstamp's trigger comparison adds to Alembic's autogenerate.

N tables (each with its own index and a foreign key to its neighbour, plus the five
metadata columns and their indexes), compared against an empty database (everything to
create) and against a database at head (an empty diff), on SQLite and PostgreSQL.

Both contenders compare the *same* models in-process with ``produce_migrations`` and
render the upgrade and downgrade with ``render_python_code``, as ``alembic revision
--autogenerate`` does; only the options differ:

- ``alembic``: Alembic's defaults plus ``compare_type=True`` (rowstamp's plugin is
  installed but not enabled, exactly as for a project that does not use it);
- ``rowstamp``: ``rowstamp.runtime.env.online_options`` (the plugin, the render hook,
  the timestamp option), so every table's trigger is compared too.

Every timed run is a forked child of the process holding the models
(``bench.common.in_child``): each starts from the same heap, and the cyclic garbage one
run leaves (over a second at N = 1,000) is collected by neither the next run nor the
parent's untimed set-up.

Run: ``python -m bench.autogen_scale`` (``BENCH_SIZES=100,500`` to choose N;
quick profile 100 and 1,000, full 100, 500 and 1,000). The quick profile runs SQLite at
N = 100 only and PostgreSQL at both sizes (``BENCH_SQLITE_LIMIT``, quick 100, full
1,000): the issue fixes the sizes, not the engines, and SQLite's 1,000 tables (four
cases of 3 runs each, about two minutes) do not fit the quick profile's 15 minutes;
``bench/whole_command.py`` times SQLite's new tables as a whole command at 300.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, ForeignKey, Integer, MetaData, String, create_engine
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.pool import NullPool

from bench.common import (
    Result,
    Sample,
    banner,
    compare,
    cpu_now,
    create_at_once,
    in_child,
    interleaved,
    postgresql,
    server_version,
    sized,
    versions,
)
from rowstamp.engines import for_dialect
from rowstamp.engines.ddl import TriggerSpec
from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from rowstamp.runtime import env as migration
from rowstamp.runtime.options import RunOptions
from rowstamp.settings import RowstampSettings

SIZES = sized([100, 1000], [100, 500, 1000], env="BENCH_SIZES")
SQLITE_LIMIT = sized(100, 1000, env="BENCH_SQLITE_LIMIT")
"""The largest N SQLite runs at (quick: 100; PostgreSQL runs every size)."""
MEASURE = "autogenerate"


def build_metadata(n: int) -> MetaData:
    """N declarative models on rowstamp's mixin: own index, FK to the previous table."""

    class Base(MetadataColumns, DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    for i in range(n):
        name = f"t{i:04d}"
        parent = f"t{max(i - 1, 0):04d}"
        type(
            f"T{i:04d}",
            (Base,),
            {
                "__tablename__": name,
                "id": mapped_column(Integer, primary_key=True),
                "name": mapped_column(String(100), nullable=False, index=True),
                "parent_id": mapped_column(Integer, ForeignKey(f"{parent}.id"), nullable=True),
            },
        )
    return Base.metadata


def rowstamp_options(url: str, metadata: MetaData) -> dict[str, Any]:
    settings, config = RowstampSettings(database_url=url), Config()
    # rowstamp.runtime.env serves env.py, and may ask the running EnvironmentContext
    # which command runs; an empty one says "none", as for a plain autogenerate.
    with EnvironmentContext(config, None):  # type: ignore[arg-type]
        return migration.online_options(RunOptions(settings=settings).install(config), metadata)


def plain_options(metadata: MetaData) -> dict[str, Any]:
    return {"target_metadata": metadata, "compare_type": True}


def autogenerate(engine: Engine, metadata: MetaData, opts: dict[str, Any]) -> tuple[Sample, Any]:
    """One ``revision --autogenerate`` worth of work: compare, the directives hook (rowstamp's
    ordering pass), then render both directions. Returns (wall, CPU) seconds and the script."""
    start, cpu = time.perf_counter(), cpu_now()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=opts)
        script = produce_migrations(context, metadata)
        hook = opts.get("process_revision_directives")
        if hook is not None:
            hook(context, (), [script])
        for ops in (script.upgrade_ops, script.downgrade_ops):
            assert ops is not None
            render_python_code(
                ops,
                render_item=opts.get("render_item"),
                render_as_batch=bool(opts.get("render_as_batch", False)),
                migration_context=context,
            )
    return (time.perf_counter() - start, cpu_now() - cpu), script


def migrate_to_head(engine: Engine, metadata: MetaData) -> None:
    """Create the tables and their triggers, so the next autogenerate finds nothing
    (one script in one transaction: at N = 1,000 statement by statement took seconds)."""
    support = for_dialect(engine.dialect)
    triggers = [
        statement
        for table in metadata.sorted_tables
        for statement in support.create_statements(
            TriggerSpec(table.name, None, version=1, now=None)
        )
    ]
    create_at_once(engine, metadata, triggers)


def count_ops(script: Any) -> tuple[int, int]:
    """(tables to create, triggers to create) in an autogenerate result, at any depth."""
    kinds: list[str] = []

    def walk(ops: list[Any]) -> None:
        for op in ops:
            kinds.append(type(op).__name__)
            walk(getattr(op, "ops", []))

    walk(script.upgrade_ops.ops)
    return kinds.count("CreateTableOp"), kinds.count("CreateUpdatedAtTriggerOp")


Fresh = Callable[[], tuple[str, Engine]]
"""A new empty database for one N: (its URL, an engine on it)."""


def bench_size(result: Result, label: str, fresh: Fresh, n: int, metadata: MetaData) -> None:
    url, engine = fresh()  # a new database per N: no drop_all of 1,000 tables
    ours, plain = rowstamp_options(url, metadata), plain_options(metadata)

    def run(opts: dict[str, Any], check: Callable[[Any], bool]) -> Callable[[], Sample]:
        """A timed run whose script is checked after the clock stops (no untimed
        extra run: at N = 1000 each one costs seconds of the quick budget)."""

        def timed() -> Sample:
            sample, script = autogenerate(engine, metadata, opts)
            assert check(script), script.upgrade_ops.ops[:3]
            return sample

        return in_child(timed, [engine])

    # The empty database wants every table and trigger (rowstamp) and every table
    # (Alembic); the database at head wants nothing from either contender.
    def wants(tables: int, triggers: int) -> Callable[[Any], bool]:
        return lambda script: count_ops(script) == (tables, triggers)

    def empty(script: Any) -> bool:
        return bool(script.upgrade_ops.is_empty())

    times = interleaved({"alembic": run(plain, wants(n, 0)), "rowstamp": run(ours, wants(n, n))})
    compare(result, MEASURE, f"{label} empty db, N={n}", times, "alembic")

    migrate_to_head(engine, metadata)
    times = interleaved({"alembic": run(plain, empty), "rowstamp": run(ours, empty)})
    compare(result, MEASURE, f"{label} at head, N={n}", times, "alembic")
    engine.dispose()


def main() -> Result:
    started = time.perf_counter()
    banner("Autogenerate at scale: rowstamp vs plain Alembic")
    # On /dev/shm: building the database at head is one DDL statement after another, each
    # committed (pysqlite starts no transaction for DDL), and on a disk the fsync of each
    # made that set-up, untimed, longer than the timed runs at N = 1000.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp, postgresql() as server:

        def fresh_sqlite() -> tuple[str, Engine]:
            path = Path(tmp) / "bench.sqlite3"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}", create_engine(f"sqlite:///{path}", poolclass=NullPool)

        def fresh_pg() -> tuple[str, Engine]:
            url = server.create_database("bench")
            return url.render_as_string(hide_password=False), create_engine(url)

        engines = {"SQLite": fresh_sqlite, "PostgreSQL": fresh_pg}
        probes = {label: fresh()[1] for label, fresh in engines.items()}
        result = Result(
            "autogen_scale",
            "Autogenerate at scale",
            versions(**{label: server_version(e) for label, e in probes.items()}),
        )
        for probe in probes.values():
            probe.dispose()
        for n in SIZES:  # the models of one N built once and compared on every engine
            metadata = build_metadata(n)
            for label, fresh in engines.items():
                if label != "SQLite" or n <= SQLITE_LIMIT:
                    bench_size(result, label, fresh, n, metadata)
            del metadata
        # the page's order, as before: every size of an engine, then the next engine
        order = {label: i for i, label in enumerate(engines)}
        result.rows.sort(key=lambda row: order[row.case.split(" ")[0]])
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
