"""Protected environments: a verified backup before any change, downgrades confirmed.

An environment is protected when its settings say ``PROTECTED=true`` (``production``
is, unless its settings say otherwise). Applies to plain ``alembic upgrade`` and
``alembic downgrade`` through ``env.py`` as well as to the ``rowstamp`` command.
``-x no-backup="reason"`` (``rowstamp upgrade --no-backup REASON``) skips the backup;
the reason is logged beside the backups. Who must confirm a downgrade, and how, is
one rule for both ways in: ``confirm_downgrade``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from rowstamp.errors import ProtectedEnvironmentError, RowstampError
from rowstamp.history.messages import invisible_character
from rowstamp.runtime.options import RunOptions
from rowstamp.settings import DEFAULT_ENVIRONMENT, RowstampSettings
from rowstamp.urls import mask_url

if TYPE_CHECKING:  # the backup and the reader load when a protected run needs them
    from rowstamp.runtime.backup import Backup

__all__ = ["DowngradeDeclined", "confirm_downgrade", "protect"]

log = logging.getLogger("rowstamp")


def protect(run: RunOptions, connection: Connection, env: EnvironmentContext) -> Backup | None:
    """Before an upgrade or downgrade in a protected environment: confirm, back up."""
    settings = run.required_settings()
    if not settings.is_protected or run.command not in {"upgrade", "downgrade"}:
        return None
    from rowstamp.runtime.backup import default_backup_dir, take_backup

    current = _current_heads(connection)
    if run.command == "downgrade":
        confirm_downgrade(
            settings,
            str(env.context_opts.get("destination_rev")),
            lambda: current,
            via="alembic",
            confirmed=run.confirmed,
            plan=lambda target: _plan(env, current, target),
        )
    elif set(current) == set(env.script.get_heads()) and env.context_opts.get(
        "destination_rev"
    ) in {"head", "heads"}:
        return None  # nothing to apply, nothing to protect
    if run.scratch:
        return None  # a rehearsal runs on a scratch copy restored from the backup
    if run.backup is not None:
        log.warning(
            "Backup of %s taken before the rehearsal: %s", settings.environment, run.backup.path
        )
        return run.backup
    if run.no_backup is not None:
        _skip_backup(settings, run.no_backup)
        return None
    root = Path(env.config.config_file_name or ".").resolve().parent
    backup = take_backup(
        settings.migration_url,  # the database migrated, without a pooler in between
        settings.environment,
        directory=settings.backup_dir or default_backup_dir(),
        project_root=root,
        verify_restore=run.verify_restore or settings.verify_restore,
    )
    log.warning(
        "Backup of %s: %s (%s bytes, %.1f s); %s",
        settings.environment,
        backup.path,
        f"{backup.size:,}",
        backup.seconds,
        backup.verified,
    )
    return backup


def _current_heads(connection: Connection) -> tuple[str, ...]:
    from rowstamp.review.reader import quiet_alembic

    ours = not connection.in_transaction()
    with quiet_alembic():
        heads = tuple(MigrationContext.configure(connection).get_current_heads())
    if ours and connection.in_transaction():
        connection.commit()  # Alembic must find no transaction it did not begin
    return heads


def _skip_backup(settings: RowstampSettings, reason: str) -> None:
    from rowstamp.runtime.backup import default_backup_dir, log_no_backup

    if not reason.strip():
        raise ProtectedEnvironmentError(
            f"migrating protected environment {settings.environment!r} without a backup "
            "needs a reason",
            'say why: -x no-backup="restored from snapshot 42 minutes ago"',
        )
    hidden = invisible_character(reason)
    if hidden is not None:
        raise ProtectedEnvironmentError(
            f"the no-backup reason has a control character (U+{ord(hidden):04X}); "
            "it goes into the audit log",
            "give it as one line of plain text",
        )
    audit = log_no_backup(
        settings.backup_dir or default_backup_dir(),
        {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": settings.environment,
            "url": mask_url(settings.url),
            "reason": reason.strip(),
        },
    )
    log.warning("No backup of %s: %s (logged in %s)", settings.environment, reason.strip(), audit)


class DowngradeDeclined(ProtectedEnvironmentError):
    """The person asked to confirm a downgrade did not: nothing was changed."""

    def __init__(self) -> None:
        super().__init__("downgrade not confirmed", "nothing was changed")


def confirm_downgrade(
    settings: RowstampSettings,
    target: str,
    current: Callable[[], tuple[str, ...]],
    *,
    via: Literal["rowstamp", "alembic"],
    confirmed: bool = False,
    ask: Callable[[str], bool] | None = None,
    plan: Callable[[str], tuple[str, str]] | None = None,
) -> None:
    """The one rule for confirming a downgrade: return when it may run, else raise.

    ``rowstamp downgrade`` asks ``ask`` (yes or no) in every environment but
    development, unless ``--yes`` confirmed it. Plain ``alembic downgrade`` asks for
    the environment's name in a protected one, after showing ``plan`` (the target as
    resolved, and what reverting to it drops), unless ``-x confirm=<env>``. Without a
    terminal nothing waits for an answer: the downgrade is refused, naming the flag
    that confirms it. A "no" raises ``DowngradeDeclined``.
    """
    name = settings.environment
    if confirmed:
        return
    if via == "rowstamp":
        if name == DEFAULT_ENVIRONMENT:
            return
        where = f"{name} database {mask_url(settings.url)}"
        if ask is None or not sys.stdin.isatty():
            raise RowstampError(
                f"refusing to downgrade the {where} without confirmation",
                "pass --yes to confirm (there is no terminal to ask on); back it up first",
            )
        at = ", ".join(current()) or "base (no migrations applied)"
        if not ask(f"Downgrade the {where} from {at} to {target}?"):
            raise DowngradeDeclined
        return
    if not settings.is_protected or plan is None:
        return
    heads = current()
    resolved, reverts = plan(target)
    if not sys.stdin.isatty():
        raise ProtectedEnvironmentError(
            f"downgrade of protected environment {name!r} from "
            f"{', '.join(heads) or 'base'} to {resolved} is not confirmed ({reverts})",
            f"run it in a terminal, or pass -x confirm={name}",
        )
    sys.stderr.write(f"Downgrade {name} ({mask_url(settings.url)}): {reverts}\n")
    if input(f"Type {name!r} to run this downgrade: ").strip() != name:
        raise DowngradeDeclined


def _plan(env: EnvironmentContext, current: tuple[str, ...], target: str) -> tuple[str, str]:
    """The downgrade's target as resolved, and what reverting to it drops."""
    resolved = _resolve(env, current, target)
    return resolved, _downgrade_plan(env, current, resolved)


def _resolve(env: EnvironmentContext, current: tuple[str, ...], target: str) -> str:
    """A relative target (``-1``, ``-2``) as the revision it lands on, where the history
    below the single current head is linear; anything else as given."""
    if not (target.startswith("-") and target[1:].isdigit()) or len(current) != 1:
        return target
    revision: str | None = current[0]
    for _ in range(int(target[1:])):
        script = env.script.get_revision(revision) if revision else None
        down = script.down_revision if script else None
        if down is not None and not isinstance(down, str):
            return target  # a merge: let Alembic resolve it
        revision = down
    return revision or "base"


def _downgrade_plan(env: EnvironmentContext, current: tuple[str, ...], target: str) -> str:
    """The revisions the downgrade reverts and the destructive operations it runs."""
    from rowstamp.review.describe import describe, flatten
    from rowstamp.review.reader import quiet_alembic, read_migration

    try:
        lower = None if target == "base" else target
        revisions = [r for r in env.script.iterate_revisions(current, lower) if r.revision != lower]
    except Exception:  # relative targets (-1) and branches: say what we know
        return f"reverts revisions down to {target}"
    parts = []
    for script in revisions:
        with quiet_alembic():
            downgrade = read_migration(Path(script.path)).downgrade
        drops = [
            describe(o)
            for o in flatten([r.op for r in downgrade])
            if type(o).__name__.startswith("Drop")
        ]
        parts.append(f"{script.revision} {script.doc}: {', '.join(drops) or 'no drops'}")
    return "; ".join(parts) or "nothing to revert"
