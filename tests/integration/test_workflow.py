"""The guide's workflow end to end, per engine, with plain Alembic and the scripts.

Generate from an empty database, compare with the committed migration, upgrade,
see the trigger work, check, add a model, migrate with the scripts, downgrade to
base leaving nothing, and autogenerate again to an empty migration. Every command is
a real process here, as the guide's reader runs it (elsewhere the suite runs plain
``alembic`` in-process).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import catalog, timestamps, without_version_table
from tests.project import POSTS, REPO, Project, migration_body


def test_guide_workflow(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    engine = create_engine(db_url)
    empty = catalog(engine)

    # 1. Generate: identical, operation for operation, to the committed migration.
    project.alembic("revision", "--autogenerate", "-m", "Create users table", process=True)
    [generated] = project.versions()
    assert generated.name.endswith("_create_users_table.py")
    [committed] = (REPO / "alembic" / "versions").glob("*_create_users_table.py")
    assert migration_body(generated) == migration_body(committed)

    # 2. Apply, as the guide says.
    project.alembic("upgrade", "head", ENVIRONMENT="development", process=True)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, email) VALUES ('a', 'a@example.com')"))
    _, before = timestamps(engine, "users")
    time.sleep(0.01)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET name = 'b'"))
    assert timestamps(engine, "users")[1] > before
    assert "No new upgrade operations detected" in project.alembic("check", process=True).output

    # 3. A new model file is picked up; the scripts generate and apply it.
    project.add_model("post", POSTS)
    out = project.run("./scripts/migrate", "Add posts table").stdout
    assert "_add_posts_table.py" in out
    review = out[out.index("Review of") :]  # one line per operation, grouped by table
    assert "  posts\n" in review
    assert "create table (8 columns)" in review
    assert "create updated_at trigger" in review
    out = project.run("./scripts/dev_migrate").stdout
    assert "Add posts table" in out
    assert (
        "posts: is_active, is_flagged, notes, created_at, updated_at; trigger update_timestamp"
        in out
    )
    assert "Add posts table" in project.alembic("history", process=True).stdout
    assert "(head)" in project.alembic("current", process=True).stdout

    # 4. Emergency rollback removes the posts table and its trigger, nothing else.
    project.alembic("downgrade", "-1", process=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
    assert not any("posts" in name for _, name in catalog(engine))

    # 5. Down to base leaves no table, index, trigger or function behind.
    project.alembic("downgrade", "base", process=True)
    assert without_version_table(catalog(engine)) == without_version_table(empty)

    # 6. Up again; a second autogenerate finds nothing.
    project.alembic("upgrade", "head", process=True)
    project.alembic("check", process=True)
    project.alembic("revision", "--autogenerate", "-m", "Nothing to change here", process=True)
    [empty_migration] = [p for p in project.versions() if "nothing_to_change" in p.name]
    body = migration_body(empty_migration)
    assert body.count("pass") == 2 and "op." not in body
    engine.dispose()
