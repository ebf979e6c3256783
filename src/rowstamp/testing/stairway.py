"""Stairway: every revision goes up, down and up again, one step at a time, and each
step down gives back exactly the catalog the step up started from.

Prevents: a ``downgrade()`` that fails, is ``pass``, or forgets part of its
``upgrade()`` (a trigger, an index) - found on a scratch database instead of
during an incident, when a rollback is needed most.
"""

from __future__ import annotations

from rowstamp.testing.base import CheckFailed, MigrationRun, diff

__all__ = ["check_stairway"]


def check_stairway(run: MigrationRun) -> int:
    """Walk base to head; the database ends at head. Return the number of revisions."""
    revisions = run.revisions()
    for script in revisions:
        down = script.down_revision
        previous = "base" if down is None else down if isinstance(down, str) else "-1"
        before = run.catalog()
        run.upgrade(script.revision)
        run.downgrade(previous, script.revision)
        after = run.catalog()
        if after != before:
            raise CheckFailed(
                f"{script.revision}: downgrade did not undo the upgrade: {diff(before, after)}"
            )
        run.upgrade(script.revision)
    return len(revisions)
