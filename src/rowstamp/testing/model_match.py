"""Model match: at head, autogenerate finds nothing to do, triggers included.

Prevents: a model changed without its migration (or a migration edited by hand
away from the model), so the next ``rowstamp new`` picks up somebody else's change,
or production runs with a schema the code does not expect.
"""

from __future__ import annotations

from dataclasses import dataclass

from rowstamp.review.drift import find_drift
from rowstamp.testing.base import CheckFailed, MigrationRun

__all__ = ["Flagged", "check_model_match"]


@dataclass
class Flagged:
    """The tables model match found different from the models: None until it could
    compare (the history reached head), so the metadata contract can still check the
    others instead of being skipped for one drifting index."""

    tables: frozenset[str] | None = None


def check_model_match(run: MigrationRun, flagged: Flagged | None = None) -> int:
    """Upgrade to head and compare with the models; return the number of revisions."""
    run.upgrade("head")
    stdout = run.config.stdout
    run.quiet()
    try:
        drift = find_drift(run.config)
    finally:
        run.config.stdout = stdout
    if flagged is not None:
        flagged.tables = drift.tables
    if not drift.ok:
        heads = ", ".join(drift.heads)
        raise CheckFailed(
            f"{heads}: the models and the migrations differ: " + "; ".join(drift.differences)
        )
    return len(run.revisions())
