"""``rowstamp lint`` warns about an ALTER that copies a live table on MariaDB/MySQL, with
the table's size when the environment's database is reachable; SQLite and PostgreSQL
projects get no such warning."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.testing.servers import free_port
from tests.project import FIRST_ID, Project

REVISION = f'''"""Widen users name"""

import sqlalchemy as sa
from alembic import op

revision = "c1"
down_revision = {FIRST_ID!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rowstamp: allow type-change -- every name fits in TEXT
    op.alter_column("users", "name", existing_type=sa.String(255), type_=sa.Text())
    # rowstamp: allow table-copy -- few rows, copied in the maintenance window
    op.create_check_constraint("ck_users_email", "users", "email <> ''")
    op.alter_column("users", "email", existing_type=sa.String(255), nullable=True)
    op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))
    op.create_check_constraint("ck_things_id", "things", "id > 0")


def downgrade() -> None:
    op.drop_table("things")
    op.alter_column("users", "email", existing_type=sa.String(255), nullable=False)
    op.drop_constraint("ck_users_email", "users", type_="check")
    op.alter_column("users", "name", existing_type=sa.Text(), type_=sa.String(255))
'''


def _lint(project: Project, database_url: str | None = None) -> list[dict[str, Any]]:
    path = project.root / "alembic" / "versions" / "c1_widen.py"
    path.write_text(REVISION, encoding="utf-8")
    args = ("rowstamp", "lint", "--no-squawk", "--format", "json", str(path))
    env = {"DATABASE_URL": database_url} if database_url else {}
    result = project.run(*args, **env)
    [migration] = json.loads(result.stdout)["migrations"]
    assert migration["ok"], migration  # warnings only
    return [f for f in migration["findings"] if f["rule"] == "table-copy"]


def _fill_users(url: URL) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for n in range(3):
                connection.execute(
                    text("INSERT INTO users (name, email) VALUES (:n, :e)"),
                    {"n": f"u{n}", "e": f"u{n}@example.com"},
                )
            if engine.dialect.name == "mariadb":  # the test's own server: exact estimates
                connection.execute(text("ANALYZE TABLE users"))
    finally:
        engine.dispose()


def test_copies_are_warned_with_the_table_size(db_project: Project, db_url: URL) -> None:
    db_project.run("rowstamp", "upgrade", "--no-report")
    _fill_users(db_url)
    findings = _lint(db_project)
    if db_url.get_backend_name() != "mariadb":
        assert findings == []
        return
    by_line = {f["line"]: f for f in findings}
    assert sorted(by_line) == [14, 16], findings  # not the NULL change, not the new table
    name, check = by_line[14], by_line[16]
    assert name["severity"] == "warning" and name["table"] == "users"
    assert name["message"].startswith("changes the type of name from String(length=255) to Text()")
    assert "MariaDB copies table users (ALGORITHM=COPY), blocking writes" in name["message"]
    assert "; users holds ~3 rows, " in name["message"], name["message"]
    assert name["acknowledged"] is None
    assert check["message"].startswith("adds CHECK constraint ck_users_email")
    assert check["acknowledged"] == "few rows, copied in the maintenance window"


def test_unreachable_database_still_warns(db_project: Project, db_url: URL) -> None:
    if db_url.get_backend_name() != "mariadb":
        return
    closed = db_url.set(host="127.0.0.1", port=free_port())
    findings = _lint(db_project, closed.render_as_string(hide_password=False))
    assert [f["line"] for f in findings] == [14, 16]
    assert findings[0]["message"].endswith("its size is unknown (the database is not reachable)")


def test_table_not_yet_in_the_database(db_project: Project, db_url: URL) -> None:
    if db_url.get_backend_name() != "mariadb":
        return
    findings = _lint(db_project)  # nothing applied: users does not exist yet
    assert findings[0]["message"].endswith("it is not in the database yet")
