"""Running a database's client tools (``pg_dump``, ``mariadb-dump``, ...) for the engines.

Engine modules back up and restore through these tools; the backup feature
(``rowstamp.runtime.backup``) calls the engine modules. Living here, beside the
engines, the runner needs nothing from the feature that uses them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL

from rowstamp.errors import BackupError
from rowstamp.urls import mask_secrets

__all__ = ["run_tool"]


def run_tool(
    command: list[str],
    url: URL,
    env: Mapping[str, str | bytes],
    *,
    stdin: Path | None = None,
    stdout: Path | None = None,
) -> str:
    """Run a database client tool; its failure is one line with the password masked.

    ``env`` values may be bytes, for a password that must reach the tool as exactly
    the bytes the Python driver sends.
    """
    environment = dict(os.environb)
    environment.update(
        {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in env.items()}
    )
    try:
        with (
            open(stdin, "rb") if stdin else open(os.devnull, "rb") as given,
            open(stdout, "wb") if stdout else open(os.devnull, "wb") as taken,
        ):
            done = subprocess.run(
                command,
                stdin=given,
                stdout=taken if stdout else subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment,
                timeout=3600,
                check=False,
            )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed", "install the database's client tools"
        ) from None
    if done.returncode != 0:
        first = (done.stderr.decode(errors="replace").strip().splitlines() or ["failed"])[0]
        raise BackupError(
            f"{Path(command[0]).name} failed: {mask_secrets(first, url)}",
            "check the database connection and the tool's version",
        )
    return done.stdout.decode(errors="replace") if done.stdout else ""
