"""The contract operations the lint keeps out of expand revisions, on every engine:
linted as an expand revision they fail with ``contract-in-expand``; declared
``phase = "contract"`` they pass that rule, ``upgrade --phase expand`` leaves them
for after the deploy, and a plain upgrade (and the downgrade) runs them for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from tests.project import FIRST_ID, Project

EXPAND = '''"""Add things table"""

import sqlalchemy as sa
from alembic import op

revision = "x1"
down_revision = {first!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "things",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80)),
        sa.Column("old_code", sa.BigInteger),
        sa.Column("legacy", sa.String(20)),
    )
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("scratch")
    op.drop_table("things")
'''

CONTRACT = '''"""Tighten things after the deploy"""

import sqlalchemy as sa
from alembic import op

revision = "x2"
down_revision = "x1"
branch_labels = None
depends_on = None
{phase}

def upgrade() -> None:
    with op.batch_alter_table("things") as batch:
        # rowstamp: allow type-change -- every name is under 40 characters since v3
        batch.alter_column("name", existing_type=sa.String(80), type_=sa.String(40))
        # rowstamp: allow type-change -- codes fit in 32 bits
        batch.alter_column("old_code", existing_type=sa.BigInteger, type_=sa.Integer)
        batch.alter_column("legacy", new_column_name="legacy_code", existing_type=sa.String(20))
    # rowstamp: allow drop-table -- emptied in v3
    op.drop_table("scratch")


def downgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("things") as batch:
        batch.alter_column("legacy_code", new_column_name="legacy", existing_type=sa.String(20))
        batch.alter_column("old_code", existing_type=sa.Integer, type_=sa.BigInteger)
        batch.alter_column("name", existing_type=sa.String(40), type_=sa.String(80))
'''


def _write(project: Project, phase: str) -> Path:
    versions = project.root / "alembic" / "versions"
    (versions / "x1_x1.py").write_text(EXPAND.format(first=FIRST_ID), encoding="utf-8")
    path = versions / "x2_x2.py"
    path.write_text(CONTRACT.format(phase=phase), encoding="utf-8")
    return path


def _lint(project: Project, path: Path) -> list[dict[str, object]]:
    result = project.run(
        "rowstamp", "lint", "--no-squawk", "--format", "json", str(path), check=False
    )
    [migration] = json.loads(result.stdout)["migrations"]
    return [f for f in migration["findings"] if f["rule"] == "contract-in-expand"]


def _shape(url: URL) -> tuple[set[str], dict[str, str]]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        columns = {c["name"]: repr(c["type"]) for c in found.get_columns("things")}
        return set(found.get_table_names()), columns
    finally:
        engine.dispose()


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    return Project.copy(tmp_path / "project", db_url, history=True)


def test_contract_operations_fail_in_expand(project: Project) -> None:
    findings = _lint(project, _write(project, ""))
    messages = sorted(str(f["message"]).split(" in an expand revision")[0] for f in findings)
    assert messages == [
        "drops table scratch",
        "narrows column things.name from String(length=80) to String(length=40)",
        "narrows column things.old_code from BigInteger() to Integer()",
        "renames column things.legacy to legacy_code",
    ]
    advice = 'move it to a contract revision (phase = "contract")'
    assert all(advice in str(f["message"]) for f in findings)


def test_contract_revision_runs_after_the_deploy(project: Project, db_url: URL) -> None:
    path = _write(project, '\nphase = "contract"\n')
    assert _lint(project, path) == []

    project.run("rowstamp", "upgrade", "--phase", "expand", "--no-report")
    tables, columns = _shape(db_url)
    assert "scratch" in tables and "legacy" in columns

    project.run("rowstamp", "upgrade", "--no-report")
    tables, columns = _shape(db_url)
    assert "scratch" not in tables
    assert set(columns) == {"id", "name", "old_code", "legacy_code"}
    assert "40" in columns["name"]

    project.run("rowstamp", "downgrade", "x1")
    tables, columns = _shape(db_url)
    assert "scratch" in tables and "legacy" in columns and "80" in columns["name"]
