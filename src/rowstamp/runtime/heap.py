"""The heap that was there before a migration run, kept out of the garbage collector's way.

By the time Alembic runs the steps, the process holds everything it imported:
SQLAlchemy, Alembic, the models, the settings, rowstamp. Loading 200 revision files
or comparing 1,000 tables allocates enough to trigger several full collections, and
each one walked that whole import-time heap again: about a fifth of an ``alembic
upgrade head`` of 200 small revisions (``bench/apply.py``). Frozen (``gc.freeze``),
those objects are skipped; what the run allocates is collected as before, and the
heap is unfrozen when the run ends, so an in-process caller (tests, pytest-alembic)
gets its collector back as it was. A process that froze its own heap already (a
pre-forking server) is left alone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["frozen_heap"]


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects alive now for the ``with`` block, then unfreeze them."""
    if gc.get_freeze_count():  # someone else's freeze: unfreezing would undo it
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
