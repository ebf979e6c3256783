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

Run: ``python -m bench.autogen_scale`` (``BENCH_SIZES=100,500`` to choose N;
quick profile 100 and 1,000, full 100, 500 and 1,000).
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
            render_python_code(
                ops,
                render_item=opts.get("render_item"),
                render_as_batch=bool(opts.get("render_as_batch", False)),
                migration_context=context,
            )
    return (time.perf_counter() - start, cpu_now() - cpu), script


def migrate_to_head(engine: Engine, metadata: MetaData) -> None:
    """Create the tables and their triggers, so the next autogenerate finds nothing."""
    metadata.create_all(engine)
    support = for_dialect(engine.dialect)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            for statement in support.create_statements(
                TriggerSpec(table.name, None, version=1, now=None)
            ):
                conn.execute(statement)


def clear(engine: Engine, metadata: MetaData) -> None:
    metadata.drop_all(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS set_updated_at()")


def count_ops(script: Any) -> tuple[int, int]:
    """(tables to create, triggers to create) in an autogenerate result, at any depth."""
    kinds: list[str] = []

    def walk(ops: list[Any]) -> None:
        for op in ops:
            kinds.append(type(op).__name__)
            walk(getattr(op, "ops", []))

    walk(script.upgrade_ops.ops)
    return kinds.count("CreateTableOp"), kinds.count("CreateUpdatedAtTriggerOp")


def bench_engine(result: Result, label: str, url: str, engine: Engine) -> None:
    for n in SIZES:
        metadata = build_metadata(n)
        ours, plain = rowstamp_options(url, metadata), plain_options(metadata)

        def run(
            opts: dict[str, Any], check: Callable[[Any], bool], md: MetaData = metadata
        ) -> Callable[[], Sample]:
            """A timed run whose script is checked after the clock stops (no untimed
            extra run: at N = 1000 each one costs seconds of the quick budget)."""

            def timed() -> Sample:
                sample, script = autogenerate(engine, md, opts)
                assert check(script), script.upgrade_ops.ops[:3]
                return sample

            return timed

        # The empty database wants every table and trigger (rowstamp) and every table
        # (Alembic); the database at head wants nothing from either contender.
        def wants(tables: int, triggers: int) -> Callable[[Any], bool]:
            return lambda script: count_ops(script) == (tables, triggers)

        def empty(script: Any) -> bool:
            return bool(script.upgrade_ops.is_empty())

        times = interleaved(
            {"alembic": run(plain, wants(n, 0)), "rowstamp": run(ours, wants(n, n))}
        )
        compare(result, MEASURE, f"{label} empty db, N={n}", times, "alembic")

        migrate_to_head(engine, metadata)
        times = interleaved({"alembic": run(plain, empty), "rowstamp": run(ours, empty)})
        compare(result, MEASURE, f"{label} at head, N={n}", times, "alembic")
        clear(engine, metadata)


def main() -> Result:
    started = time.perf_counter()
    banner("Autogenerate at scale: rowstamp vs plain Alembic")
    # On /dev/shm: building the database at head is one DDL statement after another, each
    # committed (pysqlite starts no transaction for DDL), and on a disk the fsync of each
    # made that set-up, untimed, longer than the timed runs at N = 1000.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp, postgresql() as server:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        pg_url = server.create_database("bench")
        sqlite = create_engine(sqlite_url, poolclass=NullPool)
        pg = create_engine(pg_url)
        result = Result(
            "autogen_scale",
            "Autogenerate at scale",
            versions(SQLite=server_version(sqlite), PostgreSQL=server_version(pg)),
        )
        pg_url_str = pg_url.render_as_string(hide_password=False)
        bench_engine(result, "SQLite", sqlite_url, sqlite)
        bench_engine(result, "PostgreSQL", pg_url_str, pg)
        pg.dispose()
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
