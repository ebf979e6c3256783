"""A migration whose code fails before it reaches a database fails the review (issue 15 item 8).

The review reads a migration by running it against recording operations; an
exception there was reported as "cannot run without a database", a warning, so
``rowstamp new`` (what ``./scripts/migrate`` runs) and ``rowstamp lint`` passed a
file that could never be applied. Only ``op.get_bind()`` means "needs a database".
"""

from __future__ import annotations

import pytest

from tests.project import Project

BROKEN = '''"""Add users secret

Revision ID: 9b1e2c3d4f5a
Revises: {down}
"""

import sqlalchemy as sa

from alembic import op

revision = "9b1e2c3d4f5a"
down_revision = "{down}"
branch_labels = None
depends_on = None
{module_level}

def upgrade() -> None:
    op.add_column("users", sa.Column("secret", app.models.secret.Encrypted(length=100)))


def downgrade() -> None:
    op.drop_column("users", "secret")
'''

PASTED_BELOW_IMPORTS = "undefined_name"
"""What a broken template or a stray edit leaves at module level."""


def _write_broken(project: Project, module_level: str = "") -> str:
    [first] = project.versions()
    down = first.name.split("_", 1)[0]
    name = "9b1e2c3d4f5a_add_users_secret.py"
    text = BROKEN.format(down=down, module_level=module_level)
    (project.root / "alembic" / "versions" / name).write_text(text, encoding="utf-8")
    return name


def test_lint_fails_on_a_migration_whose_upgrade_cannot_run(offline_project: Project) -> None:
    name = _write_broken(offline_project)
    result = offline_project.run("rowstamp", "lint", "--no-squawk", check=False)
    assert result.returncode == 1, result.output
    [line] = [x for x in result.output.splitlines() if "NameError" in x]
    assert name in line and " error " in line, line
    assert "name 'app' is not defined" in line, line
    assert "Traceback" not in result.output


def test_lint_fails_on_a_migration_that_cannot_be_imported(offline_project: Project) -> None:
    _write_broken(offline_project, PASTED_BELOW_IMPORTS)
    result = offline_project.run("rowstamp", "lint", "--no-squawk", check=False)
    assert result.returncode == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rowstamp: error: "), line
    assert "undefined_name" in line, line


def test_needing_a_database_stays_a_warning(offline_project: Project) -> None:
    [first] = offline_project.versions()
    down = first.name.split("_", 1)[0]
    text = BROKEN.format(down=down, module_level="").replace(
        'op.add_column("users", sa.Column("secret", app.models.secret.Encrypted(length=100)))',
        'op.get_bind().execute(sa.text("UPDATE users SET name = email"))',
    )
    (offline_project.root / "alembic" / "versions" / "9b1e2c3d4f5a_x.py").write_text(text, "utf-8")
    result = offline_project.run("rowstamp", "lint", "--no-squawk")
    assert "warning unreadable: upgrade() cannot run without a database" in result.output


@pytest.mark.parametrize("where", ["module", "upgrade"])
def test_new_fails_when_its_migration_cannot_run(db_project: Project, where: str) -> None:
    project = db_project
    template = project.root / "alembic" / "script.py.mako"
    text = template.read_text(encoding="utf-8")
    if where == "module":
        anchor = '${imports if imports else ""}'
        text = text.replace(anchor, f"{anchor}\nundefined_name\n")
    else:
        anchor = '    ${upgrades if upgrades else "pass"}'
        text = text.replace(anchor, f"    undefined_name\n{anchor}")
    template.write_text(text, encoding="utf-8")
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("note", NOTE)
    result = project.run("rowstamp", "new", "Add notes table", check=False)
    assert result.returncode == 1, result.output
    assert "upgrade() runs no operation" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rowstamp: error: "), line
    assert "NameError" in line and "undefined_name" in line, line


NOTE = '''"""A plain model, to give autogenerate something to write."""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
'''
