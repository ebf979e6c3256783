"""A verified backup before a protected environment is migrated.

The guide says to back up production before applying migrations; rowstamp does
it and checks the copy can be read back before touching anything: PostgreSQL with
``pg_dump -Fc`` + ``pg_restore --list``, MariaDB/MySQL with ``mariadb-dump
--single-transaction``, SQLite with the online backup API + ``PRAGMA
integrity_check``. With ``verify_restore`` the backup is restored into a scratch
database and every table's row count compared. Backups never go inside the
repository (its git top level), and passwords reach the tools only through their
environment.

A backup holds every row, so it is private whatever the umask: its directory is
created 0700 and the file 0600. It is written as ``<name>.partial`` and renamed
to its name only once verified, so a failed or interrupted backup leaves nothing
that could be mistaken for a good one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from rowstamp.engines import for_name
from rowstamp.errors import BackupError

__all__ = [
    "Backup",
    "backup_directory_problems",
    "default_backup_dir",
    "log_no_backup",
    "scratch_database",
    "take_backup",
]

NO_BACKUP_LOG = "no-backup.jsonl"
"""The audit log of migrations run without a backup, one JSON object a line."""

log = logging.getLogger("rowstamp")


@dataclass(frozen=True)
class Backup:
    """A backup file and what was checked about it."""

    path: Path
    size: int
    seconds: float
    verified: str
    """What verification showed, e.g. ``pg_restore --list: 42 entries``."""


def default_backup_dir() -> Path:
    """``$XDG_STATE_HOME/rowstamp/backups`` (``~/.local/state/...``): outside any repository."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "rowstamp" / "backups"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _repository_root(project_dir: Path) -> Path:
    """The git top level holding ``project_dir`` (a monorepo's, not the project's
    folder), or ``project_dir`` itself without git or a repository."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return project_dir
    top = done.stdout.strip()
    return Path(top) if done.returncode == 0 and top else project_dir


def _reason(exc: OSError, path: Path) -> str:
    """``exc`` in a few words, naming its file when that is not ``path``."""
    if not exc.strerror:
        return str(exc)
    return exc.strerror if exc.filename in (None, str(path)) else f"{exc.filename}: {exc.strerror}"


def _private_directory(directory: Path) -> None:
    """Create ``directory`` 0700 whatever the umask; one that exists is left as it is."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700)
        directory.chmod(0o700)
    except OSError as exc:
        if isinstance(exc, FileExistsError) and directory.is_dir():
            return
        raise BackupError(
            f"cannot create backup directory {directory}: {_reason(exc, directory)}",
            "set BACKUP_DIR to a writable directory outside the repository",
        ) from None


def backup_directory_problems(directory: Path, project_root: Path) -> list[BackupError]:
    """Why a backup could not be written into ``directory``, or would not be private
    there; read only: a missing directory is fine where ``take_backup`` can create it."""
    problems = []
    repository = _repository_root(project_root)
    if _inside(directory, repository):
        problems.append(
            BackupError(
                f"backup directory {directory} is inside the repository {repository}",
                "set BACKUP_DIR to a directory outside it",
            )
        )
    existing = next(p for p in (directory, *directory.parents) if p.exists())
    if existing == directory and not directory.is_dir():
        problems.append(
            BackupError(f"{directory} is not a directory", "set BACKUP_DIR to a directory")
        )
    elif existing == directory and directory.stat().st_mode & 0o077:
        mode = f"{directory.stat().st_mode & 0o777:o}"
        problems.append(
            BackupError(
                f"backup directory {directory} is open to other users (mode {mode}); "
                "backups hold every row",
                f"make it private: chmod 700 {directory}",
            )
        )
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        problems.append(
            BackupError(
                f"cannot write a backup in {directory} ({existing} is not writable)",
                "set BACKUP_DIR to a writable directory outside the repository",
            )
        )
    return problems


def take_backup(
    url: URL,
    environment: str,
    *,
    directory: Path,
    project_root: Path,
    verify_restore: bool = False,
) -> Backup:
    """Back up the database at ``url`` into ``directory`` and verify the copy.

    ``project_root`` is the project's directory (where ``alembic.ini`` is); the
    repository the backup must stay out of is the git top level above it.
    """
    repository = _repository_root(project_root)
    if _inside(directory, repository):
        raise BackupError(
            f"backup directory {directory} is inside the repository {repository}",
            "set BACKUP_DIR to a directory outside it",
        )
    support = for_name(url.get_backend_name())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = Path(url.database or "database").name
    stem = f"{environment}-{name}-{stamp}"
    if (directory / stem).parent != directory:
        raise BackupError(
            f"environment name {environment!r} would put the backup outside {directory}",
            "use letters, digits, '-' and '_' only, e.g. production",
        )
    _private_directory(directory)
    started = time.monotonic()
    try:
        path, partial = _new_backup_file(directory, stem, support.backup_suffix)
    except OSError as exc:
        raise BackupError(
            f"cannot write a backup in {directory}: {_reason(exc, directory)}",
            "set BACKUP_DIR to a writable directory outside the repository",
        ) from None
    try:
        support.backup(url, partial)
        try:
            verified = support.verify_backup(partial)
        except BackupError as exc:  # a dump tool may say nothing about a full disk
            raise BackupError(
                f"the backup cannot be read back: {exc.problem}",
                f"check the free space in {directory}; nothing was kept",
            ) from None
        if verify_restore:
            verified += "; " + _verify_by_restore(url, partial)
        partial.chmod(0o600)
        partial.rename(path)
    except OSError as exc:
        _remove(partial)
        raise BackupError(
            f"backup into {directory} failed: {_reason(exc, directory)}",
            "free space there or set BACKUP_DIR to another directory; nothing was kept",
        ) from None
    except BaseException:  # a failed check or Ctrl-C: no partial file may look like a backup
        _remove(partial)
        raise
    return Backup(path, path.stat().st_size, time.monotonic() - started, verified)


def _new_backup_file(directory: Path, stem: str, suffix: str) -> tuple[Path, Path]:
    """A backup name not taken yet (``-2``, ``-3``... after the stamp when a backup of
    the same second exists), and its ``.partial`` file, created empty and 0600 before
    the tool writes into it: the dump tools and SQLite keep the mode."""
    for number in range(1, 1000):
        path = directory / f"{stem}{'' if number == 1 else f'-{number}'}{suffix}"
        partial = path.with_name(f"{path.name}.partial")
        if path.exists():
            continue
        try:
            os.close(_private_file(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except FileExistsError:  # another run is writing this one now
            continue
        return path, partial
    raise FileExistsError(f"1000 backups named {stem}* already")


def _private_file(path: str | Path, flags: int) -> int:
    """Open ``path`` (an ``open()`` opener); a file it creates is 0600 whatever the umask."""
    handle = os.open(path, flags, 0o600)
    os.fchmod(handle, 0o600)
    return handle


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def log_no_backup(directory: Path, record: Mapping[str, str]) -> Path:
    """Append ``record`` as one JSON line to the private no-backup audit log in ``directory``."""
    _private_directory(directory)
    path = directory / NO_BACKUP_LOG
    try:
        with open(path, "a", encoding="utf-8", opener=_private_file) as lines:
            lines.write(json.dumps(record) + "\n")
    except OSError as exc:
        raise BackupError(
            f"cannot write the no-backup log {path}: {_reason(exc, path)}",
            "set BACKUP_DIR to a writable directory outside the repository",
        ) from None
    return path


@contextmanager
def scratch_database(url: URL) -> Iterator[URL]:
    """A new empty database beside ``url``'s (same server), dropped afterwards, also
    on Ctrl-C or SIGTERM (which raises ``SystemExit`` meanwhile).

    The caller holds the migration lock of ``url``'s database, as a rehearsal and a
    migration do. So any scratch copy of it that exists now was left by a run that
    was killed outright (SIGKILL, a lost machine): it is dropped first, and said so.
    """
    support = for_name(url.get_backend_name())
    left = support.scratch_databases(url)
    for orphan in left:
        support.drop_scratch_database(url, orphan)
    if left:
        names = ", ".join(str(orphan.database) for orphan in left)
        log.warning("Removed the scratch copies an interrupted run left behind: %s", names)
    with _sigterm_raises():
        scratch = support.create_scratch_database(url)
        stopped = False
        try:
            yield scratch
        except _Terminated:
            stopped = True
            raise
        finally:
            support.drop_scratch_database(url, scratch)
            if stopped:  # said once the drop is done, so the line is true
                log.warning("Stopped by SIGTERM; dropped the scratch copy %s", scratch.database)


class _Terminated(SystemExit):
    """SIGTERM arrived while a scratch copy existed (exit status 143, as a shell reports)."""


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises ``_Terminated`` (a ``SystemExit``, status 143) in the block, so
    the scratch copy is dropped on the way out.
    Only the main thread can handle signals; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise _Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _verify_by_restore(url: URL, path: Path) -> str:
    support = for_name(url.get_backend_name())
    with scratch_database(url) as scratch:
        support.restore(path, scratch)
        original, restored = (_row_counts(u) for u in (url, scratch))
    if original != restored:
        differing = sorted(
            t for t in original.keys() | restored.keys() if original.get(t) != restored.get(t)
        )
        raise BackupError(
            f"the restored backup differs in {len(differing)} tables ({', '.join(differing[:5])})",
            "do not migrate; investigate the backup before trying again",
        )
    return f"restored into a scratch database: {len(original)} tables, row counts equal"


def _row_counts(url: URL) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return for_name(url.get_backend_name()).row_counts(connection)
    finally:
        engine.dispose()
