"""Runs one after another in one process (a fleet worker, a test session) do not keep
each other's garbage: the next run's freeze would otherwise take the last run's cycles
along, out of every collection's reach (``runtime.heap``)."""

from __future__ import annotations

import gc
import sys
import weakref

from rowstamp.runtime.heap import frozen_heap


class _Leftover:
    """A run's object in a reference cycle, as a ``Config`` and its script directory are."""

    def __init__(self) -> None:
        self.me = self
        # ballast: the heap grows as it does over a few dozen targets
        self.ballast = [[] for _ in range(sys.getallocatedblocks())]


def test_the_next_run_does_not_freeze_the_last_runs_garbage() -> None:
    with frozen_heap():
        leftover = _Leftover()
        gone = weakref.ref(leftover)
        del leftover
    assert gone() is not None  # a cycle: only a collection frees it
    with frozen_heap():
        pass
    assert gone() is None
    assert gc.get_freeze_count() == 0


def test_a_small_run_after_a_small_run_collects_nothing() -> None:
    """A full collection walks the whole heap: not before every run, only once it grew."""
    with frozen_heap():
        pass
    gc.disable()  # the collector's own passes are not what is counted
    try:
        collections = gc.get_stats()[2]["collections"]
        for _ in range(5):
            with frozen_heap():
                pass
        assert gc.get_stats()[2]["collections"] == collections
    finally:
        gc.enable()
