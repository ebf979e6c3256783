"""What a worker does on one target: the same typed commands as ``rowstamp upgrade``,
``rowstamp check`` and ``rowstamp verify``, on the target's ``Config``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rowstamp.errors import RowstampError

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.fleet.workers import Job
    from rowstamp.runtime.backup import Backup

__all__ = ["TASKS"]

Done = tuple[str, str, "Backup | None"]
"""A task's state, the target's revision, and a backup it took for the next task."""


def _upgrade(job: Job, config: Config) -> Done:
    """The normal upgrade path: migration lock, ledger, protection, progress."""
    from rowstamp import commands

    result = commands.apply_migrations(config)
    return ("upgraded" if result.applied else "at head"), ", ".join(result.after) or "base", None


def _rehearse(job: Job, config: Config) -> Done:
    """A canary's pending revisions on a scratch copy restored from its fresh verified
    backup (``rowstamp upgrade --rehearse``); the real target is not changed."""
    from rowstamp import commands
    from rowstamp.runtime.rehearse import RehearsalError

    try:
        rehearsal = commands.rehearse(config)
    except RehearsalError as exc:
        raise RowstampError(
            f"the rehearsal of canary {job.name} on a restored copy failed, so no target "
            f"was touched: {exc.cause}",
            f"fix the migration; the backup is {exc.backup}",
        ) from None
    return "rehearsed", f"{len(rehearsal.steps)} steps", rehearsal.backup


def _check(job: Job, config: Config) -> Done:
    """Model match: the models, the history and the target's schema agree."""
    from rowstamp import commands

    drift = commands.check(config)
    if not drift.ok:
        raise RowstampError("; ".join(drift.differences))
    return "ok", ", ".join(drift.current) or "base", None


def _test(job: Job, config: Config) -> Done:
    """Model match, then the ledger verify where the target keeps a ledger."""
    from rowstamp.history.ledger import ledger_table_name
    from rowstamp.runtime.ledger_commands import verify_database

    done = _check(job, config)
    if ledger_table_name(config) is not None:
        verification = verify_database(config)
        errors = [p for p in verification.problems if p.severity == "error"]
        if errors:
            raise RowstampError("; ".join(str(p) for p in errors))
    return done


TASKS: dict[str, Callable[[Job, Config], Done]] = {
    "upgrade": _upgrade,
    "rehearse": _rehearse,
    "check": _check,
    "test": _test,
}
