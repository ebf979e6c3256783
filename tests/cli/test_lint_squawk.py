"""``rowstamp lint`` on the history: squawk on the PostgreSQL offline SQL, text and JSON.

Needs no database server: Alembic's offline mode writes the SQL.
"""

from __future__ import annotations

import json

from tests.project import Project

RAW_SQL = '''"""Add users score column

Revision ID: 5c0e00000001
Revises: f0654512c599
"""

import sqlalchemy as sa
from alembic import op

revision = "5c0e00000001"
down_revision = "f0654512c599"


def upgrade() -> None:
    {ack}op.execute("ALTER TABLE users ADD COLUMN score integer NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE users DROP COLUMN score")
'''


def _write(project: Project, ack: str = "") -> None:
    path = project.root / "alembic" / "versions" / "5c0e00000001_add_users_score_column.py"
    path.write_text(RAW_SQL.replace("{ack}", ack), encoding="utf-8")


def test_committed_history_passes_squawk(offline_project: Project) -> None:
    out = offline_project.run("rowstamp", "lint", "--all", "--squawk").stdout
    assert "passed: 1 migration(s), 0 error(s)" in out
    assert "squawk ran" in out


def test_squawk_finds_what_raw_sql_hides(offline_project: Project) -> None:
    _write(offline_project)
    result = offline_project.run("rowstamp", "lint", "--squawk", check=False)
    assert result.returncode == 1
    assert "squawk/adding-required-field" in result.stdout
    assert "ALTER TABLE users ADD COLUMN score integer NOT NULL" in result.stdout

    report = json.loads(
        offline_project.run("rowstamp", "lint", "--format", "json", check=False).stdout
    )
    assert report["ok"] is False and report["squawk"] == "ran"
    [migration] = report["migrations"]
    assert migration["revision"] == "5c0e00000001"
    assert [f["rule"] for f in migration["findings"]] == ["squawk/adding-required-field"]


def test_squawk_finding_acknowledged_with_a_reason(offline_project: Project) -> None:
    ack = "# rowstamp: allow squawk/adding-required-field -- users is empty in every env\n    "
    _write(offline_project, ack)
    out = offline_project.run("rowstamp", "lint", "--squawk").stdout
    assert "passed: 1 migration(s), 0 error(s), 0 warning(s), 1 acknowledged" in out


def test_unknown_revision_is_one_line(offline_project: Project) -> None:
    result = offline_project.run("rowstamp", "lint", "nosuchrev", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("rowstamp: error: unknown revision 'nosuchrev'")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_revision_that_fails_offline_is_a_warning_and_the_lint_goes_on(
    offline_project: Project,
) -> None:
    path = offline_project.root / "alembic" / "versions" / "5c0e00000001_add_users_score.py"
    path.write_text(
        RAW_SQL.replace("{ack}", 'raise RuntimeError("needs the rows")\n    '), encoding="utf-8"
    )
    result = offline_project.run("rowstamp", "lint", "--all", "--squawk", check=False)
    assert result.returncode == 0, result.output
    assert (
        "warning squawk: alembic --sql failed for 5c0e00000001: "
        "alembic/versions/5c0e00000001_add_users_score.py:15: RuntimeError: needs the rows"
    ) in result.stdout
    assert "passed: 2 migration(s), 0 error(s), 2 warning(s)" in result.stdout


def test_squawk_needs_no_database_url(offline_project: Project) -> None:
    """CI lints with the deploy's environment, whose URL only the deploy knows."""
    (offline_project.root / "app" / "envs" / "ci.env").write_text("PROTECTED=true\n")
    _write(offline_project)
    result = offline_project.run("rowstamp", "lint", "--squawk", check=False, ENVIRONMENT="ci")
    assert "squawk/adding-required-field" in result.stdout, result.output
    assert "squawk did not run" not in result.stdout
