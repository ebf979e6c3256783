"""``upgrade --phase expand --rehearse`` in production, on every engine: the rehearsal on
the restored copy stops where the real run stops, before the first contract revision."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import simple_chain, write_revision
from tests.project import Project


def _version(url: URL) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


def test_rehearsed_expand_phase(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    simple_chain(project)  # b1, b2: expand
    write_revision(
        project,
        "b3",
        "b2",
        "    op.drop_column('things', 'label')",
        "    op.add_column('things', sa.Column('label', sa.String(20)))",
    )
    b3 = project.root / "alembic" / "versions" / "b3_b3.py"
    b3.write_text(
        b3.read_text().replace("depends_on = None\n", 'depends_on = None\nphase = "contract"\n')
    )
    backups = tmp_path / "backups"
    out = project.run(
        "rowstamp",
        "--env",
        "production",
        "upgrade",
        "--phase",
        "expand",
        "--rehearse",
        "--no-report",
        BACKUP_DIR=str(backups),
    ).stdout
    assert out.count("Applied b1  Step b1 ... ") == 2  # on the copy, then for real
    assert out.count("Applied b2  Step b2 ... ") == 2
    assert "Applied b3" not in out
    assert "Rehearsal passed on a copy restored from" in out
    assert "Left for after the deploy: 1 revision(s), from b3 (contract: Step b3)" in out
    assert _version(db_url) == "b2"
