"""Rehearse before production: apply the pending revisions to a restored copy first.

"Test migrations on development before applying to production", made cheap: the
verified backup of the target database is restored into a scratch database on the
same server, the pending revisions run there (with their timings), and only when
that succeeds does the real run start, reusing the same backup. A failed rehearsal
leaves the real database untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from alembic import command
from rowstamp.engines import for_name
from rowstamp.errors import RowstampError
from rowstamp.runtime.backup import Backup, default_backup_dir, scratch_database, take_backup
from rowstamp.runtime.config import run_options
from rowstamp.runtime.env import connect, locked
from rowstamp.runtime.options import RunOptions, RunState
from rowstamp.runtime.progress import Step

__all__ = ["Rehearsal", "RehearsalError", "rehearse"]


class RehearsalError(RowstampError):
    """The rehearsal failed: ``cause`` is why (a revision's failure report), kept apart
    so that ``rowstamp fleet upgrade`` can name the canary in its own one line."""

    def __init__(self, environment: str, cause: str, backup: Path) -> None:
        super().__init__(
            f"the rehearsal on a restored copy failed, so {environment} was not touched: {cause}",
            f"fix the migration; the backup is {backup}",
        )
        self.cause, self.backup = cause, backup


@dataclass(frozen=True)
class Rehearsal:
    """The backup the rehearsal was restored from and the steps it applied."""

    backup: Backup
    steps: list[Step]


def rehearse(config: Config, target: str = "head", *, verify_restore: bool = False) -> Rehearsal:
    """Back up, restore into a scratch database, upgrade it to ``target``; raise on failure.

    The whole rehearsal holds the real database's migration lock: no migration
    changes it meanwhile, and a scratch copy the next lock holder finds is one a
    killed run left behind (``backup.scratch_database`` removes it). The real run
    that follows on ``config`` reuses the rehearsal's verified backup.
    """
    run = run_options(config)
    with connect(run) as connection, locked(connection, run):
        rehearsal = _rehearse(config, run, target, verify_restore=verify_restore)
    run.but(backup=rehearsal.backup).install(config)
    return rehearsal


def _rehearse(config: Config, run: RunOptions, target: str, *, verify_restore: bool) -> Rehearsal:
    settings = run.required_settings()
    root = Path(config.config_file_name or ".").resolve().parent
    backup = take_backup(
        settings.migration_url,  # pg_dump and CREATE DATABASE need no pooler in between
        settings.environment,
        directory=settings.backup_dir or default_backup_dir(),
        project_root=root,
        verify_restore=verify_restore,
    )
    steps: list[Step] = []

    def record(step: Step) -> None:
        steps.append(step)
        if run.printer is not None:
            run.printer(step)

    support = for_name(settings.url.get_backend_name())
    with scratch_database(settings.migration_url) as scratch:
        support.restore(backup.path, scratch)
        engine = create_engine(scratch, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                on_copy = run.but(
                    command="upgrade",
                    connection=connection,
                    scratch=True,
                    printer=record,
                    state=RunState(),
                )
                with on_copy.applied(config):
                    command.upgrade(config, target)
        except (CommandError, RowstampError) as exc:
            raise RehearsalError(settings.environment, str(exc), backup.path) from None
        finally:
            engine.dispose()
    return Rehearsal(backup, steps)
