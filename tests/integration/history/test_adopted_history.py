"""An adopted project's own history runs under rowstamp's env.py exactly as it ran
under the project's own: rowstamp's naming convention applies only after
``[rowstamp] baseline`` (issue 15 item 1, report finding 1).

The same history is applied twice to one database: first through a plain Alembic
env.py with no naming convention (the project's own), then through rowstamp's. The
names of every key, constraint and index of the old tables must be equal; a table
created after the baseline gets rowstamp's names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from tests.helpers import catalog, write_revision
from tests.project import Project

PLAIN_ENV = '''"""The project's own env.py: Alembic's template, no naming convention."""
import os

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

engine = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
'''

OLD_WIDGETS = """    op.create_table(
        'widgets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('qty', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(40), nullable=False),
        sa.Column('sealed', sa.Boolean(create_constraint=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.CheckConstraint('qty > 0', name='positive'),
        sa.CheckConstraint('qty < 1000'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('widgets_by_qty', 'widgets', ['qty'])"""

OLD_GADGETS = """    op.create_table(
        'gadgets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('widget_id', sa.Integer(), sa.ForeignKey('widgets.id'), nullable=False),
    )
    op.create_index(None, 'gadgets', ['widget_id'])
    op.create_table(
        'runs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('status', sa.String(9), nullable=False),
        sa.CheckConstraint("status IN ('RUNNING', 'FAILED')", name='status'),
        sa.CheckConstraint("status <> 'BOGUS'", name='not_bogus'),
    )
    # mlflow's cfd24bdc0731: a constraint dropped by the name the project's env.py gave it
    with op.batch_alter_table('runs') as batch_op:
        batch_op.drop_constraint('status', type_='check')"""

NEW_PARTS = """    op.create_table(
        'parts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('qty', sa.Integer(), nullable=False),
        sa.CheckConstraint('qty > 0', name='positive'),
    )"""

NEW_STEP = """    with op.batch_alter_table('parts') as batch_op:
        batch_op.create_check_constraint('ck_parts_small', sa.text('qty < 1000'))"""


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(project, "o1", None, OLD_WIDGETS, "    op.drop_table('widgets')")
    write_revision(
        project, "o2", "o1", OLD_GADGETS, "    op.drop_table('runs')\n    op.drop_table('gadgets')"
    )
    write_revision(project, "n3", "o2", NEW_PARTS, "    op.drop_table('parts')")
    write_revision(
        project,
        "n4",
        "n3",
        NEW_STEP,
        "    with op.batch_alter_table('parts') as batch_op:\n"
        "        batch_op.drop_constraint('ck_parts_small', type_='check')",
    )
    plain = project.root / "plain"
    plain.mkdir()
    (plain / "env.py").write_text(PLAIN_ENV, encoding="utf-8")
    (project.root / "plain.ini").write_text(
        "[alembic]\nscript_location = %(here)s/plain\n"
        "version_locations = %(here)s/alembic/versions\npath_separator = os\n",
        encoding="utf-8",
    )
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "[rowstamp]\n", "[rowstamp]\n# the project's own history ends here\nbaseline = o2\n"
        ),
        encoding="utf-8",
    )
    return project


def _names(url: URL, *tables: str) -> dict[str, Any]:
    """Every key, constraint and index name of ``tables``, as the database has them."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {
            table: {
                "pk": found.get_pk_constraint(table).get("name"),
                "fk": sorted(str(fk["name"]) for fk in found.get_foreign_keys(table)),
                "uq": sorted(str(uq["name"]) for uq in found.get_unique_constraints(table)),
                "ck": sorted(str(ck["name"]) for ck in found.get_check_constraints(table)),
                "ix": sorted(str(ix["name"]) for ix in found.get_indexes(table)),
            }
            for table in tables
        }
    finally:
        engine.dispose()


def test_old_revisions_name_everything_as_the_projects_own_env_did(
    project: Project, db_url: URL
) -> None:
    project.alembic("-c", "plain.ini", "upgrade", "o2")
    own = _names(db_url, "widgets", "gadgets", "runs")
    project.alembic("-c", "plain.ini", "downgrade", "base")

    # offline too (SQLite's batch mode needs a database: o2 is left out there)
    assert "CONSTRAINT positive CHECK" in project.alembic("upgrade", "o1", "--sql").stdout
    script = project.alembic("upgrade", "o2:n3", "--sql").stdout
    assert "CONSTRAINT positive CHECK" in script  # an explicit name, as written

    project.alembic("upgrade", "head")
    assert _names(db_url, "widgets", "gadgets", "runs") == own
    assert "positive" in own["widgets"]["ck"]  # the explicit name, kept
    assert own["runs"]["ck"] == ["not_bogus"]
    # after the baseline too: no ck_parts_ prefix on a name given (ck_parts_ck_parts_small)
    assert _names(db_url, "parts")["parts"]["ck"] == ["ck_parts_small", "positive"]

    project.alembic("downgrade", "base")
    engine = create_engine(db_url)
    try:
        assert catalog(engine, version_table=False) == set()
    finally:
        engine.dispose()


OLD_USERS = """    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(), nullable=True),
        sa.Column('email', sa.String(255), nullable=False, unique=True),
    )"""

# mlflow's 89d4b8295536: an old revision that counts rows through the live model
OLD_COUNT_USERS = """    from sqlalchemy import orm

    from app.models.user import User

    with orm.Session(bind=op.get_bind()) as session:
        session.query(User).count()"""


def test_an_old_revision_that_reads_the_models_is_named_with_the_way_out(
    db_url: URL, tmp_path: Path
) -> None:
    """Once the models carry rowstamp's columns, an old revision that queries them fails
    on a new database (the columns come after the baseline): the error says why and what
    to do instead of only "column is_active does not exist"."""
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(project, "o1", None, OLD_USERS, "    op.drop_table('users')")
    write_revision(project, "o2", "o1", OLD_COUNT_USERS, "    pass")
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace("[rowstamp]\n", "[rowstamp]\nbaseline = o2\n"),
        encoding="utf-8",
    )
    failed = project.alembic("upgrade", "head", check=False)
    assert failed.returncode != 0 and "Traceback" not in failed.output, failed.output
    assert "upgrade of revision o2 (Step o2) failed" in failed.output, failed.output
    assert "is_active" in failed.output
    assert "revision o2 is from the project's history before rowstamp and reads the models" in (
        failed.output
    )
