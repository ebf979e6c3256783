"""Who runs a migration, from where and with what: the facts each ledger row keeps
(``history/ledger.py``), read once per run by ``runtime/ledger_run.py``."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["run_facts"]


def run_facts(engine: Engine, script: ScriptDirectory) -> dict[str, Any]:
    """Who runs this, from where and with what, once per run (the versions as the
    packages say them: ``importlib.metadata`` costs tens of ms per run)."""
    import alembic
    import rowstamp

    return {
        "os_user": _os_user(),
        "client_host": socket.gethostname()[:255],
        "db_user": engine.url.username,
        "git_commit": _git_commit(Path(script.dir)),
        "rowstamp_version": rowstamp.__version__,
        "alembic_version": alembic.__version__,
    }


def _os_user() -> str | None:
    try:
        return getpass.getuser()[:255]
    except (KeyError, OSError):
        return None


@cache
def _git_commit(directory: Path) -> str | None:
    """``$ROWSTAMP_GIT_COMMIT``, else the commit checked out where the migrations are."""
    given = os.environ.get("ROWSTAMP_GIT_COMMIT")
    if given:
        return given[:64]
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()[:64] or None
