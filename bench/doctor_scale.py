"""``rowstamp doctor`` on a database of N model tables, on PostgreSQL (issue 16: 200
tables in under 5 s).

A copy of this project gains N models (an index, a nullable foreign key to the
previous table, rowstamp's five columns); ``rowstamp new`` writes their migration and
``rowstamp upgrade`` applies it. Half the tables get 100 rows, half stay empty, so
the trigger test takes both ways (an existing row; a made-up row in an empty
table). Then ``rowstamp doctor`` runs as a user runs it, a new process each time,
``BENCH_RUNS`` times; the median wall and CPU time are reported beside ``rowstamp
--help`` (the start-up every command pays), ``status`` (imports the models, reads
the catalog) and ``check`` (autogenerate's comparison, which doctor runs for drift).

Run: ``python -m bench.doctor_scale`` (``BENCH_DOCTOR_TABLES=500`` for another N).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bench.common import RUNS, Result, Row, banner, copy_project, postgresql, versions

TABLES = int(os.environ.get("BENCH_DOCTOR_TABLES", "200"))
ROWS = 100
BIN = Path(sys.executable).parent
MEASURE = "doctor"


def _models(n: int) -> str:
    lines = [
        '"""N tables for the doctor benchmark."""',
        "from sqlalchemy import ForeignKey, Integer, String",
        "from sqlalchemy.orm import Mapped, mapped_column",
        "from app.db.base import Base",
    ]
    for i in range(n):
        parent = f"t{max(i - 1, 0):04d}"
        lines += [
            f"class T{i:04d}(Base):",
            f'    __tablename__ = "t{i:04d}"',
            "    id: Mapped[int] = mapped_column(Integer, primary_key=True)",
            "    name: Mapped[str] = mapped_column(String(100), index=True)",
            "    parent_id: Mapped[int | None] = mapped_column("
            f'Integer, ForeignKey("{parent}.id"), nullable=True)',
        ]
    return "\n".join(lines) + "\n"


def _run(root: Path, url: URL, *args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (the command's process: the server's work is not counted)."""
    env = {k: v for k, v in os.environ.items() if k not in {"ENVIRONMENT", "VIRTUAL_ENV"}}
    env["DATABASE_URL"] = url.render_as_string(hide_password=False)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [str(BIN / "rowstamp"), *args], cwd=root, env=env, capture_output=True, text=True
    )
    return time.perf_counter() - started, _children_cpu() - cpu, done


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _fill(url: URL, n: int) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for i in range(0, n, 2):
                connection.execute(
                    text(
                        f"INSERT INTO t{i:04d} (name) "
                        f"SELECT 'row ' || g FROM generate_series(1, {ROWS}) AS g"
                    )
                )
    finally:
        engine.dispose()


def main() -> Result:
    result = Result(MEASURE, f"rowstamp doctor on {TABLES} tables (PostgreSQL)", {})
    started = time.perf_counter()
    with postgresql() as server, tempfile.TemporaryDirectory() as tmp:
        url = server.create_database("doctor")
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            version = str(connection.exec_driver_sql("SHOW server_version").scalar())
        engine.dispose()
        result.versions = versions(PostgreSQL=version)
        root = copy_project(Path(tmp) / "project")
        (root / "alembic" / "versions").mkdir(exist_ok=True)
        (root / "app" / "models" / "many.py").write_text(_models(TABLES), encoding="utf-8")
        for args in (("new", f"Create {TABLES} tables"), ("upgrade", "--no-report")):
            seconds, _, done = _run(root, url, *args)
            if done.returncode != 0:
                raise RuntimeError(f"rowstamp {' '.join(args)} failed: {done.stderr}")
            print(f"rowstamp {args[0]}: {seconds:.1f} s", flush=True)
        _fill(url, TABLES)
        banner(result.title)
        *_, first = _run(root, url, "doctor")  # untimed: writes the bytecode caches
        if first.returncode != 0:
            raise RuntimeError(f"rowstamp doctor failed:\n{first.stdout}{first.stderr}")
        print(first.stdout, flush=True)
        for args in (("--help",), ("status",), ("check",), ("doctor",)):
            runs = [_run(root, url, *args)[:2] for _ in range(max(RUNS, 5))]
            walls, cpus = sorted(w for w, _ in runs), sorted(c for _, c in runs)
            row = Row(MEASURE, f"{TABLES} tables", f"rowstamp {args[0]}", walls[len(runs) // 2])
            row.runs, row.cpu_s = walls, cpus[len(runs) // 2]
            result.add(row)
        server.drop_database(url)
    result.seconds = time.perf_counter() - started
    result.notes.append(
        f"{TABLES} tables, half with {ROWS} rows and half empty; a new process per run "
        "(start-up included); median of the runs"
    )
    result.save()
    return result


if __name__ == "__main__":
    main()
