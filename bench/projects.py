"""Throw-away projects the whole-process benchmarks run commands in: a stock Alembic
project next to this repository's, the commands' environment and a database reset, in
one place so each benchmark compares against the same stock project."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bench.common import ROOT

__all__ = [
    "BIN",
    "command_env",
    "compile_bytecode",
    "instructions",
    "recreate_database",
    "stock_project",
]

BIN = Path(sys.executable).parent
"""Where this interpreter's ``alembic`` and ``rowstamp`` commands are."""


def stock_project(root: Path, url: URL, *, models: bool = False, settings: bool = False) -> Path:
    """A project made by ``alembic init -t generic`` with ``url`` in ``alembic.ini``;
    ``models``: this repository's ``app/`` copied and its metadata as ``target_metadata``;
    ``settings``: the URL read from the application's settings class instead."""
    root.mkdir(parents=True)
    subprocess.run(
        [str(BIN / "alembic"), "init", "-t", "generic", "alembic"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    ini = root / "alembic.ini"
    # configparser interpolation: a percent sign in the URL must be doubled
    value = url.render_as_string(hide_password=False).replace("%", "%%")
    lines = [
        f"sqlalchemy.url = {value}" if line.startswith("sqlalchemy.url") else line
        for line in ini.read_text(encoding="utf-8").splitlines()
    ]
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not models:
        return root
    shutil.copytree(ROOT / "app", root / "app", ignore=shutil.ignore_patterns("__pycache__"))
    env_py = root / "alembic" / "env.py"
    source = env_py.read_text(encoding="utf-8").replace(
        "target_metadata = None",
        "import app.models  # noqa: F401\nfrom app.db.base import Base\n\n"
        "target_metadata = Base.metadata",
    )
    if settings:
        source = source.replace(
            "target_metadata = Base.metadata",
            "target_metadata = Base.metadata\n\n"
            "from app.core.config import get_settings\n\n"
            "_url = get_settings().url.render_as_string(hide_password=False)\n"
            'config.set_main_option("sqlalchemy.url", _url.replace("%", "%%"))',
        )
    env_py.write_text(source, encoding="utf-8")
    return root


def command_env(url: URL | None, *, path: bool = False) -> dict[str, str]:
    """The environment of a timed command: none of this shell's project settings, bytecode
    caches allowed, ``DATABASE_URL`` set to ``url`` (if any); ``path``: ``BIN`` first on
    ``PATH`` (for ``scripts/migrate``, which calls ``alembic`` by name)."""
    skip = {"ENVIRONMENT", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    if path:
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    if url is not None:
        env["DATABASE_URL"] = url.render_as_string(hide_password=False)
    return env


def recreate_database(server: Any, url: URL) -> None:
    """Drop ``url``'s PostgreSQL database and create it again, empty, under its name."""
    server.drop_database(url)
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()


def compile_bytecode(*roots: Path) -> None:
    """Write the bytecode caches of every module under ``roots`` (a project's ``app/``,
    ``env.py``, its revisions), as an untimed first run of a command would: a fraction
    of a second instead of a whole run per project."""
    for root in roots:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(root)], check=True, capture_output=True
        )


def instructions(command: list[str], cwd: Path, env: dict[str, str]) -> float | None:
    """Millions of instructions this interpreter executes with the arguments ``command``
    (a script of ``BIN`` and its arguments, or ``-c`` and code), as
    valgrind counts them: the same from run to run whatever else the machine does, where
    wall and CPU time on two shared cores move by a tenth. The client process only (a
    server's work is not in it); None where valgrind is not installed."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    counter = [valgrind, "--tool=cachegrind", "--cache-sim=no", "--branch-sim=no"]
    done = subprocess.run(
        [*counter, "--cachegrind-out-file=/dev/null", sys.executable, *command],
        cwd=cwd,
        env={**env, "PYTHONHASHSEED": "0"},  # the same dict and set orders every run
        capture_output=True,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode or found is None:
        raise RuntimeError(f"{command} failed in {cwd}:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", "")) / 1e6
