"""Round trip: for each revision from head down, downgrade then upgrade gives back
the same catalog (tables, columns, constraints, indexes, triggers, functions and
their definitions, sequences).

Prevents: a downgrade that undoes only part of its upgrade in a way the upgrade
tolerates (``IF NOT EXISTS``, ``CREATE OR REPLACE``), leaving objects that differ
after a rollback and a redeploy.

``rowstamp test`` reads this check off the stairway's walk (``RoundTrips``);
this function is the stand-alone form, walking from head down.
"""

from __future__ import annotations

from rowstamp.testing.base import CheckFailed, MigrationRun, diff

__all__ = ["check_round_trip"]


def check_round_trip(run: MigrationRun) -> int:
    """Start at head, end at base (or the baseline); return the number of revisions."""
    revisions = run.tested_revisions()
    run.upgrade("head")
    for script in reversed(revisions):
        before = run.catalog()
        down = script.down_revision
        previous = "base" if down is None else down if isinstance(down, str) else "-1"
        run.downgrade(previous, script.revision)
        run.upgrade(script.revision)
        after = run.catalog()
        if after != before:
            raise CheckFailed(
                f"{script.revision}: downgrade then upgrade changed the catalog: "
                f"{diff(before, after)}"
            )
        run.downgrade(previous, script.revision)
    return len(revisions)
