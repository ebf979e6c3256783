"""Schema-per-tenant PostgreSQL: 50 tenant schemas migrated in parallel, read by one
status query; a failure halfway and the rerun; canaries; shards; overlapping runs."""

from __future__ import annotations

import json
import threading

from sqlalchemy import text

from tests.helpers import write_revision
from tests.integration.fleet.conftest import Fleet, make_schemas, tenant_names
from tests.project import FIRST_ID, Result

# Fails in any schema that has a table named poison: one tenant "breaks" halfway.
POISONED = (
    "    op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True))\n"
    "    bind = op.get_bind()\n"
    "    if sa.inspect(bind).has_table('poison', schema=bind.execute(sa.text("
    "'SELECT current_schema()')).scalar()):\n"
    "        raise RuntimeError('poisoned tenant')"
)


def _poisoned_revision(fleet: Fleet) -> None:
    write_revision(fleet.project, "n1", FIRST_ID, POISONED, "    op.drop_table('notes')")


def _status(fleet: Fleet, *args: str) -> dict[str, object]:
    result = fleet.run("status", "--format", "json", *args, check=False)
    assert isinstance(result, Result)
    return dict(json.loads(result.stdout))


def test_fifty_schemas_upgrade_in_parallel_then_nothing_to_do(pg_fleet: Fleet) -> None:
    names = tenant_names(50)
    make_schemas(pg_fleet.engine, names)
    before = _status(pg_fleet)
    assert before["summary"] == {"at head": 0, "behind": 50, "ahead": 0, "failed": 0, "locked": 0}

    result = pg_fleet.run("upgrade", "--jobs", "2")
    assert isinstance(result, Result)
    assert "50 upgraded" in result.output, result.output
    for name in names:
        assert pg_fleet.versions(name) == [FIRST_ID]
        assert pg_fleet.ledger(name) == [(FIRST_ID, "done")]
        with pg_fleet.engine.connect() as connection:  # the tenant's own tables, its trigger
            assert connection.execute(
                text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{name}.users"}
            ).scalar()
    with pg_fleet.engine.connect() as connection:  # nothing landed in public
        assert not connection.execute(text("SELECT to_regclass('public.users')")).scalar()
    after = _status(pg_fleet)
    assert after["summary"] == {"at head": 50, "behind": 0, "ahead": 0, "failed": 0, "locked": 0}
    assert after["stragglers"] == []

    again = pg_fleet.run("upgrade", "--jobs", "2")
    assert isinstance(again, Result)
    assert "0 upgraded, 50 at head" in again.output
    # at head: skipped by the status query, no migration run opened (no ledger row)
    assert all(pg_fleet.ledger(name) == [(FIRST_ID, "done")] for name in names)


def test_a_failure_halfway_stops_new_starts_and_the_rerun_finishes(pg_fleet: Fleet) -> None:
    names = tenant_names(6)
    make_schemas(pg_fleet.engine, names)
    pg_fleet.run("upgrade", "--jobs", "2")
    _poisoned_revision(pg_fleet)
    with pg_fleet.engine.begin() as connection:
        connection.execute(text('CREATE TABLE "tenant_02".poison (id int)'))

    failed = pg_fleet.run("upgrade", "--jobs", "1", check=False)
    assert isinstance(failed, Result)
    assert failed.returncode == 1, failed.output
    assert "tenant_02  failed" in failed.output and "poisoned tenant" in failed.output
    assert "Traceback" not in failed.output
    assert pg_fleet.versions("tenant_02") == [FIRST_ID]  # rolled back
    not_started = [n for n in names if pg_fleet.versions(n) == [FIRST_ID] and n != "tenant_02"]
    assert not_started, failed.output  # a failure stopped new starts
    assert all(f"{n}  not started" in failed.output for n in not_started)

    with pg_fleet.engine.begin() as connection:
        connection.execute(text('DROP TABLE "tenant_02".poison'))
    rerun = pg_fleet.run("upgrade", "--jobs", "2")
    assert isinstance(rerun, Result)
    assert f"{len(not_started) + 1} upgraded" in rerun.output, rerun.output
    assert all(pg_fleet.versions(n) == ["n1"] for n in names)


def test_a_failing_canary_stops_the_rest(pg_fleet: Fleet) -> None:
    names = tenant_names(5)
    make_schemas(pg_fleet.engine, names)
    pg_fleet.run("upgrade", "--jobs", "2")
    _poisoned_revision(pg_fleet)
    with pg_fleet.engine.begin() as connection:
        connection.execute(text('CREATE TABLE "tenant_03".poison (id int)'))

    result = pg_fleet.run("upgrade", "--canary", "tenant_03", "--jobs", "2", check=False)
    assert isinstance(result, Result)
    assert result.returncode == 1
    assert "tenant_03  failed" in result.output
    assert "0 upgraded" in result.output and "4 not started" in result.output, result.output
    assert all(pg_fleet.versions(n) == [FIRST_ID] for n in names)


def test_shards_cover_every_target_once(pg_fleet: Fleet) -> None:
    names = tenant_names(20)
    make_schemas(pg_fleet.engine, names)
    parts = [
        {str(s["target"]) for s in _status(pg_fleet, "--shard", f"{i}/3")["stragglers"]}  # type: ignore[attr-defined]
        for i in range(3)
    ]
    assert sorted(n for part in parts for n in part) == names
    assert all(parts), parts


def test_overlapping_runs_apply_each_revision_once(pg_fleet: Fleet) -> None:
    names = tenant_names(12)
    make_schemas(pg_fleet.engine, names)
    write_revision(
        pg_fleet.project,
        "s1",
        FIRST_ID,
        "    op.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    time.sleep(0.3)",
        "    op.drop_table('slow')",
    )
    results: list[Result] = []

    def run(*args: str) -> None:
        result = pg_fleet.run("upgrade", "--jobs", "2", *args, process=True)
        assert isinstance(result, Result)
        results.append(result)

    threads = [threading.Thread(target=run, args=a) for a in [(), ("--shard", "0/2")]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert len(results) == 2, "a run failed"
    for name in names:
        assert pg_fleet.versions(name) == ["s1"]
        assert pg_fleet.ledger(name) == [(FIRST_ID, "done"), ("s1", "done")]


def test_fleet_check_and_test_find_the_drifted_tenant(pg_fleet: Fleet) -> None:
    names = tenant_names(3)
    make_schemas(pg_fleet.engine, names)
    pg_fleet.run("upgrade", "--jobs", "2")
    checked = pg_fleet.run("check", "--jobs", "2", "--sample", "2")
    assert "2 targets checked: 2 ok, 0 failed" in checked.output, checked.output
    with pg_fleet.engine.begin() as connection:
        connection.execute(text('ALTER TABLE "tenant_01".users DROP COLUMN name'))
    for command in ("check", "test"):
        result = pg_fleet.run(command, "--jobs", "2", check=False)
        assert result.returncode == 1, result.output
        assert "3 targets checked: 2 ok, 1 failed" in result.output, result.output
        assert "tenant_01  failed" in result.output and "name" in result.output


def test_status_names_the_holder_of_a_tenants_migration_lock(pg_fleet: Fleet) -> None:
    from rowstamp.runtime.lock import migration_lock

    make_schemas(pg_fleet.engine, tenant_names(3))
    with (
        pg_fleet.engine.connect() as connection,
        migration_lock(
            connection, wait_seconds=0, statement_lock_timeout=5, version_table_schema="tenant_01"
        ),
    ):
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        status = _status(pg_fleet)
    assert status["summary"] == {"at head": 0, "behind": 2, "ahead": 0, "failed": 0, "locked": 1}
    locked = [s for s in status["stragglers"] if s["state"] == "locked"]  # type: ignore[attr-defined]
    assert [s["target"] for s in locked] == ["tenant_01"]
    assert f"pid {pid}" in locked[0]["detail"]
