"""Protected environments: a verified backup before any change, downgrades confirmed.

An environment is protected when its settings say ``PROTECTED=true`` (``production``
is, unless its settings say otherwise). Applies to plain ``alembic upgrade`` and
``alembic downgrade`` through ``env.py`` as well as to the ``rowstamp`` command.
``-x no-backup="reason"`` (``rowstamp upgrade --no-backup REASON``) skips the backup;
the reason is logged beside the backups.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from rowstamp.errors import ProtectedEnvironmentError
from rowstamp.history.messages import invisible_character
from rowstamp.review.reader import quiet_alembic, read_migration
from rowstamp.runtime.backup import Backup, default_backup_dir, log_no_backup, take_backup
from rowstamp.runtime.options import RunOptions
from rowstamp.settings import RowstampSettings
from rowstamp.urls import mask_url

__all__ = ["protect"]

log = logging.getLogger("rowstamp")


def protect(run: RunOptions, connection: Connection, env: EnvironmentContext) -> Backup | None:
    """Before an upgrade or downgrade in a protected environment: confirm, back up."""
    settings = run.required_settings()
    if not settings.is_protected or run.command not in {"upgrade", "downgrade"}:
        return None
    current = _current_heads(connection)
    if run.command == "downgrade":
        _confirm_downgrade(run, settings, env, current)
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
        settings.url,
        settings.environment,
        directory=settings.backup_dir or default_backup_dir(),
        project_root=root,
        verify_restore=run.verify_restore or settings.verify_restore,
    )
    log.warning(
        "Backup of %s: %s (%s bytes, %.1f s); %s",
        settings.environment, backup.path, f"{backup.size:,}", backup.seconds, backup.verified,
    )  # fmt: skip
    return backup


def _current_heads(connection: Connection) -> tuple[str, ...]:
    ours = not connection.in_transaction()
    with quiet_alembic():
        heads = tuple(MigrationContext.configure(connection).get_current_heads())
    if ours and connection.in_transaction():
        connection.commit()  # Alembic must find no transaction it did not begin
    return heads


def _skip_backup(settings: RowstampSettings, reason: str) -> None:
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
        {"time": datetime.now(UTC).isoformat(timespec="seconds"),
         "environment": settings.environment, "url": mask_url(settings.url),
         "reason": reason.strip()},
    )  # fmt: skip
    log.warning("No backup of %s: %s (logged in %s)", settings.environment, reason.strip(), audit)


def _confirm_downgrade(run: RunOptions, settings: RowstampSettings, env: EnvironmentContext,
                       current: tuple[str, ...]) -> None:  # fmt: skip
    if run.confirmed:
        return
    target = _resolve(env, current, str(env.context_opts.get("destination_rev")))
    plan = _downgrade_plan(env, current, target)
    if not sys.stdin.isatty():
        raise ProtectedEnvironmentError(
            f"downgrade of protected environment {settings.environment!r} from "
            f"{', '.join(current) or 'base'} to {target} is not confirmed ({plan})",
            f"run it in a terminal, or pass -x confirm={settings.environment}",
        )
    sys.stderr.write(f"Downgrade {settings.environment} ({mask_url(settings.url)}): {plan}\n")
    answer = input(f"Type {settings.environment!r} to run this downgrade: ").strip()
    if answer != settings.environment:
        raise ProtectedEnvironmentError("downgrade not confirmed", "nothing was changed")


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

    try:
        lower = None if target == "base" else target
        revisions = [r for r in env.script.iterate_revisions(current, lower) if r.revision != lower]
    except Exception:  # relative targets (-1) and branches: say what we know
        return f"reverts revisions down to {target}"
    parts = []
    for script in revisions:
        with quiet_alembic():
            downgrade = read_migration(Path(script.path)).downgrade
        drops = [describe(o) for o in flatten([r.op for r in downgrade])
                 if type(o).__name__.startswith("Drop")]  # fmt: skip
        parts.append(f"{script.revision} {script.doc}: {', '.join(drops) or 'no drops'}")
    return "; ".join(parts) or "nothing to revert"
