"""Data tests: a migration may carry its own check of what it does to rows.

A migration module may define, next to ``upgrade()``/``downgrade()``:

- ``rowstamp_seed(connection)``: runs just before this revision's upgrade, on the
  scratch database at the previous revision, to insert the rows it will migrate;
- ``rowstamp_check(connection)``: runs just after this revision's upgrade and
  raises (``assert`` is fine) when the rows are not what the migration promises.

Both get a SQLAlchemy ``Connection`` in a transaction that is committed when they
return. Prevents: a data migration (backfill, split column, type change) that
runs without error and silently loses or mangles rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from rowstamp.testing.base import CheckFailed, MigrationRun

__all__ = ["CHECK_HOOK", "SEED_HOOK", "check_data_tests", "has_data_tests"]

SEED_HOOK = "rowstamp_seed"
CHECK_HOOK = "rowstamp_check"


def _hook(script: Any, name: str) -> Callable[[Connection], object] | None:
    hook = getattr(script.module, name, None)
    return hook if callable(hook) else None


def has_data_tests(run: MigrationRun) -> bool:
    """True when any migration defines a seed or a check."""
    return any(_hook(s, n) for s in run.tested_revisions() for n in (SEED_HOOK, CHECK_HOOK))


def check_data_tests(run: MigrationRun) -> int:
    """From base (or the baseline), upgrade one revision at a time around each seed and
    check. Return
    the number of revisions that carry one."""
    tested = 0
    run.reach_start()
    for script in run.tested_revisions():
        seed, check = _hook(script, SEED_HOOK), _hook(script, CHECK_HOOK)
        if seed is not None:
            _call(run, seed, script.revision, SEED_HOOK)
        run.upgrade(script.revision)
        if check is not None:
            _call(run, check, script.revision, CHECK_HOOK)
        tested += seed is not None or check is not None
    return tested


def _call(
    run: MigrationRun, hook: Callable[[Connection], object], revision: str, name: str
) -> None:
    try:
        with run.engine.begin() as connection:
            hook(connection)
    except Exception as exc:  # the user's own test code: any failure is the finding
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckFailed(f"{revision}: {name} failed: {detail}") from None
