"""Worker processes that run one target at a time through rowstamp's normal path.

Each worker is a fresh process (forked from a clean fork server, so no copy of the
parent's connections or threads), set up once (the project's directory, its
settings), then given targets one by one. For each it builds the project's
``Config`` with the target's URL and schema in ``RunOptions`` and calls the same
typed command ``rowstamp upgrade`` calls, so each target runs under its own
migration lock, ledger and protection. A worker returns a small record and keeps
nothing per target, not even a run's garbage (``runtime.heap`` collects it before the
next run's freeze): memory stays flat however large the fleet.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rowstamp.errors import RowstampError, first_line
from rowstamp.urls import mask_secrets

if TYPE_CHECKING:
    from types import FrameType

    from alembic.config import Config

    from rowstamp.fleet.interrupt import Interruption
    from rowstamp.runtime.backup import Backup
    from rowstamp.settings import RowstampSettings

__all__ = ["Job", "Outcome", "WorkerSetup", "run_jobs"]


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """What every worker needs once: the project and how to run it."""

    ini: str
    cwd: str
    environment: str | None
    no_backup: str | None = None
    environ: tuple[tuple[str, str], ...] = ()
    """The caller's environment variables: a worker forked from the fork server would
    otherwise see the server's, as they were when it started."""


@dataclass(frozen=True, slots=True)
class Job:
    """One target for a worker: ``task`` names what to do (``upgrade``, ``check``, ``test``)."""

    task: str
    name: str
    url: str
    schema: str | None
    backup: Backup | None = None
    """The canary's verified backup its rehearsal took: the real run reuses it."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one target: the final table's row."""

    name: str
    state: str
    revision: str
    error: str = ""
    seconds: float = 0.0
    backup: Backup | None = None


_setup: WorkerSetup | None = None
_settings: RowstampSettings | None = None
_busy = False
_stopping = False


def _start(setup: WorkerSetup) -> None:
    global _setup
    _setup = setup
    os.environ.clear()
    os.environ.update(dict(setup.environ))
    os.chdir(setup.cwd)
    for number in (signal.SIGINT, signal.SIGTERM):  # the parent decides what a signal stops
        signal.signal(number, _interrupted)
    logging.getLogger("rowstamp").addFilter(_Once())


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    """Ctrl-C on the running target, as on one ``rowstamp upgrade``; between targets
    no new one starts (``rowstamp.fleet.interrupt``)."""
    global _stopping
    _stopping = True
    if _busy:
        raise KeyboardInterrupt


class _Once(logging.Filter):
    """Each distinct warning once per worker: "no backup of production, the fleet
    relies on snapshots" is the same line for every target (the log file beside the
    backups still gets its record per target); a lock wait names its holder."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def target_config(job: Job) -> Config:
    """The project's ``Config`` running on ``job``'s target (in a worker)."""
    global _settings
    from rowstamp.runtime.config import load_config, project_settings
    from rowstamp.runtime.options import RunOptions

    assert _setup is not None, "target_config runs in a worker"
    options = RunOptions(
        environment=_setup.environment,
        configure_logger=False,
        schema=job.schema,
        no_backup=_setup.no_backup,
    )
    config = load_config(_setup.ini, options)
    if _settings is None:
        _settings = project_settings(config, _setup.environment)
    options.but(settings=_settings.with_url(job.url), backup=job.backup).install(config)
    return config


def run_one(job: Job) -> Outcome:
    """Do ``job`` on its target; any error becomes the record's one line, masked."""
    import time

    from rowstamp.fleet.tasks import TASKS
    from rowstamp.runtime.env import MigrationInterrupted

    global _busy
    started = time.monotonic()
    if _stopping:  # a signal came before this target started
        return Outcome(job.name, "not started", "")
    try:
        _busy = True
        state, revision, backup = TASKS[job.task](job, target_config(job))
        _busy = False
        return Outcome(job.name, state, revision, seconds=time.monotonic() - started, backup=backup)
    except (KeyboardInterrupt, SystemExit, MigrationInterrupted) as exc:
        _busy = False  # SystemExit: SIGTERM during a rehearsal (its scratch copy dropped)
        error = mask_secrets(" ".join(str(exc).split()), job.url)
        return Outcome(job.name, "interrupted", "", error, time.monotonic() - started)
    except Exception as exc:  # one target's failure is a row of the table, never a crash
        _busy = False
        line = str(exc) if isinstance(exc, RowstampError) else first_line(exc)
        error = mask_secrets(" ".join(line.split()), job.url)
        return Outcome(job.name, "failed", "", error, time.monotonic() - started)


def run_jobs(
    setup: WorkerSetup,
    jobs: Iterable[Job],
    workers: int,
    *,
    stop: Callable[[Outcome], bool],
    started: Callable[[int], None] | None = None,
    interruption: Interruption | None = None,
) -> Iterator[Outcome]:
    """Run ``jobs`` on ``workers`` processes, yielding each outcome as it ends; once
    ``stop(outcome)`` is true no new job starts (those running finish), and once
    ``interruption`` caught a signal none starts and the running ones are
    interrupted. Jobs are taken from the iterable only as a worker frees up, so the
    rest of an iterator passed in is what never started."""
    if interruption is not None and interruption.signum is not None:
        return
    pending = iter(jobs)
    first = next(pending, None)
    if first is None:
        return
    pending = itertools.chain([first], pending)
    context = _context()
    running: dict[Future[Outcome], Job] = {}
    stopped = False
    with (
        ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=(setup,)
        ) as pool,
        interruption.forwarding(lambda: pool._processes or {})
        if interruption is not None
        else contextlib.nullcontext(),
    ):
        while True:
            stopped = stopped or (interruption is not None and interruption.signum is not None)
            while not stopped and len(running) < workers:
                job = next(pending, None)
                if job is None:
                    break
                running[pool.submit(run_one, job)] = job
            if started is not None:
                started(len(running))
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                outcome = (
                    Outcome(job.name, "not started", "") if future.cancelled() else future.result()
                )
                stopped = stopped or stop(outcome)
                yield outcome
            if stopped:
                for future in running:
                    future.cancel()


_PRELOAD = ["rowstamp.fleet.tasks", "rowstamp.commands", "rowstamp.runtime.env", "alembic.command"]
"""Imported once by the fork server, so each worker starts with them loaded."""


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver``: each worker is forked from a clean server process that imported
    rowstamp, Alembic and SQLAlchemy once (seconds on a busy machine), never from this
    process with its threads and connections; ``spawn`` where there is no fork."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def worker_count(requested: int | None) -> int:
    """``--jobs``; default: the machine's cores."""
    return max(1, requested or os.cpu_count() or 1)


def project_dir(ini: Path) -> str:
    """The directory commands run in: alembic.ini's (its paths are relative to it)."""
    return str(ini.resolve().parent)
