"""The heap that was there before a migration run, kept out of the garbage collector's way.

By the time Alembic runs the steps, the process holds everything it imported:
SQLAlchemy, Alembic, the models, the settings, rowstamp. Loading 200 revision files
or comparing 1,000 tables allocates enough to trigger several full collections, and
each one walked that whole import-time heap again: about a fifth of an ``alembic
upgrade head`` of 200 small revisions (``bench/apply.py``). Frozen (``gc.freeze``),
those objects are skipped; what the run allocates is collected as before, and the
heap is unfrozen when the outermost block ends, so an in-process caller (tests,
pytest-alembic) gets its collector back as it was. A process that froze its own heap
already (a pre-forking server) is left alone.

Blocks nest: ``env.py``'s whole run freezes what Alembic and rowstamp imported before
the models are imported (their import collected the libraries again otherwise), and
the locked run inside it freezes the models too.

A freeze takes whatever is there, garbage included: what one run left for the collector
(cycles through its ``Config``, its script directory, its engine) would be frozen again
by the next run before any full collection could free it, so a process that runs many
targets (a fleet worker, a test session) grew by each run's leftovers (half a MiB a
tenant schema). Before freezing, the outermost block collects once the heap has grown
by a quarter since the last collection it did, the same rule the collector applies to
its oldest generation; a one-shot command, whose first block this is, pays nothing.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["frozen_heap"]

_depth = 0
"""How many of our blocks are open: above 0 the freeze is ours to extend and undo."""
_lock = threading.Lock()
"""In-process runs in threads (tests, a caller's own pool) share ``_depth``."""
_collected_at = 0
"""Allocated blocks after our last full collection (or at the first block): the size
the next outermost block compares the heap with."""
_GROWTH = 1.25
"""A quarter more than then: CPython's own threshold for a full collection."""


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects alive now for the ``with`` block; the outermost block unfreezes."""
    global _depth, _collected_at
    with _lock:
        # depth first: get_freeze_count walks the whole frozen list (ms on a big heap)
        ours = _depth > 0 or not gc.get_freeze_count()  # else someone else's: leave it
        if ours and not _depth:
            blocks = sys.getallocatedblocks()
            if not _collected_at:
                _collected_at = blocks
            elif blocks > _collected_at * _GROWTH:  # the last runs' garbage, before it is frozen
                gc.collect()
                _collected_at = sys.getallocatedblocks()
        if ours:
            gc.freeze()  # nested: adds what was allocated since the outer block froze
            _depth += 1
    try:
        yield
    finally:
        if ours:
            with _lock:
                _depth -= 1
                if not _depth:
                    gc.unfreeze()
