"""The guide's commands through ``rowstamp``, on every engine, like a user runs them.

new (with its review), check (drift, missing trigger, not at head), history,
current, upgrade and downgrade (confirmation outside development, never a hang).
"""

from __future__ import annotations

import subprocess

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from tests.helpers import run_ops
from tests.project import POSTS, POSTS_WITHOUT_AUTHOR, PROJECTS, Project

COMMENTS = (PROJECTS / "models" / "comment.py").read_text(encoding="utf-8")
"""A comments model with a foreign key to posts: a parent and its child."""
TAGS = POSTS_WITHOUT_AUTHOR.replace("Post", "Tag").replace("posts", "tags")
"""A table no foreign key links to posts."""


def _one_line(result_stderr: str, needle: str) -> None:
    assert result_stderr.startswith("rowstamp: error: "), result_stderr
    assert needle in result_stderr
    assert len(result_stderr.strip().splitlines()) == 1, result_stderr


def test_new_check_history_current(db_project: Project, db_url: URL) -> None:
    project = db_project
    drift = project.run("rowstamp", "check", check=False)
    assert drift.returncode == 1
    assert "drift: the database is at base (no migrations applied), not at head" in drift.stdout

    project.run("rowstamp", "upgrade", "--no-report")
    assert "OK: the database is at head" in project.run("rowstamp", "check").stdout

    # A new model: check names each difference on its own line, the trigger included.
    project.add_model("post", POSTS)
    drift = project.run("rowstamp", "check", check=False)
    assert drift.returncode == 1
    lines = drift.stdout.splitlines()
    assert "drift: posts: the models need: create table (8 columns)" in lines
    assert "drift: posts: the models need: create updated_at trigger" in lines

    # scripts/migrate writes the file, then prints the review grouped by table.
    out = project.run("./scripts/migrate", "Add posts table").stdout
    assert "Review of alembic/versions/" in out
    assert "  posts\n" in out and "create table (8 columns)" in out
    assert "Nothing flagged" in out
    assert "git commit -m 'Migration: Add posts table'" in out
    assert "not at head" in project.run("rowstamp", "check", check=False).stdout

    review = project.run("rowstamp", "review").stdout
    assert "Add posts table" in review and "create updated_at trigger" in review

    project.run("rowstamp", "upgrade", "--env", "development")
    history = project.run("rowstamp", "history").stdout.splitlines()
    assert "(head)  Add posts table" in history[0]
    assert history[1].startswith("base -> ") and "Create users table" in history[1]
    current = project.run("rowstamp", "current").stdout
    assert "(head, current)  Add posts table" in current
    assert "OK" in project.run("rowstamp", "check").stdout

    # A trigger dropped behind the migrations' back is drift too.
    engine = create_engine(db_url)
    run_ops(engine, lambda op: op.drop_updated_at_trigger("posts", version=1))
    engine.dispose()
    drift = project.run("rowstamp", "check", check=False)
    assert drift.returncode == 1
    assert "posts: the models need: create updated_at trigger" in drift.stdout


def test_migrate_takes_a_parent_and_its_child_as_one_change(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("post", POSTS)
    project.add_model("comment", COMMENTS)
    out = project.run("./scripts/migrate", "Add posts and comments").stdout
    assert "  posts\n" in out and "  comments\n" in out
    assert "several-tables" not in out
    assert "Nothing flagged" in out

    # Tables that no foreign key links are still two changes.
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("tag", TAGS)
    (project.root / "app" / "models" / "note.py").write_text(
        TAGS.replace("Tag", "Note").replace("tags", "notes"), encoding="utf-8"
    )
    out = project.run("./scripts/migrate", "Add tags and notes").stdout
    assert "warning several-tables: changes 2 tables (notes, tags)" in out


def test_downgrade_asks_outside_development(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")

    # production without --yes and without a terminal: refuse at once, change nothing.
    refused = subprocess.run(
        ["rowstamp", "downgrade", "--env", "production"],
        cwd=project.root,
        env=project.env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    _one_line(refused.stderr, "refusing to downgrade the production database")
    assert "--yes" in refused.stderr
    assert "(head, current)" in project.run("rowstamp", "current").stdout

    done = project.run("rowstamp", "downgrade", "--env", "production", "--yes").stdout
    assert "Undid " in done and "Create users table" in done
    assert "base (no migrations applied)" in project.run("rowstamp", "current").stdout

    # development does not ask; with nothing applied there is nothing to undo.
    _one_line(project.run("rowstamp", "downgrade", check=False).stderr, "nothing to downgrade")


def test_downgrade_takes_a_relative_target(db_project: Project) -> None:
    """``-1`` is the target, not an unknown option, wherever the options go (the --help
    example), while an unknown option is still refused."""
    project = db_project
    (project.root / "app" / "envs" / "staging.env").write_text("", encoding="utf-8")
    for args in (("-1", "--env", "staging", "--yes"), ("--yes", "--env", "staging", "-1")):
        project.run("rowstamp", "upgrade", "--no-report")
        done = project.run("rowstamp", "downgrade", *args).stdout
        assert "Undid " in done and "Create users table" in done
        assert "base (no migrations applied)" in project.run("rowstamp", "current").stdout

    bogus = project.run("rowstamp", "downgrade", "--bogus", check=False)
    assert bogus.returncode == 1
    _one_line(bogus.stderr, "no such option: --bogus; see: rowstamp downgrade --help")


def test_bad_input_is_one_line_and_writes_nothing(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("post", POSTS)
    before = project.versions()
    _one_line(project.run("rowstamp", "new", "posts", check=False).stderr, "single word")
    _one_line(project.run("rowstamp", "new", "Add posts table.", check=False).stderr, "period")
    _one_line(
        project.run("rowstamp", "new", "Create users table", check=False).stderr,
        "already has the message",
    )
    _one_line(project.run("rowstamp", "review", "abc123", check=False).stderr, "unknown revision")
    _one_line(project.run("rowstamp", "lint", "--format", "xml", check=False).stderr, "--format")
    assert project.versions() == before
