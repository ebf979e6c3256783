"""Stairway: every revision goes up, down and up again, one step at a time, and each
step down gives back exactly the catalog the step up started from, and no step
leaves a rowstamp trigger function with a body rowstamp did not write.

Prevents: a ``downgrade()`` that fails, is ``pass``, or forgets part of its
``upgrade()`` (a trigger, an index, a column, a type change, a default, a
constraint, a function body: ``engines.catalog``), or a migration that replaces the trigger
function every table's trigger uses - found on a scratch database instead of during
an incident, when a rollback is needed most.

The same walk also sees the round trip (the second step up gives back the catalog
the first one made), so ``rowstamp test`` reads that check off it instead of
walking the history a second time; :mod:`rowstamp.testing.round_trip` is the
stand-alone form.
"""

from __future__ import annotations

from dataclasses import dataclass

from rowstamp.engines.base import EDITED_FUNCTION
from rowstamp.testing.base import CheckFailed, MigrationRun, diff

__all__ = ["RoundTrips", "check_stairway"]


@dataclass
class RoundTrips:
    """What the stairway's second step up of each revision showed: the round trip."""

    revisions: int = 0
    """Set when the walk reaches head: every revision's round trip was seen."""
    failure: str | None = None

    def result(self) -> int:
        """The round-trip check's outcome: the number of revisions, or ``CheckFailed``."""
        if self.failure is not None:
            raise CheckFailed(self.failure)
        return self.revisions


def check_stairway(run: MigrationRun, round_trips: RoundTrips | None = None) -> int:
    """Walk base (or the baseline) to head; the database ends at head. Return the
    number of revisions walked.

    With ``round_trips``, also compare the catalog after each second step up with
    the one after the first, and record the first difference there.
    """
    run.reach_start()
    revisions = run.tested_revisions()
    before = run.catalog()
    for script in revisions:
        down = script.down_revision
        previous = "base" if down is None else down if isinstance(down, str) else "-1"
        run.upgrade(script.revision)
        up = run.catalog() if round_trips is not None else {}
        run.downgrade(previous, script.revision)
        after = run.catalog()
        if after != before:
            raise CheckFailed(
                f"{script.revision}: downgrade did not undo the upgrade: {diff(before, after)}"
            )
        run.upgrade(script.revision)
        # the catalog this revision leaves is where the next one starts
        before = run.catalog()
        edited = sorted(name for kind, name in before if kind == EDITED_FUNCTION)
        if edited:
            raise CheckFailed(
                f"{script.revision}: upgrade left function {edited[0]}() with a body "
                "rowstamp did not write (a migration replaced it)"
            )
        if round_trips is not None and round_trips.failure is None and before != up:
            round_trips.failure = (
                f"{script.revision}: downgrade then upgrade changed the catalog: {diff(up, before)}"
            )
    if round_trips is not None:
        round_trips.revisions = len(revisions)
    return len(revisions)
