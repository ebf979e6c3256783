"""Stairway: every revision goes up, down and up again, one step at a time.

Prevents: a ``downgrade()`` that fails, is ``pass``, or leaves something its
``upgrade()`` then cannot create again - found on a scratch database instead of
during an incident, when a rollback is needed most.
"""

from __future__ import annotations

from rowstamp.testing.base import MigrationRun

__all__ = ["check_stairway"]


def check_stairway(run: MigrationRun) -> int:
    """Walk base to head; the database ends at head. Return the number of revisions."""
    revisions = run.revisions()
    for script in revisions:
        down = script.down_revision
        previous = "base" if down is None else down if isinstance(down, str) else "-1"
        run.upgrade(script.revision)
        run.downgrade(previous, script.revision)
        run.upgrade(script.revision)
    return len(revisions)
