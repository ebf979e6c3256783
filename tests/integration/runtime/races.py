"""Parallel ``alembic upgrade head`` processes that really race for the migration lock:
shared by the lock test and the pooled-lock test, which differ only in the URL."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.runtime.lock import migration_lock
from tests.helpers import write_revision
from tests.project import Project

__all__ = ["CREATE_RUNS", "RECORD", "applied", "chain", "race_upgrades"]

CREATE_RUNS = (
    "    op.create_table('runs', sa.Column('id', sa.Integer, primary_key=True),\n"
    "                    sa.Column('name', sa.String(20)))"
)
# Each revision records that it ran; the pause widens the window in which a second
# process could interfere.
RECORD = "    op.execute(\"INSERT INTO runs (name) VALUES ('{rev}')\")\n    time.sleep(0.3)"


def chain(project: Project, extra: str | None = None) -> None:
    """a1 (creates ``runs``) -> a2 -> a3 [-> a4 running ``extra``], each recording itself."""
    revisions = [("a1", None, CREATE_RUNS), ("a2", "a1", ""), ("a3", "a2", "")]
    if extra:
        revisions.append(("a4", "a3", extra))
    for rev, down, body in revisions:
        upgrade = "\n".join(part for part in (body, RECORD.format(rev=rev)) if part)
        downgrade = f"    op.execute(\"DELETE FROM runs WHERE name = '{rev}'\")"
        write_revision(project, rev, down, upgrade, downgrade)


def race_upgrades(
    project: Project, url: URL, logs_dir: Path, *, count: int = 8, wait: float = 180
) -> None:
    """``count`` upgrades started while ``url``'s migration lock is held, released only
    once all of them wait for it (at most ``wait`` seconds); each must succeed, having
    waited for the lock."""
    logs = [logs_dir / f"upgrade-{n}.log" for n in range(count)]
    engine = create_engine(url)
    try:
        with (
            engine.connect() as conn,
            migration_lock(conn, wait_seconds=0, statement_lock_timeout=5),
        ):
            processes = []
            for log in logs:
                with log.open("w") as out:
                    processes.append(
                        subprocess.Popen(
                            ["alembic", "upgrade", "head"],
                            cwd=project.root,
                            env=project.env(),
                            stdout=out,
                            stderr=subprocess.STDOUT,
                        )
                    )
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not all(_waiting(log) for log in logs):
                time.sleep(0.2)
    finally:
        engine.dispose()
    outputs = [
        (p.wait(timeout=300), log.read_text()) for p, log in zip(processes, logs, strict=True)
    ]
    assert [code for code, _ in outputs] == [0] * count, "\n".join(out for _, out in outputs)
    assert all("Waiting for the migration lock held by" in out for _, out in outputs)


def applied(connection: Connection) -> tuple[dict[str, int], str | None]:
    """How many times each revision recorded itself in ``runs``, and the version row."""
    rows = connection.execute(text("SELECT name, count(*) FROM runs GROUP BY name"))
    runs = {str(name): int(n) for name, n in rows}
    return runs, connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _waiting(log: Path) -> bool:
    return log.exists() and "Waiting for the migration lock" in log.read_text()
