"""The no-trigger fallback on a real MariaDB, as a user without the TRIGGER privilege.

There, ``op.create_updated_at_trigger`` keeps ``updated_at`` with the column's
``ON UPDATE CURRENT_TIMESTAMP(6)``, and its reverse takes away only what it added;
rowstamp's connections pin the session to UTC (the clause writes session time),
``op.backfill(touch=False)`` assigns the column to itself (which ON UPDATE respects),
doctor says how ``updated_at`` is kept, and autogenerate does not ask for a trigger again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL

import rowstamp.autogen.impl  # noqa: F401  (the trigger ops' implementations)
from rowstamp.commands import load_config
from rowstamp.errors import RowstampError
from rowstamp.runtime.untouched import untouched
from rowstamp.testing.base import MigrationRun
from rowstamp.testing.metadata_contract import check_metadata_contract
from tests.helpers import write_revision
from tests.integration.engines.test_capabilities import no_trigger_url  # noqa: F401
from tests.project import FIRST_ID, Project

pytestmark = pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)

PAST = dt.datetime(2000, 1, 1)
ON_UPDATE = "ON UPDATE current_timestamp(6)"


def _create_table(conn: Connection) -> str:
    return str(conn.execute(text("SHOW CREATE TABLE t")).one()[1])


def _ops(conn: Connection) -> Any:  # Operations with rowstamp's registered ops
    return Operations(MigrationContext.configure(conn))


def test_the_trigger_ops_round_trip_as_an_on_update_clause(
    no_trigger_url: URL,  # noqa: F811
) -> None:
    engine = create_engine(no_trigger_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE t (id INT PRIMARY KEY, x INT, updated_at DATETIME(6) NOT NULL "
                "DEFAULT UTC_TIMESTAMP(6) COMMENT 'when: 100% ''last'' changed', "
                "mine DATETIME(6) NULL ON UPDATE CURRENT_TIMESTAMP(6))"
            )
        )
        before = _create_table(conn)
        _ops(conn).create_updated_at_trigger("t", version=2)
        _ops(conn).create_updated_at_trigger("t", version=2)  # run again: nothing more
        during = _create_table(conn)
        _ops(conn).create_updated_at_trigger("t", version=2, column="mine")  # its own clause
        tables = {r[0] for r in conn.execute(text("SHOW TABLES"))}
        _ops(conn).drop_updated_at_trigger("t", version=2, column="mine")
        _ops(conn).drop_updated_at_trigger("t", version=2)
        after = _create_table(conn)
        left = {r[0] for r in conn.execute(text("SHOW TABLES"))}
    engine.dispose()
    line = next(x for x in during.splitlines() if "`updated_at`" in x)
    assert ON_UPDATE in line and "COMMENT 'when: 100% ''last'' changed'" in line, line
    assert "NOT NULL DEFAULT utc_timestamp(6)" in line
    assert "rowstamp_on_update" in tables
    assert after == before  # the clause rowstamp added is gone; the column's own stays
    assert ON_UPDATE in next(x for x in after.splitlines() if "`mine`" in x)
    assert left == {"t"}  # the marker table went with its last row


def test_upgrade_keeps_updated_at_in_utc_without_triggers(
    no_trigger_url: URL,  # noqa: F811
    tmp_path: Path,
) -> None:
    # rowstamp's connections start in +05:00 here: its pin must put them to UTC
    east = no_trigger_url.update_query_dict({"init_command": "SET time_zone = '+05:00'"})
    project = Project.copy(tmp_path / "project", east, history=True)
    upgrade = project.alembic("upgrade", FIRST_ID)
    assert "users.updated_at is kept by ON UPDATE CURRENT_TIMESTAMP(6)" in upgrade.output
    assert "time_zone = '+00:00'" in upgrade.output and "Traceback" not in upgrade.output

    app = create_engine(no_trigger_url, connect_args={"init_command": "SET time_zone = '+00:00'"})
    with app.begin() as conn:
        for i in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, created_at, updated_at) VALUES (:i, :e, :p, :p)"
                ),
                {"i": i, "e": f"u{i}@example.com", "p": PAST},
            )
    write_revision(
        project,
        "c2",
        FIRST_ID,
        "    op.execute(\"UPDATE users SET notes = 'by the migration' WHERE id = 1\")\n"
        "    op.backfill('users', values={'name': 'filled'}, where='id = 2', touch=False)",
        "    pass",
    )
    project.alembic("upgrade", "head")
    with app.begin() as conn:
        rows = conn.execute(
            text("SELECT id, name, updated_at, UTC_TIMESTAMP(6) FROM users ORDER BY id")
        ).all()
        conn.execute(text("UPDATE users SET notes = 'by the app' WHERE id = 2"))
        bumped, now = conn.execute(
            text("SELECT updated_at, UTC_TIMESTAMP(6) FROM users WHERE id = 2")
        ).one()
        with pytest.raises(RowstampError, match="assign the column to itself"), untouched(conn):
            pass
    app.dispose()
    (_, _, migrated, utc), (_, name, untouched_at, _) = rows
    assert abs(utc - migrated) < dt.timedelta(minutes=5), (migrated, utc)  # UTC, not +05:00
    assert name == "filled" and untouched_at == PAST  # touch=False left it
    assert abs(now - bumped) < dt.timedelta(minutes=5)  # an application UPDATE bumps it

    doctor = project.run("rowstamp", "doctor", check=False)
    assert "users: updated_at kept by ON UPDATE (no triggers on this server)" in doctor.output
    assert "has no updated_at trigger" not in doctor.output, doctor.output
    assert "2 warn, 0 fail" in doctor.output  # the engine line and this one
    project.alembic("check")  # autogenerate asks for no trigger on top of the clause


def test_the_metadata_contract_says_on_update_keeps_updated_at(
    no_trigger_url: URL,  # noqa: F811
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    project = Project.copy(tmp_path / "project", no_trigger_url, history=True)
    project.alembic("upgrade", "head")
    engine = create_engine(no_trigger_url)
    with project.process_state():
        run = MigrationRun(load_config(project.root / "alembic.ini"), engine)
        assert check_metadata_contract(run) == 1
    engine.dispose()
    said = capfd.readouterr().err  # the rowstamp logger's line, as `rowstamp test` shows it
    assert "users: updated_at kept by ON UPDATE (no triggers on this server)" in said
