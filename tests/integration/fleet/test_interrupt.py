"""Ctrl-C (SIGINT) and SIGTERM during ``rowstamp fleet upgrade``, for real: a subprocess
on tenant schemas whose revision sleeps in the server (``pg_sleep``) is signalled once
some targets are done; no new target starts, the running ones roll back, every
migration lock is released, the final table says each target's revision as its
database does, and a rerun finishes the rest."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from tests.helpers import write_revision
from tests.integration.fleet.conftest import Fleet, make_schemas, tenant_names
from tests.project import FIRST_ID

# Marks its schema as started, then sleeps in the server where SLOW names the schema.
SLEEPY = (
    "    op.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))\n"
    "    schema = op.get_context().version_table_schema\n"
    "    open(os.path.join(os.environ['MARKS'], schema), 'w').close()\n"
    "    if schema in os.environ.get('SLOW', '').split(','):\n"
    "        op.execute('SELECT pg_sleep(300)')"
)
ROW = re.compile(r"^(tenant_\d+)\s+(interrupted|not started|failed|locked)\s+(\S+)", re.M)


def _wait_for(marks: Path, names: list[str], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if all((marks / name).exists() for name in names):
            return
        time.sleep(0.2)
    output = process.communicate(timeout=60)[0] if process.poll() is not None else "still running"
    pytest.fail(f"{names} did not start: {output}")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_fleet_truthfully(
    pg_fleet: Fleet, tmp_path: Path, stop: signal.Signals
) -> None:
    names = tenant_names(6)
    make_schemas(pg_fleet.engine, names)
    pg_fleet.run("upgrade", "--jobs", "2")
    write_revision(pg_fleet.project, "s1", FIRST_ID, SLEEPY, "    op.drop_table('slow')")
    marks = tmp_path / "marks"
    marks.mkdir()
    env = pg_fleet.project.env(MARKS=str(marks), SLOW="tenant_02,tenant_03", **pg_fleet.env())
    process = subprocess.Popen(
        ["rowstamp", "fleet", "upgrade", "--jobs", "2"],
        cwd=pg_fleet.project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(marks, ["tenant_02", "tenant_03"], process)  # 00 and 01 are done
        process.send_signal(stop)
        output = process.communicate(timeout=120)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 128 + stop, output
    assert "Traceback" not in output
    assert f"Stopped by {stop.name}; run the same command again" in output
    rows = {m[1]: (m[2], m[3]) for m in ROW.finditer(output)}
    assert {n: s for n, (s, _) in rows.items()} == {
        "tenant_02": "interrupted",
        "tenant_03": "interrupted",
        "tenant_04": "not started",
        "tenant_05": "not started",
    }, output
    for name in names:  # the table says what each database says
        revision = rows[name][1] if name in rows else "s1"
        assert pg_fleet.versions(name) == [FIRST_ID if revision == "-" else revision], output
    assert rows["tenant_02"][1] == FIRST_ID  # the sleeping revision rolled back
    assert "2 upgraded" in output and "2 interrupted" in output and "2 not started" in output
    with pg_fleet.engine.connect() as connection:  # no lock held, no statement left running
        # a closed connection's backend leaves pg_locks when it has exited, a moment after
        # the client: wait for that (bounded), never for a live holder
        deadline = time.monotonic() + 10
        while (held := _advisory_holders(connection)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert held == [], (held, output)
        assert (
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalar()
            == 0
        )

    rerun = pg_fleet.run("upgrade", "--jobs", "2", MARKS=str(marks))
    assert "4 upgraded, 6 at head" in rerun.output, rerun.output
    assert all(pg_fleet.versions(n) == ["s1"] for n in names)


def _advisory_holders(connection: Connection) -> list[tuple[object, ...]]:
    """Advisory locks in this database: (pid, backend state, its query)."""
    rows = connection.execute(
        text(
            "SELECT l.pid, a.state, a.query FROM pg_locks l "
            "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
    return [tuple(row) for row in rows]
