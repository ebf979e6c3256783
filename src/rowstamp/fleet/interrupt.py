"""Ctrl-C (SIGINT) and SIGTERM during ``rowstamp fleet upgrade``.

What a signal does, and why: no new target starts, and each running target is
interrupted the way Ctrl-C interrupts one ``rowstamp upgrade`` (the parent sends its
worker SIGINT): the revision being applied rolls back with its transaction (where
the engine has transactional DDL; MariaDB/MySQL commit each DDL statement, so what
ran of it stays and the table's row says what and how to finish or undo it),
revisions already committed stay, the ledger records the step as interrupted, and
the migration lock is released (on MariaDB/MySQL by ending the server thread of the
dropped connection: ``rowstamp.engines.mysql_lock``). Waiting for running targets to
finish instead could take as long as the slowest migration, longer than the grace
period between SIGTERM and SIGKILL that Kubernetes and CI runners give. The final
table's revisions of the interrupted targets are then read back from the databases
(one status query per server), not taken from the workers, and the command exits 130
(SIGINT) or 143 (SIGTERM), as a shell reports a process stopped by that signal.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rowstamp.fleet.status import TargetStatus
    from rowstamp.fleet.targets import Target
    from rowstamp.fleet.upgrade import FleetUpgrade

__all__ = ["Interruption", "read_back"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interruption:
    """Whether SIGINT or SIGTERM arrived, and the workers to pass it on to."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._workers: Callable[[], Iterable[int]] | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else ""

    @property
    def exit_code(self) -> int:
        """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + (self.signum or 0)

    @contextmanager
    def catching(self) -> Iterator[Interruption]:
        """In the block, SIGINT and SIGTERM only record themselves and reach the
        workers: no ``KeyboardInterrupt`` tears through the parent's bookkeeping."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in SIGNALS}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler if handler is not None else signal.SIG_DFL)

    @contextmanager
    def forwarding(self, workers: Callable[[], Iterable[int]]) -> Iterator[None]:
        """While the block runs, a signal is passed on to ``workers()`` (their pids)."""
        self._workers = workers
        try:
            if self.signum is not None:
                self._forward()
            yield
        finally:
            self._workers = None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signum = self.signum or signum
        self._forward()

    def _forward(self) -> None:
        pids: list[int] = []
        for _ in range(3):  # the pool's thread may add or remove a worker meanwhile
            with contextlib.suppress(RuntimeError):
                pids = list(self._workers() if self._workers is not None else ())
                break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)


def read_back(
    result: FleetUpgrade,
    targets: Iterable[Target],
    read: Callable[[Iterator[Target]], Iterable[tuple[Target, TargetStatus]]],
) -> None:
    """Put each interrupted target's revision, as its database says now, in ``result``:
    an interrupted step may have rolled back, or committed before the signal came."""
    rows = {o.name: n for n, o in enumerate(result.problems) if o.state == "interrupted"}
    if not rows:
        return
    for target, status in read(t for t in targets if t.name in rows):
        row = rows[target.name]
        detail = f"; {status.detail}" if status.detail else ""
        result.problems[row] = replace(
            result.problems[row],
            revision=status.revision,
            error=f"interrupted by {result.interrupted}; the database is {status.state} "
            f"at {status.revision}{detail}{_left(result.problems[row].error)}",
        )


_HALF = re.compile(r"(revision \S+ (?:is|may be) half-applied.*?); the database is at \S+(;.*)?$")


def _left(report: str) -> str:
    """What the worker found of the interrupted revision where the engine commits DDL
    at once (MariaDB/MySQL): the version row says the old revision, so only this part
    of its report says what the database holds, and how to finish or undo it."""
    found = _HALF.search(report)
    return f"; {found[1]}{found[2] or ''}" if found else ""
