"""What every benchmark shares: timing, medians, versions, servers and result files.

Each measure runs its contenders in the same process run, interleaved (A, B, A, B, ...),
and reports the median of at least ``RUNS`` runs and the ratio against the baseline
measured in that run, so a noisy machine shifts both sides alike.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine

import alembic

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
"""Runs per contender; the median is reported. The issue asks for at least 5."""


@dataclass
class Row:
    """One line of the results table: a contender's median and its ratio to the baseline."""

    measure: str
    case: str
    contender: str
    median_s: float
    ratio: float | None = None
    baseline: str | None = None
    runs: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class Result:
    """Everything one benchmark script measured, with the versions it ran on."""

    name: str
    title: str
    versions: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(format_row(row), flush=True)
        return row

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        return path


def load(name: str) -> Result:
    data = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
    rows = [Row(**row) for row in data.pop("rows")]
    return Result(rows=rows, **data)


def format_row(row: Row) -> str:
    ratio = f"  {row.ratio:.2f}x {row.baseline}" if row.ratio is not None else ""
    note = f"  ({row.note})" if row.note else ""
    return f"  {row.case:<34} {row.contender:<32} {row.median_s * 1000:>10.1f} ms{ratio}{note}"


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": model, "platform": platform.platform()}


def versions(**engines: str) -> dict[str, str]:
    """Python, SQLAlchemy, Alembic and the engines' versions, printed and kept in the result."""
    found = {
        "Python": platform.python_version(),
        "SQLAlchemy": sqlalchemy.__version__,
        "Alembic": alembic.__version__,
        **engines,
    }
    print("versions: " + ", ".join(f"{k} {v}" for k, v in found.items()), flush=True)
    return found


def server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return str(conn.exec_driver_sql("select sqlite_version()").scalar())
        return str(conn.exec_driver_sql("select version()").scalar()).split(" on ")[0]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(
    contenders: dict[str, Callable[[], float]], runs: int = RUNS
) -> dict[str, list[float]]:
    """Run each contender ``runs`` times, alternating; each callable returns its own seconds."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for i in range(runs):
        order = list(contenders.items())
        if i % 2:
            order.reverse()
        for name, fn in order:
            times[name].append(fn())
    return times


def compare(
    result: Result,
    measure: str,
    case: str,
    times: dict[str, list[float]],
    baseline: str,
    notes: dict[str, str] | None = None,
) -> dict[str, Row]:
    """Add one row per contender with its median and its ratio to ``baseline``'s median."""
    base = statistics.median(times[baseline])
    rows = {}
    for name, samples in times.items():
        median = statistics.median(samples)
        rows[name] = result.add(
            Row(
                measure=measure,
                case=case,
                contender=name,
                median_s=median,
                ratio=None if name == baseline else median / base,
                baseline=None if name == baseline else baseline,
                runs=[round(s, 6) for s in samples],
                note=(notes or {}).get(name, ""),
            )
        )
    return rows


@contextmanager
def postgresql() -> Iterator[Any]:
    """A PostgreSQL server started exactly as the test suite starts it."""
    sys.path.insert(0, str(ROOT))
    from tests.servers import postgresql_server

    with postgresql_server() as server:
        yield server


def banner(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
