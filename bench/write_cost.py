"""Write cost of the trigger: one UPDATE of every row of a 1,000,000-row table.

Per engine, each variant gets its own identical table (id, value, updated_at) so the
runs interleave; only the UPDATE is timed:

- ``no trigger`` (full profile only): ``SET value = value + 1`` (updated_at goes
  stale);
- ``explicit SET`` (the baseline): ``SET value = value + 1, updated_at = <utc now>``,
  what an application does by hand or what an ORM ``onupdate`` sends;
- ``rowstamp trigger``: rowstamp's shipped trigger (``version=2``, which reads the
  untouched mark) and ``SET value = value + 1``; in the full profile also ``rowstamp
  trigger v1``, the same with version 1, and the ``trigger v2 over v1`` measure
  (version 2 at most 3% more, ``V2_LIMIT``). The quick profile drops both: on tables
  of their own the two versions measured apart by table artifacts, and
  ``bench/trigger_floor.py`` judges version 2 over version 1 on the same table;
- cheaper or alternative forms that a future trigger version could use, reported only
  (the shipped SQL is pinned by golden files and does not change here); PostgreSQL's
  six are in the full profile only (each is one more 1,000,000-row table, vacuumed
  and updated every run; ``bench/trigger_floor.py`` measures the floors in both);
  SQLite's ``rowstamp trigger + explicit SET`` is full-only too (trigger_floor has
  ``rowstamp v1 + explicit SET`` on the same table in both profiles).

So the quick profile keeps the issue's measure, the shipped trigger against an
explicit SET at 1,000,000 rows on every engine, and the full profile every row.

PostgreSQL tables are vacuumed (untimed) before each UPDATE so every variant meets
the same amount of free space. 1,000,000 rows in both profiles (the issue's size);
``BENCH_ROWS`` changes it. Runs: 3 quick, 5 full.

Run: ``python -m bench.write_cost``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    text,
    update,
)

from bench.common import (
    FULL,
    Result,
    Sample,
    banner,
    compare,
    cpu_now,
    engines_result,
    every_engine,
    interleaved,
)
from rowstamp.engines import for_dialect
from rowstamp.engines.ddl import TriggerSpec
from rowstamp.model.types import UTCDateTime
from rowstamp.sql import utc_now

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
MEASURE = "write cost"
BASELINE = "explicit SET"
SHIPPED = "rowstamp trigger"
V1 = "rowstamp trigger v1"
V2_LIMIT = 1.03
"""Version 2's write cost over version 1's that the issue allows."""


def make_table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("value", Integer, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False, server_default=utc_now()),
    )


def _fill(conn: Connection, table: Table) -> None:
    name = conn.dialect.identifier_preparer.quote(table.name)
    dialect = conn.dialect.name
    if dialect == "postgresql":
        sql = f"INSERT INTO {name} (id, value) SELECT g, 0 FROM generate_series(1, {ROWS}) g"
    elif dialect == "sqlite":
        sql = (
            f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS}) "
            f"INSERT INTO {name} (id, value) SELECT x, 0 FROM c"
        )
    else:  # MariaDB: the SEQUENCE engine's virtual seq_1_to_N table
        sql = f"INSERT INTO {name} (id, value) SELECT seq, 0 FROM seq_1_to_{ROWS}"
    conn.exec_driver_sql(sql)


def _rowstamp_trigger(conn: Connection, table: Table, version: int) -> None:
    for statement in for_dialect(conn.dialect).create_statements(
        TriggerSpec(table.name, None, version=version, now=None)
    ):
        conn.execute(statement)


def _variants(dialect: str) -> dict[str, tuple[list[str], bool]]:
    """name -> (extra DDL with {t} for the quoted table, does the UPDATE set updated_at)."""
    variants: dict[str, tuple[list[str], bool]] = {}
    if FULL:  # quick: the trigger against its baseline only (the page's goal row)
        variants["no trigger"] = ([], False)
    variants[BASELINE] = ([], True)
    variants[SHIPPED] = (["rowstamp"], False)
    if FULL:  # quick: trigger_floor's same-table v1/v2 rows judge version 2 (issue 17)
        variants[V1] = (["rowstamp v1"], False)
    if dialect == "postgresql" and FULL:  # alternative forms; bench/trigger_floor has floors
        variants["trigger, WHEN changed guard"] = (
            [
                "CREATE OR REPLACE FUNCTION bench_set_updated_at() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END; $$",
                "CREATE TRIGGER update_timestamp BEFORE UPDATE ON {t} FOR EACH ROW "
                "WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bench_set_updated_at()",
            ],
            False,
        )
        unchanged = [
            "CREATE OR REPLACE FUNCTION bench_set_updated_at() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END; $$",
            "CREATE TRIGGER update_timestamp BEFORE UPDATE ON {t} FOR EACH ROW "
            "WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) "
            "EXECUTE FUNCTION bench_set_updated_at()",
        ]
        variants["trigger, WHEN unchanged guard"] = (unchanged, False)
        variants["same + explicit SET"] = (unchanged, True)
        # floors: what any row trigger costs before its body does anything; the
        # statement sets updated_at itself, so the table ends the same
        variants["floor: PL/pgSQL trigger, RETURN NEW only"] = (
            [
                "CREATE OR REPLACE FUNCTION bench_return_new() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$",
                "CREATE TRIGGER update_timestamp BEFORE UPDATE ON {t} FOR EACH ROW "
                "EXECUTE FUNCTION bench_return_new()",
            ],
            True,
        )
        variants["floor: built-in C trigger"] = (
            [
                "CREATE TRIGGER update_timestamp BEFORE UPDATE ON {t} FOR EACH ROW "
                "EXECUTE FUNCTION suppress_redundant_updates_trigger()",
            ],
            True,
        )
        variants["moddatetime (C, contrib)"] = (
            [
                "CREATE EXTENSION IF NOT EXISTS moddatetime",
                "CREATE TRIGGER update_timestamp BEFORE UPDATE ON {t} FOR EACH ROW "
                "EXECUTE FUNCTION moddatetime(updated_at)",
            ],
            False,
        )
    if dialect == "sqlite" and FULL:  # quick: trigger_floor's "rowstamp v1 + explicit SET"
        variants["rowstamp trigger + explicit SET"] = (["rowstamp"], True)
    return variants


def _update(conn: Connection, table: Table, set_updated_at: bool) -> None:
    values: dict[str, Any] = {"value": table.c.value + 1}
    if set_updated_at:
        values["updated_at"] = utc_now()
    conn.execute(update(table).values(**values))


def bench_engine(result: Result, label: str, engine: Engine) -> None:
    metadata = MetaData()
    dialect = engine.dialect.name
    variants = _variants(dialect)
    tables = {name: make_table(metadata, f"w{i}") for i, name in enumerate(variants)}
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for name, (ddl, _) in variants.items():
            table = tables[name]
            _fill(conn, table)
            quoted = conn.dialect.identifier_preparer.quote(table.name)
            for statement in ddl:
                if statement.startswith("rowstamp"):
                    _rowstamp_trigger(conn, table, 1 if statement.endswith("v1") else 2)
                else:
                    conn.exec_driver_sql(statement.replace("{t}", quoted))

    def contender(name: str) -> Callable[[], Sample]:
        table, set_updated_at = tables[name], variants[name][1]

        def run() -> Sample:
            if dialect == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql(f"VACUUM {table.name}")
            with engine.begin() as conn:
                start, cpu = time.perf_counter(), cpu_now()
                _update(conn, table, set_updated_at)
            # SQLite works in this process; a server's work is not on this process's clock.
            return time.perf_counter() - start, cpu_now() - cpu if dialect == "sqlite" else None

        return run

    times = interleaved({name: contender(name) for name in variants})
    case = f"{label}, UPDATE {ROWS:,} rows"
    compare(result, MEASURE, case, times, BASELINE)
    versions_only = {name: times[name] for name in (V1, SHIPPED) if name in times}
    v2 = (
        compare(result, "trigger v2 over v1", case, versions_only, V1)[SHIPPED]
        if V1 in times
        else None
    )
    if v2 is not None and v2.ratio is not None and v2.ratio > V2_LIMIT:
        result.notes.append(
            f"{label}: trigger version 2 costs {v2.ratio:.3f}x version 1 "
            f"({v2.median_s:.3f} s against {v2.median_s / v2.ratio:.3f} s), over the "
            f"{V2_LIMIT:.2f}x the issue allows"
        )
    with engine.connect() as conn:  # untimed check: the trigger did its job
        stale = conn.execute(
            text(f"SELECT count(*) FROM {tables['rowstamp trigger'].name} WHERE updated_at IS NULL")
        ).scalar()
        assert stale == 0
    metadata.drop_all(engine)


def main() -> Result:
    started = time.perf_counter()
    banner(f"Write cost: UPDATE of {ROWS:,} rows")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        engines = every_engine(stack, Path(tmp) / "w.sqlite3", "write")
        result = engines_result("write_cost", "Write cost of the trigger", engines)
        for label, engine in engines.items():
            bench_engine(result, label, engine)
            engine.dispose()
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
