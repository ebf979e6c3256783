"""Clean downgrade: after downgrading to base, the catalog equals the empty database's.

Prevents: a downgrade that forgets a trigger, its function, an index or a
sequence: harmless-looking leftovers that make the next upgrade fail or make
"rolled back" mean something other than what it says.
"""

from __future__ import annotations

from rowstamp.engines.catalog import Catalog
from rowstamp.testing.base import CheckFailed, MigrationRun, diff

__all__ = ["check_clean_downgrade"]


def check_clean_downgrade(run: MigrationRun, empty: Catalog) -> int:
    """Downgrade to base, or to the baseline (if not there), and compare with ``empty``,
    the catalog taken there before. Return the number of revisions."""
    revisions = run.tested_revisions()
    run.downgrade(run.start, revisions[0].revision if revisions else run.start)
    left = run.catalog()
    if left != empty:
        where = (
            "base: the database is not empty"
            if run.start == "base"
            else (f"{run.start}: the database is not what the baseline left")
        )
        raise CheckFailed(f"{where} after downgrade: {diff(empty, left)}")
    return len(revisions)
