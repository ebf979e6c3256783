"""Version 4 names the columns that fire it (SQLite), so a change of columns must
change the trigger: autogenerate writes ``op.replace_updated_at_trigger`` with the old
and the new list beside the columns it adds or drops, after them, reversibly; a list
left stale by a hand-written migration is a difference ``alembic check`` reports; and
``RENAME COLUMN`` rewrites the list itself. On PostgreSQL and MariaDB version 4 is
version 3's trigger, which fires on any update: no replacement is written there, and
the same migrations keep ``updated_at`` right."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect
from tests.helpers import timestamps, write_revision
from tests.integration.autogen.test_trigger_upgrade import applied_at, ask_for, exact_catalog
from tests.project import FIRST_ID, POSTS_WITHOUT_AUTHOR, Project, migration_body

NAME = "    name: Mapped[str] = mapped_column(String, nullable=True)\n"
ADDED = (
    "    nickname: Mapped[str | None] = mapped_column(String(50), nullable=True)\n"
    "    is_vip: Mapped[bool] = mapped_column(Boolean, server_default=true())\n"
)
"""A plain column (added in place) and one whose default is an expression (SQLite
rebuilds the table for it: ``op.add_columns``, engines/sqlite_rebuild.py)."""


def _model(project: Project, old: str, new: str) -> None:
    path = project.root / "app" / "models" / "user.py"
    source = path.read_text().replace(old, new)
    source = source.replace(
        "from sqlalchemy import Integer, String",
        "from sqlalchemy import Boolean, Integer, String, true",
    )
    path.write_text(source)


def _fired(engine: Engine) -> tuple[str, ...] | None:
    with engine.connect() as conn:
        state = for_dialect(engine.dialect).trigger_states(conn, None)["users"]
    return state.columns


def _bumps(engine: Engine, assignment: str) -> bool:
    """True when ``UPDATE users SET <assignment>`` moves updated_at."""
    _, before = timestamps(engine, "users")
    time.sleep(0.01)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE users SET {assignment}"))
    return timestamps(engine, "users")[1] > before


def _generate(project: Project, message: str) -> tuple[Path, str, str]:
    known = set(project.versions())
    project.alembic("revision", "--autogenerate", "-m", message)
    [migration] = set(project.versions()) - known
    upgrade, downgrade = migration_body(migration).split("def downgrade")
    return migration, upgrade, downgrade


def test_added_and_dropped_columns_replace_the_list(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 4)
    sqlite = for_dialect(engine.dialect).trigger_form(4) == 4
    try:
        before = exact_catalog(engine)
        _model(project, NAME, NAME + ADDED)
        migration, upgrade, downgrade = _generate(project, "Add nickname and is_vip")
        if sqlite:
            replace = "op.replace_updated_at_trigger('users', from_version=4, version=4"
            assert replace in upgrade and replace in downgrade
            # after the columns it names, in both directions
            assert upgrade.index(replace) > upgrade.index("op.add_columns('users'")
            assert downgrade.index(replace) > downgrade.index("'is_vip')")
        else:
            assert "replace_updated_at_trigger" not in migration.read_text()
        project.alembic("upgrade", "head")
        project.alembic("check")  # the list is the model's: nothing more to do
        if sqlite:
            assert {"nickname", "is_vip"} <= set(_fired(engine) or ())
        assert _bumps(engine, "nickname = 'n'")
        assert _bumps(engine, "is_vip = false")
        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == before
        migration.unlink()

        _model(project, NAME + ADDED, "")
        migration, upgrade, downgrade = _generate(project, "Drop name")
        if sqlite:
            assert "columns=['id', 'email', 'is_active'" in upgrade
            # the drop comes first in the upgrade (SQLite does not check an UPDATE OF
            # list), the replacement after the column is back in the downgrade
            assert upgrade.index("drop_column(") < upgrade.index("replace_updated")
            assert downgrade.index("add_column(sa.Column('name'") < downgrade.index(
                "replace_updated"
            )
        project.alembic("upgrade", "head")
        project.alembic("check")
        if sqlite:
            assert "name" not in (_fired(engine) or ())
        assert _bumps(engine, "email = 'x@y.z'")
        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == before
        assert _bumps(engine, "name = 'back'")
    finally:
        engine.dispose()


def test_a_stale_list_is_a_difference_autogenerate_fixes(db_url: URL, tmp_path: Path) -> None:
    """A hand-written ``add_column`` leaves the list without the new column: on SQLite
    an update of it would not fire the trigger, so ``alembic check`` reports it and
    autogenerate writes the replacement (reversibly); elsewhere nothing is stale."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 4)
    sqlite = for_dialect(engine.dialect).trigger_form(4) == 4
    try:
        add = "    op.add_column('users', sa.Column('nickname', sa.String(50), nullable=True))"
        write_revision(project, "c1", FIRST_ID, add, "    op.drop_column('users', 'nickname')")
        project.alembic("upgrade", "head")
        _model(project, NAME, NAME + ADDED.splitlines(keepends=True)[0])
        stale = exact_catalog(engine)
        if not sqlite:
            project.alembic("check")
            assert _bumps(engine, "nickname = 'n'")
            return
        assert not _bumps(engine, "nickname = 'n'")  # what a stale list costs
        refused = project.alembic("check", check=False)
        assert refused.returncode != 0 and "replace_updated_at_trigger" in refused.output
        _, upgrade, downgrade = _generate(project, "Trigger columns")
        assert "from_version=4, version=4, from_columns=['id', 'name', 'email'," in upgrade
        assert " columns=['id', 'name', 'nickname', 'email'," in upgrade
        assert "from_columns=['id', 'name', 'nickname', 'email'," in downgrade
        project.alembic("upgrade", "head")
        project.alembic("check")
        assert _bumps(engine, "nickname = 'm'")
        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == stale
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_rename_column_rewrites_the_list(db_url: URL, tmp_path: Path) -> None:
    """SQLite's ``RENAME COLUMN`` rewrites the trigger's ``UPDATE OF`` list itself: the
    renamed column still fires it, and compare finds nothing stale, both ways."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 4)
    try:
        before = exact_catalog(engine)
        rename = "    op.alter_column('users', 'name', new_column_name='full_name')"
        back = "    op.alter_column('users', 'full_name', new_column_name='name')"
        write_revision(project, "c1", FIRST_ID, rename, back)
        project.alembic("upgrade", "head")
        _model(project, NAME, NAME.replace("name:", "full_name:"))
        project.alembic("check")
        fired = _fired(engine) or ()
        assert "full_name" in fired and "name" not in fired
        assert _bumps(engine, "full_name = 'renamed'")
        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == before
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_rename_column_safely_keeps_updated_at_and_compare_fixes_the_list(
    db_url: URL, tmp_path: Path
) -> None:
    """``op.rename_column_safely`` is written by hand and names no trigger list. During
    expand the dual-write trigger's copy updates ``name``, which the list names, so a
    write of ``full_name`` still bumps updated_at; after contract the list is stale
    (``name`` gone, ``full_name`` missing): ``alembic check`` reports it and
    autogenerate writes the replacement, reversibly."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 4)
    call = "    op.{}rename_column_safely('users', 'name', 'full_name', type_=sa.String(), step={!r}, version=1)"  # noqa: E501
    try:
        for rev, down, step in (("c1", FIRST_ID, "expand"), ("c2", "c1", "contract")):
            undo = call.format("undo_", step)
            write_revision(project, rev, down, call.format("", step), undo)
        project.alembic("upgrade", "c1")
        assert _bumps(engine, "full_name = 'new code'")
        assert _bumps(engine, "name = 'old code'")
        project.alembic("upgrade", "c2")
        _model(project, NAME, NAME.replace("name:", "full_name:"))
        stale = exact_catalog(engine)
        refused = project.alembic("check", check=False)
        assert refused.returncode != 0 and "replace_updated_at_trigger" in refused.output
        _, upgrade, _ = _generate(project, "Trigger columns after the rename")
        assert "from_columns=['id', 'name', 'email'," in upgrade
        assert " columns=['id', 'full_name', 'email'," in upgrade
        project.alembic("upgrade", "head")
        project.alembic("check")
        assert _bumps(engine, "full_name = 'renamed'")
        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == stale
    finally:
        engine.dispose()


def test_a_batch_rebuild_puts_back_version_4_with_its_list(db_url: URL, tmp_path: Path) -> None:
    """Alembic's batch rebuild (SQLite) drops the table's trigger; the
    ``ensure_updated_at_trigger`` after it puts back version 4 with the list it had,
    in both directions. Engines that alter in place keep theirs."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 4)
    sqlite = for_dialect(engine.dialect).trigger_form(4) == 4
    try:
        before = exact_catalog(engine)
        _model(project, NAME, NAME.replace("nullable=True", "nullable=False"))
        migration, upgrade, downgrade = _generate(project, "Name is required")
        if sqlite:
            ensure = "op.ensure_updated_at_trigger('users', version=4, columns=['id', 'name',"
            assert ensure in upgrade and ensure in downgrade
        assert "replace_updated_at_trigger" not in migration.read_text()
        project.alembic("upgrade", "head")
        project.alembic("check")
        assert _bumps(engine, "name = 'required'")
        project.alembic("downgrade", "-1")
        assert exact_catalog(engine) == before
        assert _bumps(engine, "name = 'optional'")
    finally:
        engine.dispose()


def test_a_new_table_at_version_4_names_its_columns(db_url: URL, tmp_path: Path) -> None:
    """With ``trigger_version = 4`` a new table's trigger names every column but
    updated_at; dropping the model drops it with the list it has, so the downgrade puts
    back exactly that."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    engine = applied_at(project, db_url, 4)
    try:
        ask_for(project, 4)
        project.alembic("check")
        before = exact_catalog(engine)
        project.add_model("post", POSTS_WITHOUT_AUTHOR)
        fired = "['id', 'title', 'is_active', 'is_flagged', 'notes', 'created_at']"
        migration, upgrade, downgrade = _generate(project, "Posts")
        assert f"op.create_updated_at_trigger('posts', version=4, columns={fired})" in upgrade
        assert f"op.drop_updated_at_trigger('posts', version=4, columns={fired})" in downgrade
        project.alembic("upgrade", "head")
        project.alembic("check")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO posts (title) VALUES ('t')"))
        _, before_post = timestamps(engine, "posts")
        time.sleep(0.01)
        with engine.begin() as conn:
            conn.execute(text("UPDATE posts SET title = 'u'"))
        assert timestamps(engine, "posts")[1] > before_post
        (project.root / "app" / "models" / "post.py").unlink()
        dropped, upgrade, downgrade = _generate(project, "No posts")
        # the version the table has: elsewhere version 4 reads as the older form it is
        form = for_dialect(engine.dialect).trigger_form(4)
        has = f"version=4, columns={fired}" if form == 4 else f"version={form}"
        assert f"op.create_updated_at_trigger('posts', {has})" in downgrade
        project.alembic("upgrade", "head")
        project.alembic("downgrade", "-2")
        assert exact_catalog(engine) == before
        assert migration.exists() and dropped.exists()
    finally:
        engine.dispose()
