"""A production change on a big, busy table: stock Alembic's revision against rowstamp's.

A table ``busy`` (quick profile: 150,000 rows on PostgreSQL, 50,000 on MariaDB; full
profile or ``--full``: 5,000,000) and a small ``parent``
table, both on this repository's ``Base`` (so ``busy`` has rowstamp's columns and its
``updated_at`` trigger), are created by rowstamp's own first revision and filled once
into a template database. The models then change the way the issue describes: an
index on ``busy.amount``, a foreign key ``busy.parent_id -> parent.id``, a CHECK
``amount >= 0`` and a NOT NULL column ``score`` with a default, which is then filled
from ``amount``. Each side writes that revision as its users would:

- ``alembic``: a project made by ``alembic init -t generic`` with the same models;
  ``alembic revision --autogenerate`` writes the revision, and the two things
  autogenerate cannot write are added by hand the usual way
  (``op.create_check_constraint`` and ``op.execute("UPDATE busy SET score = amount")``);
- ``rowstamp``: this repository's ``alembic/`` and ``app/``; rowstamp's autogenerate
  writes the revision and the same two things are added with rowstamp's ops
  (``op.create_check_constraint``, added ``NOT VALID`` under ``op.lock_retries`` and
  validated apart once rowstamp has those operations, and ``op.backfill``).

Each run copies the template into a new database, starts ``WRITERS`` connections that
each loop on single-row ``UPDATE``s (four in five) and ``INSERT``s (one in five) of
``busy``, and runs ``alembic upgrade head`` in a subprocess while they write. Reported
per side: the longest gap between two successful writes (of any writer) while the
migration ran, the number of writes that failed, the longest single write, and the
migration's wall time. The goal is rowstamp's longest stall under 250 ms with no
write error.

MariaDB runs the same revisions where the server can be started (no template
databases there: the tables are filled again for each run, untimed). MariaDB adds a
CHECK constraint only by copying the table, in every form (docs/zero-downtime.md), so
``BENCH_BUSY_MARIADB=check,no-check`` also measures both revisions without their
CHECK: what the server can do without a copy (default ``check`` only).

Run: ``python -m bench.busy_table [--full]`` (``BENCH_BUSY_ROWS`` sets the rows,
``BENCH_BUSY_RUNS`` the runs per side, default 1; ``BENCH_BUSY_ENGINES`` picks
``postgresql,mariadb``).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bench.common import (
    RESULTS,
    ROOT,
    Result,
    Row,
    banner,
    copy_project,
    mariadb,
    postgresql,
    server_version,
    sized,
    versions,
)
from bench.projects import stock_project

ROWS = {"postgresql": sized(150_000, 5_000_000), "mariadb": sized(50_000, 5_000_000)}
"""Rows per engine by profile. 2,000,000 rows took 25 minutes on a loaded host (each
MariaDB run copies the table), and 300,000/100,000 still 97 s of the quick profile's
900: the quick profile keeps the picture (the stall, the errors) at a size that fits
its 15 minutes, the full one has issue 17's 5,000,000."""
FULL_ROWS = 5_000_000
RUNS = int(os.environ.get("BENCH_BUSY_RUNS", "1"))
ENGINES = os.environ.get("BENCH_BUSY_ENGINES", "postgresql,mariadb").split(",")
MARIADB_VARIANTS = os.environ.get("BENCH_BUSY_MARIADB", "check").split(",")
WRITERS = 8
PARENTS = 1000
BATCH_SIZE = 5000
GOAL_STALL = 0.250
MEASURE = "busy table"
STOCK = "alembic autogenerate"
OURS = "rowstamp autogenerate"
BIN = Path(sys.executable).parent

_MODELS = '''"""The busy table and its parent, {state} the change."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Parent(Base):
    __tablename__ = "parent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))


class Busy(Base):
    __tablename__ = "busy"
{extra_args}
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    parent_id: Mapped[int] = mapped_column(Integer{fk})
    amount: Mapped[int] = mapped_column(Integer{index})
    note: Mapped[str] = mapped_column(String(100))
{score}'''

_AFTER = {
    "state": "after",
    "extra_args": (
        '    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)\n'
    ),
    "fk": ', ForeignKey("parent.id")',
    "index": ", index=True",
    "score": '    score: Mapped[int] = mapped_column(Integer, server_default="0")\n',
}
_BEFORE = {"state": "before", "extra_args": "", "fk": "", "index": "", "score": ""}

_CHECK = (
    '    op.create_check_constraint(op.f("ck_busy_amount_not_negative"), "busy", "amount >= 0")\n'
)
_SAFE_CHECK = (
    "    with op.lock_retries(timeout=0.2, attempts=10, pause=0.5):\n"
    '        op.create_check_constraint(op.f("ck_busy_amount_not_negative"), "busy", '
    '"amount >= 0", postgresql_not_valid=True)\n'
    "    with op.get_context().autocommit_block():\n"
    '        op.validate_constraint(op.f("ck_busy_amount_not_negative"), "busy")\n'
)
_BACKFILL = (
    f'    op.backfill("busy", values={{"score": sa.column("amount")}}, batch_size={BATCH_SIZE})\n'
)


def _by_hand(side: str) -> str:
    """What each side adds by hand after its autogenerated operations (autogenerate
    does not compare CHECK constraints and never writes data changes): the plain forms
    for stock Alembic; for rowstamp, the forms docs/zero-downtime.md shows, which
    include the CHECK added NOT VALID under ``op.lock_retries`` and validated apart,
    once rowstamp has those operations (``rowstamp.autogen.safe_ops``)."""
    if side == STOCK:
        return _CHECK + '    op.execute("UPDATE busy SET score = amount")\n'
    safe = importlib.util.find_spec("rowstamp.autogen.safe_ops") is not None
    return (_SAFE_CHECK if safe else _CHECK) + _BACKFILL


@dataclass
class Load:
    """Writers on ``busy`` and what they saw: success times, failures, slowest write."""

    engine: Engine
    done: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    slowest: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, rows: int) -> None:
        for i in range(WRITERS):
            thread = threading.Thread(target=self._write, args=(rows, i), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _write(self, rows: int, seed: int) -> None:
        pick = random.Random(seed)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not self.stop.is_set():
                began = time.perf_counter()
                try:
                    if pick.random() < 0.8:
                        conn.exec_driver_sql(
                            "UPDATE busy SET amount = amount + 1 WHERE id = %(id)s",
                            {"id": pick.randint(1, rows)},
                        )
                    else:
                        conn.exec_driver_sql(
                            "INSERT INTO busy (parent_id, amount, note) "
                            "VALUES (%(parent)s, %(amount)s, 'written under load')",
                            {"parent": pick.randint(1, PARENTS), "amount": pick.randint(0, 99)},
                        )
                except Exception as exc:  # every failed write counts, whatever it is
                    self.errors.append(str(exc).splitlines()[0])
                    time.sleep(0.01)
                    continue
                ended = time.perf_counter()
                self.done.append(ended)
                self.slowest = max(self.slowest, ended - began)

    def longest_gap(self, start: float, end: float) -> float:
        """The longest time without a successful write between ``start`` and ``end``."""
        marks = [start, *sorted(t for t in self.done if start < t < end), end]
        return max(b - a for a, b in itertools.pairwise(marks))


@dataclass
class Outcome:
    stall: float
    errors: int
    slowest: float
    seconds: float
    writes_per_s: float
    load_average: float
    first_error: str = ""


def _write_models(root: Path, values: dict[str, str]) -> None:
    models = root / "app" / "models"
    shutil.rmtree(models, ignore_errors=True)
    models.mkdir(parents=True)
    shutil.copy2(ROOT / "app" / "models" / "__init__.py", models / "__init__.py")
    (models / "busy.py").write_text(_MODELS.format(**values), encoding="utf-8")


def _env(url: URL) -> dict[str, str]:
    skip = {"ENVIRONMENT", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env["DATABASE_URL"] = url.render_as_string(hide_password=False)
    return env


def _alembic(root: Path, url: URL, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "alembic"), *args], cwd=root, env=_env(url), capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"alembic {' '.join(args)} failed in {root}:\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def _add_by_hand(versions_dir: Path, message: str, lines: str) -> Path:
    """Append ``lines`` to the end of the upgrade of the revision named ``message``."""
    (path,) = [p for p in versions_dir.glob("*.py") if message in p.name]
    text = path.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\ndef downgrade()")
    head = head.rstrip("\n") + "\n" + lines
    if "import sqlalchemy as sa" not in head:
        head = "import sqlalchemy as sa\n" + head
    path.write_text(head + "\n" + sep + tail, encoding="utf-8")
    return path


def _without_ledger(path: Path) -> None:
    """Stock autogenerate sees rowstamp's ledger table in the database, which a stock
    project would not have: drop its ``drop_table`` and ``create_table`` as a user would."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^    op\.drop_table\('rowstamp_history'\)\n", "", text, flags=re.M)
    table = r"^    op\.create_table\('rowstamp_history',\n(?:    .*\n)*?    \)\n"
    text = re.sub(table, "", text, flags=re.M)
    path.write_text(text, encoding="utf-8")


def _upgrade_ops(path: Path, engine: str) -> str:
    """The operations of a revision's upgrade, in order, for the report."""
    body = path.read_text(encoding="utf-8").partition("def upgrade()")[2]
    body = body.partition("def downgrade()")[0]
    names = re.findall(r"(?:op|batch_op)\.(\w+)\(|(autocommit_block)\(", body)
    steps = [a or b for a, b in names if (a or b) not in {"f", "get_context"}]
    postgresql = engine == "PostgreSQL" and "postgresql_concurrently=True" in body
    concurrently = " (the index CONCURRENTLY)" if postgresql else ""
    return ", ".join(steps) + concurrently


class Bench:
    """One engine's template, the two projects and their revisions."""

    def __init__(self, server: object, engine_label: str, rows: int, tmp: Path) -> None:
        self.server = server
        self.label = engine_label
        self.rows = rows
        self.tmp = tmp
        self.ours = tmp / "rowstamp"
        self.stock = tmp / "stock"

    def prepare(self, url: URL) -> dict[str, Path]:
        """Both revisions, written against ``url`` (at the first revision, filled)."""
        copy_project(self.ours)
        versions_dir = self.ours / "alembic" / "versions"
        shutil.rmtree(versions_dir, ignore_errors=True)
        versions_dir.mkdir()
        _write_models(self.ours, _BEFORE)
        _alembic(self.ours, url, "revision", "--autogenerate", "-m", "create busy tables")
        _alembic(self.ours, url, "upgrade", "head")
        self.fill(url)
        _write_models(self.ours, _AFTER)
        _alembic(self.ours, url, "revision", "--autogenerate", "-m", "busy change")
        files = {OURS: _add_by_hand(versions_dir, "busy_change", _by_hand(OURS))}
        if not self.stock.exists():
            # the URL from the application's settings (DATABASE_URL), as each run's
            # database differs: the one stock project serves every run
            stock_project(self.stock, url, models=True, settings=True)
            _write_models(self.stock, _AFTER)
        stock_versions = self.stock / "alembic" / "versions"
        shutil.rmtree(stock_versions, ignore_errors=True)
        stock_versions.mkdir()
        (first,) = [p for p in versions_dir.glob("*.py") if "create_busy_tables" in p.name]
        shutil.copy2(first, stock_versions / first.name)
        _alembic(self.stock, url, "revision", "--autogenerate", "-m", "busy change")
        files[STOCK] = _add_by_hand(stock_versions, "busy_change", _by_hand(STOCK))
        _without_ledger(files[STOCK])
        return files

    def fill(self, url: URL) -> None:
        """``PARENTS`` parents and ``rows`` busy rows, untimed."""
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(
                    "INSERT INTO parent (id, name) SELECT g, 'parent ' || g "
                    f"FROM generate_series(1, {PARENTS}) g"
                )
                conn.exec_driver_sql(
                    "INSERT INTO busy (parent_id, amount, note) SELECT 1 + mod(g, "
                    f"{PARENTS}), mod(g, 100), 'row ' || g FROM generate_series(1, {self.rows}) g"
                )
            else:
                conn.exec_driver_sql(
                    "INSERT INTO parent (id, name) SELECT seq, concat('parent ', seq) "
                    f"FROM seq_1_to_{PARENTS}"
                )
                conn.exec_driver_sql(
                    "INSERT INTO busy (parent_id, amount, note) SELECT 1 + mod(seq, "
                    f"{PARENTS}), mod(seq, 100), concat('row ', seq) FROM seq_1_to_{self.rows}"
                )
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE busy")
                conn.exec_driver_sql("VACUUM ANALYZE parent")
        engine.dispose()

    def measure(self, url: URL, side: str) -> Outcome:
        """``alembic upgrade head`` of one side's project under the write load."""
        project = self.ours if side == OURS else self.stock
        engine = create_engine(url, pool_size=WRITERS, max_overflow=0)
        load = Load(engine)
        load.start(self.rows)
        time.sleep(2.0)  # the writers settle before the migration starts
        start = time.perf_counter()
        try:
            _alembic(project, url, "upgrade", "head")
        finally:
            end = time.perf_counter()
            time.sleep(0.5)
            load.finish()
            engine.dispose()
        during = [t for t in load.done if start < t < end]
        return Outcome(
            stall=load.longest_gap(start, end),
            errors=len(load.errors),
            slowest=load.slowest,
            seconds=end - start,
            writes_per_s=len(during) / (end - start),
            load_average=os.getloadavg()[0],
            first_error=load.errors[0] if load.errors else "",
        )


def _rows(result: Result, case: str, outcomes: dict[str, list[Outcome]]) -> None:
    base_stall = statistics.median(o.stall for o in outcomes[STOCK])
    base_time = statistics.median(o.seconds for o in outcomes[STOCK])
    for side, runs in outcomes.items():
        other = side != STOCK
        stall = statistics.median(o.stall for o in runs)
        seconds = statistics.median(o.seconds for o in runs)
        errors = sum(o.errors for o in runs)
        slowest = max(o.slowest for o in runs)
        rate = statistics.median(o.writes_per_s for o in runs)
        busy = max(o.load_average for o in runs)
        first = f"; first: {runs[0].first_error[:80]}" if errors else ""
        note = (
            f"{errors} write errors, longest single write {slowest * 1000:,.0f} ms, "
            f"{rate:,.0f} writes/s during the migration, host load average {busy:.1f}{first}"
        )
        result.add(
            Row(
                MEASURE,
                f"{case}: longest write stall",
                side,
                stall,
                ratio=stall / base_stall if other else None,
                baseline=STOCK if other else None,
                runs=[round(o.stall, 6) for o in runs],
                note=note,
            )
        )
        result.add(
            Row(
                MEASURE,
                f"{case}: migration time",
                side,
                seconds,
                ratio=seconds / base_time if other else None,
                baseline=STOCK if other else None,
                runs=[round(o.seconds, 6) for o in runs],
            )
        )


def _run_postgresql(result: Result, rows: int, tmp: Path) -> None:
    with postgresql() as server:
        template = server.create_database("busy_template")
        admin = create_engine(server.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        result.versions["PostgreSQL"] = server_version(admin)
        bench = Bench(server, "PostgreSQL", rows, tmp / "postgresql")
        fill = time.perf_counter()
        files = bench.prepare(template)
        print(f"  template filled and revisions written in {time.perf_counter() - fill:.0f} s")
        _describe(result, "PostgreSQL", files)
        outcomes: dict[str, list[Outcome]] = {STOCK: [], OURS: []}
        for i in range(RUNS):
            for side in (STOCK, OURS) if i % 2 == 0 else (OURS, STOCK):
                name = f"busy_{i}_{'stock' if side == STOCK else 'ours'}"
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
                url = server.url.set(database=name)
                outcome = bench.measure(url, side)
                _say(side, outcome)
                outcomes[side].append(outcome)
                server.drop_database(url)
        admin.dispose()
    _rows(result, f"PostgreSQL, {rows:,} rows", outcomes)


def _run_mariadb(result: Result, rows: int, tmp: Path) -> None:
    with mariadb() as server:
        if server is None:
            result.notes.append("MariaDB not measured: the server could not be started here.")
            return
        first = server.create_database("busy")
        engine = create_engine(first, poolclass=NullPool)
        result.versions["MariaDB"] = server_version(engine)
        engine.dispose()
        bench = Bench(server, "MariaDB", rows, tmp / "mariadb")
        files = bench.prepare(first)
        urls = [first]
        for variant in MARIADB_VARIANTS:
            label = "MariaDB" if variant == "check" else "MariaDB without the CHECK"
            if variant != "check":
                _without_check(files)
            _describe(result, label, files)
            outcomes: dict[str, list[Outcome]] = {STOCK: [], OURS: []}
            for i in range(RUNS):
                for side in (STOCK, OURS) if i % 2 == 0 else (OURS, STOCK):
                    url = urls.pop() if urls else _fresh_mariadb(server, bench)
                    outcome = bench.measure(url, side)
                    _say(side, outcome)
                    outcomes[side].append(outcome)
                    server.drop_database(url)
            _rows(result, f"{label}, {rows:,} rows", outcomes)
            result.save()


def _without_check(files: dict[str, Path]) -> None:
    """Both revisions without the CHECK they add by hand (the one part MariaDB copies)."""
    for path in files.values():
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(_SAFE_CHECK, "").replace(_CHECK, ""), encoding="utf-8")


def _fresh_mariadb(server: object, bench: Bench) -> URL:
    """A new database at the first revision, filled (no templates on MariaDB)."""
    url: URL = server.create_database("busy")  # type: ignore[attr-defined]
    root = bench.ours
    versions_dir = root / "alembic" / "versions"
    (first,) = [p for p in versions_dir.glob("*.py") if "create_busy_tables" in p.name]
    revision = re.search(r"^revision: str = [\"'](\w+)[\"']", first.read_text(), re.M)
    assert revision, first
    _alembic(root, url, "upgrade", revision.group(1))
    bench.fill(url)
    return url


def _describe(result: Result, engine: str, files: dict[str, Path]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for side, path in files.items():
        slug = engine.lower().replace(" ", "-")
        kept = RESULTS / f"busy_table-{slug}-{side.split()[0]}.py"
        shutil.copy2(path, kept)
        ops = _upgrade_ops(path, engine)
        print(f"  {engine}, {side}: {ops}")
        result.notes.append(f"{engine}, {side} revision: {ops}.")


def _say(side: str, outcome: Outcome) -> None:
    print(
        f"    {side:<24} stall {outcome.stall * 1000:>8,.0f} ms  errors {outcome.errors:>4}  "
        f"migration {outcome.seconds:>6.1f} s  slowest write {outcome.slowest * 1000:,.0f} ms",
        flush=True,
    )


def main(full: bool | None = None) -> Result:
    started = time.perf_counter()
    if full is None:
        full = os.environ.get("BENCH_BUSY_FULL") == "1"
    sizes = {e: FULL_ROWS if full else n for e, n in ROWS.items()}
    if "BENCH_BUSY_ROWS" in os.environ:
        sizes = dict.fromkeys(sizes, int(os.environ["BENCH_BUSY_ROWS"]))
    shown = ", ".join(f"{e} {sizes[e.strip()]:,}" for e in ENGINES)
    banner(f"Busy table: {shown} rows, {WRITERS} writers, stock Alembic vs rowstamp")
    result = Result("busy_table", "A change on a big, busy table", versions())
    runners: dict[str, Callable[[Result, int, Path], None]] = {
        "postgresql": _run_postgresql,
        "mariadb": _run_mariadb,
    }
    result.notes.append(
        f"Goal: rowstamp's longest stall under {GOAL_STALL * 1000:.0f} ms with 0 write errors."
    )
    with tempfile.TemporaryDirectory(prefix="busy-") as tmp:
        for name in ENGINES:
            runners[name.strip()](result, sizes[name.strip()], Path(tmp))
            result.seconds = time.perf_counter() - started
            result.save()  # each engine's figures kept as soon as they exist
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help=f"{FULL_ROWS:,} rows")
    main(parser.parse_args().full)
