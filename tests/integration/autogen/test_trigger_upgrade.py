"""A project whose tables have the version 1 trigger: ``alembic check`` stays clean
until alembic.ini asks for ``[rowstamp] trigger_version = 2`` (or 3); then autogenerate
writes one reversible ``replace_updated_at_trigger`` per table, the upgrade gives that
version (``untouched`` then works), the downgrade puts back exactly version 1, and
autogenerating again after the upgrade finds nothing, on every engine. Version 3 is
PostgreSQL's cheaper form of version 2 (the check in the trigger's ``WHEN`` clause);
on MariaDB and SQLite it writes version 2's trigger and reads as version 2. Version 4
is SQLite's (``AFTER UPDATE OF`` the columns it names); elsewhere it is version 3's
trigger and reads as it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp import untouched
from rowstamp.engines import for_dialect
from tests.helpers import timestamps
from tests.project import Project, migration_body

USERS_FIRED = "['id', 'name', 'email', 'is_active', 'is_flagged', 'notes', 'created_at']"
"""The columns version 4 names on the first migration's users: all but updated_at."""


def pinned(version: int) -> str:
    """The arguments a trigger operation of ``version`` on users is written with."""
    return f"version={version}" + (f", columns={USERS_FIRED}" if version == 4 else "")


def applied_at(project: Project, db_url: URL, version: int) -> Engine:
    """The first migration, its trigger pinned to ``version`` (as rowstamp wrote it
    when that version was the one asked for), applied, with one row in ``users``."""
    [first] = project.versions()
    text_ = re.sub(
        r"_trigger\('users', version=\d\)",
        f"_trigger('users', {pinned(version)})",
        first.read_text(),
    )
    first.write_text(text_)
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    support = for_dialect(engine.dialect)
    with engine.begin() as conn:
        found = support.trigger_versions(conn, None)
        assert found == {"users": support.trigger_form(version)}
        conn.execute(text("INSERT INTO users (email, name) VALUES ('a@b.c', 'a')"))
    return engine


def exact_catalog(engine: Engine) -> dict[tuple[str, str], str]:
    """Every object with its definition: a replaced trigger keeps its name (SQLite's
    versions 2 and 4), so names alone cannot tell them apart."""
    with engine.connect() as conn:
        return for_dialect(conn.dialect).catalog_objects(conn)


def ask_for(project: Project, version: int) -> None:
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("[rowstamp]\n", f"[rowstamp]\ntrigger_version = {version}\n")
    )


def _untouched_keeps_and_plain_bumps(engine: Engine) -> None:
    _, before = timestamps(engine, "users")
    time.sleep(0.01)
    with engine.connect() as conn, untouched(conn):
        conn.execute(text("UPDATE users SET name = 'kept'"))
        conn.commit()
    assert timestamps(engine, "users")[1] == before
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET name = 'bumped'"))
    assert timestamps(engine, "users")[1] > before


@pytest.mark.parametrize("target", [2, 3, 4])
def test_version_1_triggers_are_replaced_reversibly(
    db_url: URL, tmp_path: Path, target: int
) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 1)
    support = for_dialect(engine.dialect)
    try:
        at_version_1 = exact_catalog(engine)

        project.alembic("check")  # not asked for: version 1 does what the model asks
        ask_for(project, target)
        refused = project.alembic("check", check=False)
        assert refused.returncode != 0 and "replace_updated_at_trigger" in refused.output
        [first] = project.versions()
        project.alembic("revision", "--autogenerate", "-m", "Upgrade updated_at triggers")
        [migration] = set(project.versions()) - {first}
        upgrade, downgrade = migration_body(migration).split("def downgrade")
        fired = f", columns={USERS_FIRED}" if target == 4 else ""
        back = f", from_columns={USERS_FIRED}" if target == 4 else ""
        assert (
            f"op.replace_updated_at_trigger('users', from_version=1, version={target}{fired})"
            in upgrade
        )
        assert (
            f"op.replace_updated_at_trigger('users', from_version={target}, version=1{back})"
            in downgrade
        )

        project.alembic("upgrade", "head")
        with engine.connect() as conn:
            assert support.trigger_versions(conn, None) == {"users": support.trigger_form(target)}
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
        assert exact_catalog(engine) == at_version_1  # version 1 exactly, nothing left behind
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET name = 'bumped'"))
        assert timestamps(engine, "users")[1] > before
    finally:
        engine.dispose()


@pytest.mark.parametrize(("start", "target"), [(2, 3), (2, 4), (3, 4)])
def test_newer_versions_replace_older_ones_where_they_have_a_form(
    db_url: URL, tmp_path: Path, start: int, target: int
) -> None:
    """Where ``target`` has a form of its own (3 on PostgreSQL, 4 on SQLite),
    autogenerate replaces the trigger ``start`` wrote by it and the downgrade puts back
    exactly that; where both write the same trigger, asking for it leaves ``alembic
    check`` clean."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    [first] = project.versions()
    engine = applied_at(project, db_url, start)
    support = for_dialect(engine.dialect)
    try:
        before = exact_catalog(engine)
        ask_for(project, target)
        if support.trigger_form(target) == support.trigger_form(start):
            project.alembic("check")
            return
        has = support.trigger_form(start)  # what the catalog reads: SQLite's 3 is 2
        fired = f", columns={USERS_FIRED}" if target == 4 else ""
        back = f", from_columns={USERS_FIRED}" if target == 4 else ""
        project.alembic("revision", "--autogenerate", "-m", f"Version {target} triggers")
        [migration] = set(project.versions()) - {first}
        upgrade, downgrade = migration_body(migration).split("def downgrade")
        assert (
            f"op.replace_updated_at_trigger('users', from_version={has}, version={target}{fired})"
            in upgrade
        )
        assert (
            f"op.replace_updated_at_trigger('users', from_version={target}, version={has}{back})"
            in downgrade
        )

        project.alembic("upgrade", "head")
        with engine.connect() as conn:
            assert support.trigger_versions(conn, None) == {"users": support.trigger_form(target)}
        assert exact_catalog(engine) != before
        _untouched_keeps_and_plain_bumps(engine)
        project.alembic("check")  # it reads as the version asked for: nothing more to do

        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == before  # the older trigger exactly, nothing left behind
        _untouched_keeps_and_plain_bumps(engine)
    finally:
        engine.dispose()


def test_a_trigger_version_it_does_not_write_is_one_line(tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", None, history=True)
    ini = project.root / "alembic.ini"
    ini.write_text(ini.read_text().replace("[rowstamp]\n", "[rowstamp]\ntrigger_version = 5\n"))
    project.alembic("upgrade", "head")
    result = project.alembic("check", check=False)
    assert result.returncode != 0
    assert "[rowstamp] trigger_version = 5 is not a trigger version" in result.output
    assert "Traceback" not in result.output
