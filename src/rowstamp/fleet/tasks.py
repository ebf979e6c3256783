"""What a worker does on one target: the same typed commands as ``rowstamp upgrade``,
``rowstamp check`` and ``rowstamp verify``, on the target's ``Config``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rowstamp.errors import RowstampError

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.fleet.workers import Job

__all__ = ["TASKS"]


def _upgrade(job: Job, config: Config) -> tuple[str, str]:
    """The normal upgrade path: migration lock, ledger, protection, progress."""
    from rowstamp import commands

    if job.rehearse:  # the canary: first on a copy restored from its fresh backup
        commands.rehearse(config)
    result = commands.apply_migrations(config)
    return ("upgraded" if result.applied else "at head"), ", ".join(result.after) or "base"


def _check(job: Job, config: Config) -> tuple[str, str]:
    """Model match: the models, the history and the target's schema agree."""
    from rowstamp import commands

    drift = commands.check(config)
    if not drift.ok:
        raise RowstampError("; ".join(drift.differences))
    return "ok", ", ".join(drift.current) or "base"


def _test(job: Job, config: Config) -> tuple[str, str]:
    """Model match, then the ledger verify where the target keeps a ledger."""
    from rowstamp.history.ledger import ledger_table_name
    from rowstamp.runtime.ledger_commands import verify_database

    state, revision = _check(job, config)
    if ledger_table_name(config) is not None:
        verification = verify_database(config)
        errors = [p for p in verification.problems if p.severity == "error"]
        if errors:
            raise RowstampError("; ".join(str(p) for p in errors))
    return state, revision


TASKS: dict[str, Callable[[Job, Config], tuple[str, str]]] = {
    "upgrade": _upgrade,
    "check": _check,
    "test": _test,
}
