"""Retrofit: give an existing 5,000,000-row PostgreSQL table rowstamp's columns and trigger.

The table ``legacy`` (id, name, value) is filled once. Its model then inherits rowstamp's
``MetadataColumns`` and rowstamp's autogenerate writes the migration (five
``add_column`` with rowstamp's rendered defaults, three indexes, and
``create_updated_at_trigger(..., version=1)``). That rendered code is what each run
executes, exactly as it would stand in a revision file; its downgrade (also generated)
resets the table between runs, untimed.

Each run reports the whole migration and, per statement kind, where the time went;
``pg_relation_filenode`` before and after tells whether PostgreSQL rewrote the table
(it must not: every default is stable, so ``ADD COLUMN`` only touches the catalog).
The baseline is the same migration without the trigger: what Alembic alone generates.

Run: ``python -m bench.retrofit`` (``BENCH_RETROFIT_ROWS`` changes the row count;
quick profile 2,000,000 rows, full 5,000,000).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, Integer, MetaData, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.pool import NullPool

from bench.common import (
    RUNS,
    Result,
    Row,
    banner,
    postgresql,
    server_version,
    sized,
    versions,
)
from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from rowstamp.runtime import env as migration
from rowstamp.runtime.options import RunOptions
from rowstamp.settings import RowstampSettings

ROWS = sized(2_000_000, 5_000_000, env="BENCH_RETROFIT_ROWS")
MEASURE = "retrofit"
TABLE = "legacy"


def _model_metadata() -> MetaData:
    class Base(MetadataColumns, DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    class Legacy(Base):
        __tablename__ = TABLE
        id = mapped_column(Integer, primary_key=True)
        name = mapped_column(String(100), nullable=False)
        value = mapped_column(Integer, nullable=False)

    return Base.metadata


def _create_legacy(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name varchar(100) NOT NULL, "
            "value integer NOT NULL)"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {TABLE} SELECT g, 'row ' || g, mod(g, 1000) "
            f"FROM generate_series(1, {ROWS}) g"
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM ANALYZE {TABLE}")


def _generate(conn: Connection, url: str, metadata: MetaData) -> tuple[str, str]:
    """The upgrade and downgrade bodies rowstamp's autogenerate writes for the retrofit."""
    config = Config()
    with EnvironmentContext(config, None):  # type: ignore[arg-type] - see autogen_scale
        run = RunOptions(settings=RowstampSettings(database_url=url)).install(config)
        opts = migration.online_options(run, metadata)
    context = MigrationContext.configure(conn, opts=opts)
    script = produce_migrations(context, metadata)
    opts["process_revision_directives"](context, (), [script])  # rowstamp's ordering pass
    render = opts.get("render_item")
    batch = bool(opts.get("render_as_batch", False))
    return tuple(  # type: ignore[return-value]
        render_python_code(
            ops, render_item=render, migration_context=context, render_as_batch=batch
        )
        for ops in (script.upgrade_ops, script.downgrade_ops)
    )


def _compile(body: str) -> Any:
    """The rendered body as the function a revision file would hold."""
    namespace: dict[str, Any] = {}
    source = (
        "import sqlalchemy as sa\n"
        "from alembic import op\n"
        "from sqlalchemy.dialects import mysql\n"
        "from rowstamp.sql import utc_now\n"
        "def run():\n" + body
    )
    exec(compile(source, "<generated migration>", "exec"), namespace)
    return namespace["run"]


def _kind(statement: str) -> str:
    head = " ".join(statement.split()).upper()
    if head.startswith("ALTER TABLE") and " ADD COLUMN " in head:
        return "add_column x5"
    if head.startswith("CREATE INDEX"):
        return "create_index x3"
    if "TRIGGER" in head or "FUNCTION" in head:
        return "create_updated_at_trigger"
    return "other"


def _filenode(conn: Connection) -> int:
    return int(conn.exec_driver_sql(f"SELECT pg_relation_filenode('{TABLE}')").scalar_one())


def _migrate(engine: Engine, fn: Any) -> dict[str, float]:
    """Run one generated function as ``alembic upgrade`` would; seconds per statement kind."""
    spent: dict[str, float] = defaultdict(float)
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        spent[_kind(statement)] += time.perf_counter() - started.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        start = time.perf_counter()
        # The context's own transaction, as env.py's: the autogenerated revision builds
        # its indexes CONCURRENTLY in an autocommit block, which ends that transaction.
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            with context.begin_transaction(), Operations.context(context):
                fn()
        spent["total"] = time.perf_counter() - start
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return spent


def main() -> Result:
    started = time.perf_counter()
    banner(f"Retrofit: rowstamp's columns and trigger on an existing {ROWS:,}-row table")
    with postgresql() as server:
        url = server.create_database("retrofit")
        engine = create_engine(url, poolclass=NullPool)
        result = Result(
            "retrofit", "Retrofit an existing table", versions(PostgreSQL=server_version(engine))
        )
        fill = time.perf_counter()
        _create_legacy(engine)
        print(f"  filled {ROWS:,} rows in {time.perf_counter() - fill:.1f} s (untimed)")
        metadata = _model_metadata()
        with engine.connect() as conn:
            upgrade, downgrade = _generate(
                conn, url.render_as_string(hide_password=False), metadata
            )
        print("  generated upgrade:\n" + upgrade)
        assert "create_updated_at_trigger('legacy', version=1)" in upgrade, upgrade
        up, down = _compile(upgrade), _compile(downgrade)
        runs: dict[str, list[float]] = defaultdict(list)
        rewritten = set()
        for _ in range(RUNS):
            with engine.connect() as conn:
                before = _filenode(conn)
            for kind, seconds in _migrate(engine, up).items():
                runs[kind].append(seconds)
            with engine.connect() as conn:
                rewritten.add(_filenode(conn) != before)
            _migrate(engine, down)
        engine.dispose()

    total = runs.pop("total")
    without_trigger = [
        t - trig for t, trig in zip(total, runs["create_updated_at_trigger"], strict=True)
    ]
    base = statistics.median(without_trigger)
    verdict = "rewritten" if any(rewritten) else "not rewritten (filenode unchanged)"
    case = f"PostgreSQL, {ROWS:,} rows"
    result.add(Row(MEASURE, case, "columns + indexes (Alembic part)", base, runs=without_trigger))
    result.add(
        Row(
            MEASURE,
            case,
            "whole rowstamp migration",
            statistics.median(total),
            ratio=statistics.median(total) / base,
            baseline="columns + indexes",
            runs=total,
            note=f"table {verdict}",
        )
    )
    for kind, samples in sorted(runs.items()):
        result.add(
            Row(MEASURE, case, f"  of which {kind}", statistics.median(samples), runs=samples)
        )
    result.notes.append(f"Table {verdict} in every run ({RUNS} runs).")
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
