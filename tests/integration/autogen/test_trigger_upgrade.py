"""A project whose tables have the version 1 trigger: ``alembic check`` stays clean
until alembic.ini asks for ``[rowstamp] trigger_version = 2``; then autogenerate writes
one reversible ``replace_updated_at_trigger`` per table, the upgrade gives version 2
(``untouched`` then works), the downgrade puts back exactly version 1, and
autogenerating again after the upgrade finds nothing, on every engine."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp import untouched
from rowstamp.engines import for_dialect
from tests.helpers import catalog, timestamps
from tests.project import Project, migration_body


def _as_version_1(project: Project) -> None:
    """The first migration as rowstamp wrote it before version 2 existed."""
    [first] = project.versions()
    first.write_text(first.read_text().replace("version=2)", "version=1)"))


def test_version_1_triggers_are_replaced_reversibly(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    _as_version_1(project)
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    support = for_dialect(engine.dialect)
    try:
        with engine.begin() as conn:
            assert support.trigger_versions(conn, None) == {"users": 1}
            conn.execute(text("INSERT INTO users (email, name) VALUES ('a@b.c', 'a')"))
        at_version_1 = catalog(engine)

        project.alembic("check")  # not asked for: version 1 does what the model asks
        ini = project.root / "alembic.ini"
        ini.write_text(ini.read_text().replace("[rowstamp]\n", "[rowstamp]\ntrigger_version = 2\n"))
        refused = project.alembic("check", check=False)
        assert refused.returncode != 0 and "replace_updated_at_trigger" in refused.output
        [first] = project.versions()
        project.alembic("revision", "--autogenerate", "-m", "Upgrade updated_at triggers")
        [migration] = set(project.versions()) - {first}
        upgrade, downgrade = migration_body(migration).split("def downgrade")
        assert "op.replace_updated_at_trigger('users', from_version=1, version=2)" in upgrade
        assert "op.replace_updated_at_trigger('users', from_version=2, version=1)" in downgrade

        project.alembic("upgrade", "head")
        with engine.connect() as conn:
            assert support.trigger_versions(conn, None) == {"users": 2}
        _, before = timestamps(engine, "users")
        time.sleep(0.01)
        with engine.connect() as conn, untouched(conn):
            conn.execute(text("UPDATE users SET name = 'kept'"))
            conn.commit()
        assert timestamps(engine, "users")[1] == before

        project.alembic("revision", "--autogenerate", "-m", "Nothing")
        [nothing] = set(project.versions()) - {first, migration}
        assert "op." not in migration_body(nothing).replace("# ### commands", "")
        nothing.unlink()

        project.alembic("downgrade", "-1")
        assert catalog(engine) == at_version_1  # version 1 exactly, nothing left behind
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET name = 'bumped'"))
        assert timestamps(engine, "users")[1] > before
    finally:
        engine.dispose()


def test_a_trigger_version_it_does_not_write_is_one_line(tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", None, history=True)
    ini = project.root / "alembic.ini"
    ini.write_text(ini.read_text().replace("[rowstamp]\n", "[rowstamp]\ntrigger_version = 3\n"))
    project.alembic("upgrade", "head")
    result = project.alembic("check", check=False)
    assert result.returncode != 0
    assert "[rowstamp] trigger_version = 3 is not a trigger version" in result.output
    assert "Traceback" not in result.output
