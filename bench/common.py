"""What every benchmark shares: timing, medians, versions, servers and result files.

Each measure runs its contenders in the same process run, interleaved (A, B, A, B, ...),
and reports the median of at least ``RUNS`` runs and the ratio against the baseline
measured in that run, so a noisy machine shifts both sides alike.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy
from sqlalchemy import ClauseElement, Engine, MetaData, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, CreateTable

import alembic

T = TypeVar("T", int, str, list[int], list[str])

PROFILES = ("quick", "full")
PROFILE = os.environ.get("BENCH_PROFILE", "quick")
"""``quick`` (``make bench``, <= 15 minutes on 2 vCPUs) or ``full`` (``make bench-full``:
every size and run the first benchmarks issue asked for), from ``BENCH_PROFILE``."""
if PROFILE not in PROFILES:
    raise SystemExit(f"BENCH_PROFILE={PROFILE!r} is not a profile; use one of {PROFILES}")
FULL = PROFILE == "full"


def sized(quick: T, full: T, env: str | None = None) -> T:
    """``quick`` or ``full`` by the profile, so one script serves both; a set ``env``
    variable wins (an int, a comma-separated list or a string, as ``quick`` is)."""
    raw = os.environ.get(env) if env else None
    if raw is None:
        return full if FULL else quick
    parsed: Any = raw
    if isinstance(quick, int):
        parsed = int(raw)
    elif isinstance(quick, list):
        kind = type(quick[0]) if quick else int
        parsed = [kind(x) for x in raw.split(",") if x.strip()]
    return cast(T, parsed)


ROOT = Path(__file__).resolve().parent.parent
RESULTS_BASE = ROOT / "bench" / "results"


def results_dir(profile: str = PROFILE) -> Path:
    """Where a profile's result files live: the quick ones feed the page by default."""
    return RESULTS_BASE / "full" if profile == "full" else RESULTS_BASE


RESULTS = results_dir()
RUNS = sized(3, 5, env="BENCH_RUNS")
"""Runs per contender; the median is reported: 3 in the quick profile, 5 in the full
one (the first benchmarks issue asked for at least 5)."""


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
    cpu_s: float | None = None
    """Median CPU seconds (user + system) of the benchmark process and its children;
    unlike wall time it does not grow when other processes take the cores."""
    cpu_ratio: float | None = None
    goal: float | None = None
    """The ratio this contender must not exceed, where the issue sets one (the plot
    draws it); None: no goal, or one that ``bench.profile.GOALS`` states."""
    instructions: float | None = None
    """Millions of instructions one run executes (``bench.projects.instructions``), for
    measures that count them: repeatable where the times move with the machine's load."""


@dataclass
class Result:
    """Everything one benchmark script measured, with the versions it ran on."""

    name: str
    title: str
    versions: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    profile: str = PROFILE
    """The profile that produced these figures (``quick`` or ``full``)."""
    code: str = ""
    """The commit measured (``+ changes``: with uncommitted ones), set by ``save``: the
    result files are committed with the page, so a profile may be run in parts."""
    finished: str = ""
    """When the measure finished (UTC, minutes), set by ``save``."""

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(format_row(row), flush=True)
        return row

    def save(self) -> Path:
        self.code = self.code or measured_code()
        self.finished = self.finished or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        return path


_MEASURED = ("src", "bench", "alembic", "app", "scripts", "alembic.ini", "uv.lock")
"""What a measure's figures depend on: a change elsewhere (docs, tests) is not one."""


def measured_code() -> str:
    """This checkout's commit, and whether the measured code had uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--", *_MEASURED, ":(exclude)bench/results"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} + changes" if changed else head


def load(name: str, profile: str = PROFILE) -> Result:
    data = json.loads((results_dir(profile) / f"{name}.json").read_text(encoding="utf-8"))
    data.setdefault("profile", "full")  # files written before the profiles were full runs
    rows = [Row(**row) for row in data.pop("rows")]
    return Result(rows=rows, **data)


def format_row(row: Row) -> str:
    ratio = f"  {row.ratio:.2f}x {row.baseline}" if row.ratio is not None else ""
    cpu = f"  cpu {row.cpu_s * 1000:.0f} ms" if row.cpu_s is not None else ""
    cpu += f" {row.cpu_ratio:.2f}x" if row.cpu_ratio is not None else ""
    note = f"  ({row.note})" if row.note else ""
    return f"  {row.case:<34} {row.contender:<32} {row.median_s * 1000:>10.1f} ms{ratio}{cpu}{note}"


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
        full = str(conn.exec_driver_sql("select version()").scalar()).split(" on ")[0]
        return full.removeprefix("PostgreSQL ")


Sample = tuple[float, float | None]
"""(wall seconds, CPU seconds or None where the work happens in a server process)."""


def cpu_now() -> float:
    """CPU seconds used so far by this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def in_child(run: Callable[[], Sample], engines: Sequence[Engine] = ()) -> Callable[[], Sample]:
    """``run`` in a forked child that times itself and exits without collecting.

    Each run then starts from the same heap, and the garbage of one (at N = 1,000 an
    autogenerate leaves over a second of cyclic garbage) is neither on the next run's
    clock nor collected, untimed, by the parent. ``engines`` are the parent's: the child
    drops their pooled connections (``dispose(close=False)``) and opens its own."""

    def forked() -> Sample:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: time the run, report (wall, CPU) or the error, leave
            os.close(read)
            status = 0
            try:
                for engine in engines:
                    engine.dispose(close=False)
                report = json.dumps({"sample": list(run())})
            except BaseException as error:  # reported to the parent
                report, status = json.dumps({"error": f"{type(error).__name__}: {error}"}), 1
            with os.fdopen(write, "w", encoding="utf-8") as out:
                out.write(report)
            os._exit(status)
        os.close(write)
        with os.fdopen(read, encoding="utf-8") as got:
            text = got.read()
        os.waitpid(pid, 0)
        answer: dict[str, Any] = json.loads(text) if text else {"error": "no report (killed?)"}
        if "error" in answer:
            raise RuntimeError(f"a forked benchmark run failed: {answer['error']}")
        wall, cpu = answer["sample"]
        return float(wall), None if cpu is None else float(cpu)

    return forked


def interleaved(
    contenders: Mapping[str, Callable[[], float | Sample]], runs: int = RUNS
) -> dict[str, list[Sample]]:
    """Run each contender ``runs`` times, alternating; each callable returns its own
    wall seconds, or (wall, CPU) seconds. A full garbage collection before each run
    keeps one contender's garbage off the next one's clock."""
    times: dict[str, list[Sample]] = {name: [] for name in contenders}
    for i in range(runs):
        order = list(contenders.items())
        if i % 2:
            order.reverse()
        for name, fn in order:
            gc.collect()
            sample = fn()
            times[name].append(sample if isinstance(sample, tuple) else (sample, None))
    return times


def medians(samples: list[Sample]) -> tuple[float, float | None]:
    """(median wall seconds, median CPU seconds or None) of one contender's samples."""
    cpu = [c for _, c in samples if c is not None]
    return statistics.median(w for w, _ in samples), statistics.median(cpu) if cpu else None


def compare(
    result: Result,
    measure: str,
    case: str,
    times: dict[str, list[Sample]],
    baseline: str,
    notes: dict[str, str] | None = None,
    goals: dict[str, float] | None = None,
) -> dict[str, Row]:
    """Add one row per contender with its medians and their ratios to ``baseline``'s
    (and its goal ratio from ``goals``, by contender, for the page and the plot)."""
    base, base_cpu = medians(times[baseline])
    rows = {}
    for name, samples in times.items():
        wall, cpu = medians(samples)
        other = name != baseline
        rows[name] = result.add(
            Row(
                measure=measure,
                case=case,
                contender=name,
                median_s=wall,
                ratio=wall / base if other else None,
                baseline=baseline if other else None,
                runs=[round(w, 6) for w, _ in samples],
                note=(notes or {}).get(name, ""),
                cpu_s=cpu,
                cpu_ratio=cpu / base_cpu if other and cpu is not None and base_cpu else None,
                goal=(goals or {}).get(name) if other else None,
            )
        )
    return rows


def copy_project(root: Path) -> Path:
    """This repository's ``alembic.ini``, ``alembic/env.py``, its template and ``app/``
    under ``root``: a throw-away project that migrates the way this one does."""
    for name in ("alembic.ini", "alembic/env.py", "alembic/script.py.mako", "app"):
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return root


_SHARED: dict[str, Any] = {}
"""Servers ``shared_servers`` started, by engine, for every script ``run_all`` runs."""


class _Lease:
    """A shared server as one script sees it: the databases the script creates are
    dropped when it is done, so the next script meets a server without its tables (no
    autovacuum of another script's million rows during its timed runs)."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._made: list[URL] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)

    def create_database(self, prefix: str = "t") -> URL:
        url: URL = self._server.create_database(prefix)
        self._made.append(url)
        return url

    def release(self) -> None:
        for url in self._made:
            with suppress(Exception):  # already dropped by the script itself
                self._server.drop_database(url)


@contextmanager
def _shared_or(engine: str, start: Callable[[], Any]) -> Iterator[Any]:
    """The run-wide server for ``engine`` if ``run_all`` shares them, else a server of
    this script's own (a script run alone starts and stops its own)."""
    stack: ExitStack | None = _SHARED.get("stack")
    if stack is None:
        with start() as server:
            yield server
        return
    if engine not in _SHARED:
        _SHARED[engine] = stack.enter_context(start())
    if _SHARED[engine] is None:  # MariaDB cannot start here
        yield None
        return
    lease = _Lease(_SHARED[engine])
    try:
        yield lease
    finally:
        lease.release()


@contextmanager
def shared_servers() -> Iterator[None]:
    """One server per engine for every script in the block (``run_all``): started on a
    script's first request, stopped at the end, instead of one start and stop per script."""
    with ExitStack() as stack:
        _SHARED["stack"] = stack
        try:
            yield
        finally:
            _SHARED.clear()


@contextmanager
def _own_postgresql() -> Iterator[Any]:
    from rowstamp.testing.servers import postgresql_server

    with postgresql_server() as server:
        yield server


@contextmanager
def _own_mariadb() -> Iterator[Any | None]:
    from rowstamp.testing.servers import ServerUnavailable, mariadb_server

    with ExitStack() as stack:
        try:
            server = stack.enter_context(mariadb_server())
        except ServerUnavailable as exc:
            print(f"MariaDB not measured: {str(exc).splitlines()[0]}", flush=True)
            server = None
        yield server


def postgresql() -> AbstractContextManager[Any]:
    """A PostgreSQL server started exactly as the test suite starts it (the run-wide
    one under ``shared_servers``)."""
    return _shared_or("postgresql", _own_postgresql)


def mariadb() -> AbstractContextManager[Any | None]:
    """A MariaDB server started exactly as the test suite starts it, or None (the
    reason printed) on a machine that cannot start one (the run-wide one under
    ``shared_servers``)."""
    return _shared_or("mariadb", _own_mariadb)


def create_at_once(engine: Engine, metadata: MetaData, extra: Sequence[ClauseElement] = ()) -> None:
    """``metadata.create_all`` plus ``extra`` statements as ONE script in one transaction:
    the same DDL, without a round trip, a ``has_table`` probe and (SQLite) a commit per
    statement; for 1,000 tables that was the slowest untimed set-up of the bench."""
    dialect = engine.dialect
    ddl: list[ClauseElement] = []
    for table in metadata.sorted_tables:
        ddl += [CreateTable(table), *(CreateIndex(index) for index in table.indexes)]
    statements = [str(item.compile(dialect=dialect)).strip() for item in [*ddl, *extra]]
    script = ";\n".join(statements) + ";"
    with engine.begin() as conn:
        if dialect.name == "sqlite":  # pysqlite runs one statement per execute
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.executescript(f"BEGIN;\n{script}\nCOMMIT;")
        else:
            conn.exec_driver_sql(script)


def every_engine(stack: ExitStack, sqlite_path: Path, prefix: str) -> dict[str, Engine]:
    """SQLite at ``sqlite_path``, a PostgreSQL database and, where a server can start,
    a MariaDB one (servers on ``stack``), by label, each engine without a pool."""
    engines = {"SQLite": create_engine(f"sqlite:///{sqlite_path}", poolclass=NullPool)}
    pg = stack.enter_context(postgresql())
    engines["PostgreSQL"] = create_engine(pg.create_database(prefix), poolclass=NullPool)
    maria = stack.enter_context(mariadb())
    if maria is not None:
        engines["MariaDB"] = create_engine(maria.create_database(prefix), poolclass=NullPool)
    return engines


def engines_result(name: str, title: str, engines: dict[str, Engine]) -> Result:
    """The result of a script measuring ``engines``, their versions recorded and a note
    where MariaDB could not be measured."""
    found = {label: server_version(engine) for label, engine in engines.items()}
    result = Result(name, title, versions(**found))
    if "MariaDB" not in engines:
        result.notes.append("MariaDB not measured: this machine cannot start a server.")
    return result


def banner(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
