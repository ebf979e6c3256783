"""Which statement of the busy-table revision holds MariaDB's writers, each timed alone.

``busy_table`` measures a whole revision; when its longest stall misses the goal, this
says which statement it came from. A table ``busy`` of ``BENCH_BUSY_ROWS`` rows
(500,000 by default) and a ``parent`` table; 8 connections write as in ``busy_table``
(four ``UPDATE``s of ``amount`` in five, one ``INSERT``); then each statement of
rowstamp's MariaDB revision runs on its own and prints its time and the longest gap
between two writes while it ran. Not part of ``make bench``: a diagnosis.

Run: ``python -m bench.busy_steps``.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from collections.abc import Callable

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, create_engine

import rowstamp.autogen.impl  # noqa: F401 - registers op.create_foreign_key_online
from bench.common import mariadb

ROWS = int(os.environ.get("BENCH_BUSY_ROWS", "500000"))
WRITERS = 8


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(50))")
        conn.exec_driver_sql("INSERT INTO parent SELECT seq, 'p' FROM seq_1_to_1000")
        conn.exec_driver_sql(
            "CREATE TABLE busy (id BIGINT AUTO_INCREMENT PRIMARY KEY, parent_id INT NOT NULL, "
            "amount INT NOT NULL, note VARCHAR(100) NOT NULL)"
        )
        conn.exec_driver_sql(
            "INSERT INTO busy (parent_id, amount, note) SELECT 1 + mod(seq, 1000), "
            f"mod(seq, 100), concat('row ', seq) FROM seq_1_to_{ROWS}"
        )


def _write(engine: Engine, seed: int, stop: threading.Event, done: list[float]) -> None:
    pick = random.Random(seed)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while not stop.is_set():
            if pick.random() < 0.8:
                conn.exec_driver_sql(
                    "UPDATE busy SET amount = amount + 1 WHERE id = %(id)s",
                    {"id": pick.randint(1, ROWS)},
                )
            else:
                conn.exec_driver_sql(
                    "INSERT INTO busy (parent_id, amount, note) VALUES (%(p)s, 1, 'x')",
                    {"p": pick.randint(1, 1000)},
                )
            done.append(time.perf_counter())


def _sql(statement: str) -> Callable[[Connection], object]:
    return lambda conn: conn.exec_driver_sql(statement)


def _foreign_key(conn: Connection) -> None:
    operations = Operations(MigrationContext.configure(conn))
    operations.create_foreign_key_online(  # type: ignore[attr-defined]
        "fk_busy_parent", "busy", "parent", ["parent_id"], ["id"]
    )


STEPS: list[tuple[str, Callable[[Connection], object]]] = [
    (
        "add column, INSTANT",
        _sql("ALTER TABLE busy ADD COLUMN score INT NOT NULL DEFAULT 0, ALGORITHM=INSTANT"),
    ),
    ("foreign key, online", _foreign_key),
    (
        "index on amount (written)",
        _sql("CREATE INDEX ix_busy_amount ON busy (amount) ALGORITHM=INPLACE LOCK=NONE"),
    ),
    (
        "index on note (not written)",
        _sql("CREATE INDEX ix_busy_note ON busy (note) ALGORITHM=INPLACE LOCK=NONE"),
    ),
    ("nothing, 3 s", _sql("DO SLEEP(3)")),
]


def main() -> None:
    with mariadb() as server:
        if server is None:
            return
        engine = create_engine(server.create_database("steps"), pool_size=WRITERS + 2)
        _fill(engine)
        done: list[float] = []
        stop = threading.Event()
        threads = [
            threading.Thread(target=_write, args=(engine, i, stop, done)) for i in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        try:
            with engine.connect() as conn:
                for name, step in STEPS:
                    start = time.perf_counter()
                    step(conn)
                    end = time.perf_counter()
                    marks = [start, *sorted(t for t in done if start < t < end), end]
                    gap = max(b - a for a, b in itertools.pairwise(marks))
                    print(f"{name:<30} {end - start:6.2f} s   longest gap {gap * 1000:6.0f} ms")
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            engine.dispose()


if __name__ == "__main__":
    main()
