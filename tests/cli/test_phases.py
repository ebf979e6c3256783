"""Expand and contract through ``rowstamp``, on every engine: ``new --phase`` writes the
phase, ``upgrade --phase expand`` stops before the first contract revision, a plain
upgrade applies the rest, and ``status`` lists what is pending in each run.
"""

from __future__ import annotations

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from tests.project import FIRST_ID, POSTS_WITHOUT_AUTHOR, Project

REVISION = '''"""{message}"""

import sqlalchemy as sa
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None
{phase}

def upgrade() -> None:
    {upgrade}


def downgrade() -> None:
    {downgrade}
'''


def _write(
    project: Project, rev: str, down: str, message: str, upgrade: str, downgrade: str, phase: str
) -> None:
    line = f'\nphase = "{phase}"\n' if phase != "expand" else ""
    text = REVISION.format(
        message=message, rev=rev, down=down, phase=line, upgrade=upgrade, downgrade=downgrade
    )
    (project.root / "alembic" / "versions" / f"{rev}_{rev}.py").write_text(text, encoding="utf-8")


def _deploy_history(project: Project) -> None:
    """expand (p1), contract (p2), then an expand (p3) that must wait for p2."""
    _write(
        project,
        "p1",
        FIRST_ID,
        "Add things table",
        "op.create_table('things', sa.Column('id', sa.Integer, primary_key=True), "
        "sa.Column('nickname', sa.String(40)))",
        "op.drop_table('things')",
        "expand",
    )
    _write(
        project,
        "p2",
        "p1",
        "Drop things nickname column",
        "op.drop_column('things', 'nickname')",
        "op.add_column('things', sa.Column('nickname', sa.String(40)))",
        "contract",
    )
    _write(
        project,
        "p3",
        "p2",
        "Add things bio column",
        "op.add_column('things', sa.Column('bio', sa.String(200)))",
        "op.drop_column('things', 'bio')",
        "expand",
    )


def _columns(url: URL, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_upgrade_phase_expand_stops_before_contract(db_project: Project, db_url: URL) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    _deploy_history(project)

    status = project.run("rowstamp", "status").stdout
    assert "Pending:     2 expand, 1 contract" in status
    before, after = status.split("after the deploy (rowstamp upgrade):")
    assert "before the deploy (rowstamp upgrade --phase expand):\n    p1  expand" in before
    assert "p2  contract  Drop things nickname column" in after
    assert "p3  expand    Add things bio column" in after  # it comes after p2: it waits

    expand = project.run("rowstamp", "upgrade", "--phase", "expand", "--no-report").stdout
    assert "Applied p1  Add things table" in expand
    assert "Applied p2" not in expand and "Applied p3" not in expand
    assert "Left for after the deploy: 2 revision(s), from p2 (contract:" in expand
    assert _columns(db_url, "things") == {"id", "nickname"}

    again = project.run("rowstamp", "upgrade", "--phase", "expand", "--no-report").stdout
    assert "Nothing to apply in the expand phase." in again
    status = project.run("rowstamp", "status").stdout
    assert "Pending:     1 expand, 1 contract" in status
    assert "before the deploy" not in status

    rest = project.run("rowstamp", "upgrade", "--no-report").stdout
    assert "Applied p2" in rest and "Applied p3" in rest
    assert _columns(db_url, "things") == {"id", "bio"}
    assert "Pending:" not in project.run("rowstamp", "status").stdout

    at_head = project.run("rowstamp", "upgrade", "--phase", "expand", "--no-report").stdout
    assert "Nothing to apply in the expand phase." in at_head
    assert "Left for after the deploy" not in at_head


def test_upgrade_phase_refuses_a_target_and_a_bad_phase(db_project: Project) -> None:
    project = db_project
    _deploy_history(project)
    both = project.run("rowstamp", "upgrade", "p1", "--phase", "expand", check=False)
    assert both.returncode == 1
    assert both.stderr.startswith("rowstamp: error: --phase expand chooses the revisions itself")
    assert len(both.stderr.strip().splitlines()) == 1, both.stderr

    p2 = project.root / "alembic" / "versions" / "p2_p2.py"
    p2.write_text(p2.read_text().replace('"contract"', '"contarct"'), encoding="utf-8")
    bad = project.run("rowstamp", "upgrade", "--phase", "expand", check=False)
    assert bad.returncode == 1
    assert "p2_p2.py declares phase = 'contarct', which is not a phase" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    lint = project.run("rowstamp", "lint", "--no-squawk", str(p2), check=False)
    assert lint.returncode == 1
    assert "error contract-in-expand: phase = 'contarct' is not a phase" in lint.stdout


def test_upgrade_phase_expand_on_a_revision_no_file_defines(db_project: Project) -> None:
    project = db_project
    _deploy_history(project)
    project.run("rowstamp", "upgrade", "--phase", "expand", "--no-report")
    (project.root / "alembic" / "versions" / "p1_p1.py").unlink()
    (project.root / "alembic" / "versions" / "p2_p2.py").unlink()
    (project.root / "alembic" / "versions" / "p3_p3.py").unlink()
    lost = project.run("rowstamp", "upgrade", "--phase", "expand", check=False)
    assert lost.returncode == 1
    assert "the database is at revision p1, which no migration file defines" in lost.stderr
    assert len(lost.stderr.strip().splitlines()) == 1, lost.stderr


def test_new_writes_the_phase(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("post", POSTS_WITHOUT_AUTHOR)
    project.run("rowstamp", "new", "Add posts table")
    [expand] = [p for p in project.versions() if p.name.endswith("_add_posts_table.py")]
    assert "phase" not in expand.read_text(encoding="utf-8")  # expand files as before phases
    expand.unlink()

    project.run("rowstamp", "new", "Add posts table", "--phase", "contract")
    [contract] = [p for p in project.versions() if p.name.endswith("_add_posts_table.py")]
    text = contract.read_text(encoding="utf-8")
    assert '\nphase = "contract"\n' in text
    status = project.run("rowstamp", "status").stdout
    assert "Pending:     0 expand, 1 contract" in status
    assert "contract  Add posts table" in status.split("after the deploy")[1]
    nothing = project.run("rowstamp", "upgrade", "--phase", "expand", "--no-report").stdout
    assert "Nothing to apply in the expand phase." in nothing


def test_new_refuses_a_contract_its_template_cannot_write(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    mako = project.root / "alembic" / "script.py.mako"
    lines = mako.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("% if"))
    end = next(i for i, line in enumerate(lines) if line.startswith("% endif"))
    mako.write_text("".join(lines[:start] + lines[end + 1 :]), encoding="utf-8")  # as before
    project.add_model("post", POSTS_WITHOUT_AUTHOR)
    result = project.run("rowstamp", "new", "Add posts table", "--phase", "contract", check=False)
    assert result.returncode == 1
    assert 'was written without phase = "contract"' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
