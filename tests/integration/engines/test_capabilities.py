"""The capability probe on real servers, and the no-trigger case it exists for.

A MariaDB user without the TRIGGER privilege is a real server without row triggers
for rowstamp (as TiDB and Vitess are for everyone): the probe says so, the trigger op
keeps ``updated_at`` by ``ON UPDATE`` instead (tests/integration/engines/test_no_triggers.py),
and ``rowstamp doctor`` says how ``updated_at`` is kept instead of passing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from rowstamp.testing.servers import TEST_PASSWORD, Server, mysql_password_hash
from tests.project import Project


def test_a_direct_connection_has_what_rowstamp_relies_on(db_url: URL, engine_name: str) -> None:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        found = for_dialect(engine.dialect).capabilities(conn)
        again = for_dialect(engine.dialect).capabilities(conn)
    engine.dispose()
    assert again is found  # probed once per connection
    assert found.row_triggers and found.session_locks and not found.pooled
    assert found.product.split()[0] == {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        engine_name, "MariaDB"
    )
    assert found.transactional_ddl is (engine_name != "mariadb")
    assert found.on_update_clause is (engine_name == "mariadb")


@pytest.fixture
def no_trigger_url(mariadb_server: Server, db_url: URL) -> Iterator[URL]:
    """``db_url`` as a user with every privilege on it but TRIGGER."""
    user = f"nt_{str(db_url.database)[-8:]}"
    admin = create_engine(mariadb_server.url)
    with admin.begin() as conn:
        password = mysql_password_hash(TEST_PASSWORD)
        conn.execute(text(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY PASSWORD '{password}'"))
        conn.execute(text(f"GRANT ALL PRIVILEGES ON `{db_url.database}`.* TO '{user}'@'127.0.0.1'"))
        conn.execute(text(f"REVOKE TRIGGER ON `{db_url.database}`.* FROM '{user}'@'127.0.0.1'"))
    try:
        yield db_url.set(username=user)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP USER '{user}'@'127.0.0.1'"))
        admin.dispose()


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_without_row_triggers_the_trigger_op_falls_back_and_doctor_says_so(
    no_trigger_url: URL, tmp_path: Path
) -> None:
    engine = create_engine(no_trigger_url)
    with engine.connect() as conn:
        found = for_dialect(engine.dialect).capabilities(conn)
    engine.dispose()
    assert not found.row_triggers
    assert "lacks the TRIGGER privilege" in found.notes[0]

    project = Project.copy(tmp_path / "project", no_trigger_url, history=True)
    result = project.alembic("upgrade", "head")  # ON UPDATE instead (test_no_triggers.py)
    assert "kept by ON UPDATE CURRENT_TIMESTAMP(6), not a trigger" in result.output

    doctor = project.run("rowstamp", "doctor", check=False)
    engine_line = next(line for line in doctor.stdout.splitlines() if " engine " in f" {line}")
    assert engine_line.startswith("warn") and "lacks row triggers" in engine_line, doctor.output
    assert "the trigger ops write ON UPDATE CURRENT_TIMESTAMP(6) here" in doctor.output
