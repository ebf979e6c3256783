"""One exception hierarchy, so every user error reaches the user as one line.

Each error carries *what is wrong* and *what to do*; ``str(error)`` joins them
with ``"; "``. The CLI and ``alembic/env.py`` print that line and exit non-zero;
a traceback is shown only with ``--debug`` or ``ROWSTAMP_DEBUG=1``.
"""

from __future__ import annotations

__all__ = [
    "BackupError",
    "DatabaseUnreachableError",
    "DatabaseUrlError",
    "EnvFileError",
    "IdentifierError",
    "LockTimeoutError",
    "MessageError",
    "MigrationFailedError",
    "MigrationLockError",
    "NoChangesError",
    "ProjectFileError",
    "ProtectedEnvironmentError",
    "RevisionError",
    "RowstampError",
    "SettingsError",
    "TableLockTimeout",
    "TriggerPrivilegeError",
    "UnknownEnvironmentError",
    "UnsafeUnderPoolerError",
    "UnsupportedEngineError",
    "first_line",
]


def first_line(error: BaseException) -> str:
    """The first line of an error, or of the database's own error when SQLAlchemy
    wraps one (``.orig``); the class name when the error says nothing."""
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


class RowstampError(Exception):
    """A user-facing error: what is wrong, and what to do about it."""

    def __init__(self, problem: str, hint: str = "") -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(f"{problem}; {hint}" if hint else problem)


class SettingsError(RowstampError):
    """The environment settings cannot be loaded or are invalid."""


class UnknownEnvironmentError(SettingsError):
    """``ENVIRONMENT`` names an environment that has no env file."""


class EnvFileError(SettingsError):
    """The env files directory or a file in it is missing or unreadable."""


class DatabaseUrlError(SettingsError):
    """``DATABASE_URL`` is missing or malformed."""


class BackupError(RowstampError):
    """The backup before a protected migration failed or could not be verified."""


class DatabaseUnreachableError(RowstampError):
    """The database server cannot be reached with the configured URL."""


class IdentifierError(RowstampError):
    """A model's name cannot exist on the engine as written (it would be truncated)."""


class UnsupportedEngineError(RowstampError):
    """The database engine has no rowstamp support module."""


class MessageError(RowstampError):
    """A migration message breaks the guide's message rules."""


class LockTimeoutError(RowstampError):
    """A migration statement gave up waiting for a table another session holds."""


class MigrationFailedError(RowstampError):
    """A revision failed while being applied; the report says the state and what to do."""


class ProtectedEnvironmentError(RowstampError):
    """A protected environment refused a run that was not confirmed or not backed up."""


class MigrationLockError(RowstampError):
    """Another migration held the migration lock for longer than we may wait."""


class NoChangesError(RowstampError):
    """Autogenerate found nothing to migrate."""


class ProjectFileError(RowstampError):
    """A file of the project (a migration, a model, ``env.py``) fails as Python loads or runs it."""


class RevisionError(RowstampError):
    """Alembic refused a revision command (not at head, unknown revision, ...)."""


class TriggerPrivilegeError(RowstampError):
    """The database user may not create triggers (MySQL/MariaDB binary logging)."""


class UnsafeUnderPoolerError(RowstampError):
    """Something needs session state a transaction pooler (PgBouncer) does not keep."""


class TableLockTimeout(Exception):
    """A migration statement gave up waiting for a table lock (``DATABASE_LOCK_TIMEOUT``).

    Not a ``RowstampError`` on purpose: when a revision was running, the failure report
    wraps it with the state that revision left, read from the database. ``hint`` says
    what to do about the lock itself.
    """

    hint = "run the migration again when that session is done, or raise DATABASE_LOCK_TIMEOUT"
