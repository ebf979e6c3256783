"""Paired, chunked timing of triggers on one table: precise enough to judge 3%.

Whole-table runs seconds apart, even interleaved, read the same trigger 0.89x
itself on the loaded 2-core host, and per-process CPU time did not help: load on
the other core slows the worker's own CPU time (shared caches, a virtual CPU's
steal) as much as its wall time. What does help is comparing contenders close
together in time, on the same rows, many times:

- the table is cut into chunks of ``chunk`` rows; in each round every contender,
  its trigger installed just before (untimed), updates a chunk of its own next to
  the others', so the contenders of a round meet the same load and row layout.
  Never the same rows: on PostgreSQL the k-th update of a row in a round walked the
  k-1 dead versions before it, and the same trigger read 0.94x itself;
- before the timed ``UPDATE`` the worker updates the chunk's first row (untimed):
  re-planning and the trigger function's compile after the swap stay off the clock;
- rounds alternate the contenders' order; each contender's figure is the median,
  over pairs of rounds (one each way, so being first or last cancels), of the
  geometric mean of its two per-round ratios to the baseline;
- the clock is the CPU time of the thread doing the work, read around the
  statement: the PostgreSQL backend or MariaDB connection thread from
  ``/proc/<pid>[/task/<tid>]/schedstat`` (nanoseconds; ``stat``'s utime+stime
  tick in 10 ms), this thread's for SQLite; wall time is reported beside it.

The same trigger against itself (A/A) is one of the contenders, so every run
shows how precise it was.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table

from bench.common import Result, Row

Sample = tuple[float, float]
"""(wall seconds, CPU seconds) of one contender's chunk."""


class Contender(Protocol):
    sets_updated_at: bool


class Installer(Protocol):
    def install(self, table: Table, contender: Any) -> None: ...

    def remove(self, table: Table, contender: Any) -> None: ...


def cpu_clock(conn: Connection) -> Callable[[], float]:
    """CPU seconds so far of the thread serving ``conn``, read in nanoseconds."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        pid = conn.exec_driver_sql("select pg_backend_pid()").scalar()
        path = Path(f"/proc/{pid}/schedstat")
    elif dialect in ("mysql", "mariadb"):
        tid = conn.exec_driver_sql(
            "select tid from information_schema.processlist where id = connection_id()"
        ).scalar()
        pid_file = conn.exec_driver_sql("select @@pid_file").scalar()
        pid = Path(str(pid_file)).read_text().strip()
        path = Path(f"/proc/{pid}/task/{tid}/schedstat")
    else:
        return time.thread_time
    conn.commit()
    return lambda: int(path.read_text().split()[0]) / 1e9


def _chunk(
    conn: Connection,
    clock: Callable[[], float],
    table: Table,
    statement: Any,
    lo: int,
    hi: int,
) -> Sample:
    key = table.c.id
    conn.execute(statement.where(key == lo))  # untimed: plan, caches, function compile
    cpu, start = clock(), time.perf_counter()
    conn.execute(statement.where(key > lo, key <= hi))
    wall = time.perf_counter() - start
    spent = clock() - cpu
    conn.commit()
    return wall, spent


def paired_rounds(
    engine: Engine,
    table: Table,
    installer: Installer,
    contenders: Mapping[str, Any],
    statement: Callable[[Table, bool], Any],
    rounds: int,
    chunk: int,
) -> dict[str, list[Sample]]:
    """One sample per contender per round (``rounds`` even); the table holds
    ``rows_needed(...)`` rows with ids from 1, each updated once."""
    times: dict[str, list[Sample]] = {name: [] for name in contenders}
    gc.collect()
    gc.disable()  # a collection per chunk took longer than the chunk; none lands in one
    try:
        _rounds(engine, table, installer, contenders, statement, rounds, chunk, times)
    finally:
        gc.enable()
    return times


def _rounds(
    engine: Engine,
    table: Table,
    installer: Installer,
    contenders: Mapping[str, Any],
    statement: Callable[[Table, bool], Any],
    rounds: int,
    chunk: int,
    times: dict[str, list[Sample]],
) -> None:
    with engine.connect() as conn:
        clock = cpu_clock(conn)
        for r in range(rounds):
            order = list(contenders.items())
            if r % 2:
                order.reverse()
            for position, (name, contender) in enumerate(order):
                first = (r * len(order) + position) * chunk + 1
                installer.install(table, contender)
                try:
                    sample = _chunk(
                        conn,
                        clock,
                        table,
                        statement(table, contender.sets_updated_at),
                        first,
                        first + chunk - 1,
                    )
                finally:
                    installer.remove(table, contender)
                times[name].append(sample)


def rows_needed(rounds: int, contenders: int, chunk: int) -> int:
    """Rows ``paired_rounds`` updates: every contender a fresh chunk in every round."""
    return rounds * contenders * chunk


def paired_ratio(samples: list[float], base: list[float]) -> tuple[float, float, float]:
    """(median, lower and upper quartile) over pairs of rounds of the geometric mean
    of the two rounds' ratios to the baseline."""
    ratios = [a / b for a, b in zip(samples, base, strict=True)]
    pairs = [math.sqrt(ratios[i] * ratios[i + 1]) for i in range(0, len(ratios) - 1, 2)]
    if len(pairs) < 2:
        return pairs[0], pairs[0], pairs[0]
    q1, _, q3 = statistics.quantiles(pairs, n=4)
    return statistics.median(pairs), q1, q3


@dataclass
class Paired:
    """A contender's paired ratios to the baseline, wall and CPU."""

    wall: float
    cpu: float
    cpu_low: float
    cpu_high: float


def compare_paired(
    result: Result,
    measure: str,
    case: str,
    times: dict[str, list[Sample]],
    baseline: str,
    contenders: list[str] | None = None,
    goals: dict[str, float] | None = None,
) -> dict[str, Paired]:
    """One row per contender (``contenders``, default all): median chunk times and
    the paired ratios to ``baseline``; the CPU ratio's quartiles go in the note, the
    goal ratio from ``goals`` (by contender) to the page's plot."""
    base = times[baseline]
    out: dict[str, Paired] = {}
    for name in contenders or list(times):
        samples = times[name]
        other = name != baseline
        wall = paired_ratio([w for w, _ in samples], [w for w, _ in base])[0]
        cpu, low, high = paired_ratio([c for _, c in samples], [c for _, c in base])
        out[name] = Paired(wall, cpu, low, high)
        result.add(
            Row(
                measure=measure,
                case=case,
                contender=name,
                median_s=statistics.median(w for w, _ in samples),
                ratio=wall if other else None,
                baseline=baseline if other else None,
                runs=[round(w, 6) for w, _ in samples],
                note=(
                    f"paired CPU {cpu:.3f}x (quartiles {low:.3f}-{high:.3f}), wall {wall:.3f}x, "
                    f"{len(samples)} chunks"
                    if other
                    else f"{len(samples)} chunks"
                ),
                cpu_s=statistics.median(c for _, c in samples),
                cpu_ratio=cpu if other else None,
                goal=(goals or {}).get(name) if other else None,
            )
        )
    return out
