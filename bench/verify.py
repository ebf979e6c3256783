"""Verify: ``rowstamp verify`` over a ledger of applied revisions (issue 16: < 1 s at 1,000).

A throw-away project with this repository's ``env.py`` and a chain of 1,000 small
revisions (each creates one table) is upgraded once with the real ``alembic upgrade
head``, so the ledger holds the rows a real run writes. Then, on that database:

- ``ledger_problems, revisions loaded``: ``rowstamp.history.verify.ledger_problems``
  with Alembic's revision map already loaded, as the check before every upgrade runs
  it (the ledger read, every file's sha256, the graph walks);
- ``ledger_problems, cold``: the same, building the ``ScriptDirectory`` inside the timed
  part (Alembic imports the 1,000 files, bytecode cached), as ``rowstamp verify`` does;
- ``one file reformatted, first time``: as cold, after one file gained a comment, so
  its bytes differ and that one file is checksummed (imported and its operations
  recorded), its cached checksum (``__pycache__/rowstamp-checksums.json``) removed
  before each run; ``cached``: the same with the cache that the first verify wrote;
- ``rowstamp verify (new process)``: the command, Python start-up included; for
  scale, ``rowstamp --help`` (start-up alone) and ``alembic heads`` (Alembic loading
  the same 1,000 files in a new process, no database).

SQLite (on ``/dev/shm`` where there is one) and PostgreSQL. Bytecode caches are
written (as on a user's machine) even where ``PYTHONDONTWRITEBYTECODE`` is set.
Run: ``python -m bench.verify`` (``BENCH_VERIFY_REVISIONS`` changes the chain length;
quick profile 300 revisions, full 1,000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from bench.apply import revision_id, write_chain
from bench.common import (
    RUNS,
    Result,
    Row,
    banner,
    copy_project,
    medians,
    postgresql,
    server_version,
    sized,
    versions,
)
from rowstamp.history.checksum_cache import CACHE_NAME
from rowstamp.history.ledger import Ledger
from rowstamp.history.verify import ledger_problems

REVISIONS = sized(300, 1000, env="BENCH_VERIFY_REVISIONS")
"""Quick profile 300 (the upgrade that writes the ledger is most of the time), full 1,000."""
MEASURE = "verify"
BIN = Path(sys.executable).parent


def project(root: Path) -> Path:
    copy_project(root)
    write_chain(root / "alembic" / "versions", REVISIONS, prefix="v")
    return root


def _env(url: URL) -> dict[str, str]:
    skip = {"ENVIRONMENT", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    return {**env, "DATABASE_URL": url.render_as_string(hide_password=False)}


def _run(root: Path, url: URL, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=root, env=_env(url), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-1000:]}{done.stderr[-2000:]}")
    return seconds


def _problems(
    root: Path, url: URL, script: ScriptDirectory | None, forget: bool = False
) -> Callable[[], float]:
    def run() -> float:
        if forget:  # the first verify on this machine after the edit
            (root / "alembic" / "versions" / "__pycache__" / CACHE_NAME).unlink(missing_ok=True)
        engine = create_engine(url, poolclass=NullPool)
        start = time.perf_counter()
        scripts = script or ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
        with engine.connect() as connection:
            found = ledger_problems(connection, scripts, Ledger())
        seconds = time.perf_counter() - start
        engine.dispose()
        if any(p.severity == "error" for p in found):
            raise RuntimeError(f"verify found problems: {found[0]}")
        return seconds

    return run


def _command(root: Path, url: URL, program: str, *args: str) -> Callable[[], float]:
    return lambda: _run(root, url, str(BIN / program), *args)


def _measure(result: Result, case: str, contender: str, run: Callable[[], float]) -> Row:
    run()  # warm-up, untimed
    samples = [(run(), None) for _ in range(RUNS)]
    wall, _ = medians(samples)
    return result.add(Row(MEASURE, case, contender, wall, runs=[round(w, 6) for w, _ in samples]))


def main() -> Result:
    sys.dont_write_bytecode = False  # a user's revision files have bytecode caches
    started = time.perf_counter()
    banner(f"Verify: rowstamp verify over a ledger of {REVISIONS} applied revisions")
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp_name, postgresql() as server:
        tmp = Path(tmp_name)
        sqlite_url = make_url(f"sqlite:///{tmp / 'verify.sqlite3'}")
        pg_url = server.create_database("verify")
        pg_engine = create_engine(pg_url, poolclass=NullPool)
        result = Result(
            "verify",
            f"rowstamp verify over {REVISIONS} revisions",
            versions(
                SQLite=server_version(create_engine(sqlite_url)),
                PostgreSQL=server_version(pg_engine),
            ),
        )
        pg_engine.dispose()
        for label, url in (("SQLite", sqlite_url), ("PostgreSQL", pg_url)):
            root = project(tmp / label)
            applied = _run(root, url, str(BIN / "alembic"), "upgrade", "head")
            print(f"  ({label}: upgrade head of {REVISIONS} revisions took {applied:.1f} s)")
            case = f"{label}, {REVISIONS} revisions"
            loaded = ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
            loaded.revision_map.get_revision("head")  # what the upgrade has loaded already
            warm = _problems(root, url, loaded)
            _measure(result, case, "ledger_problems, revisions loaded", warm)
            _measure(result, case, "ledger_problems, cold", _problems(root, url, None))
            first = root / "alembic" / "versions" / f"{revision_id(0)}_step_0.py"
            first.write_text(first.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
            forgot = _problems(root, url, None, forget=True)
            _measure(result, case, "one file reformatted, first time", forgot)
            _measure(result, case, "one file reformatted, cached", _problems(root, url, None))
            verify = _command(root, url, "rowstamp", "verify")
            _measure(result, case, "rowstamp verify (new process)", verify)
            start_up = _command(root, url, "rowstamp", "--help")
            _measure(result, case, "  for scale: rowstamp --help", start_up)
            heads = _command(root, url, "alembic", "heads")
            _measure(result, case, "  for scale: alembic heads", heads)
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
