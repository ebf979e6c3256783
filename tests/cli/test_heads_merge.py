"""Two branches each add a migration on top of the same revision: a real fork.

``heads`` explains it with the files, ``check`` and ``lint`` fail on it, ``merge``
joins it with a proper message, and the merged history upgrades on every engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.project import POSTS_WITHOUT_AUTHOR, Project

TAGS = (
    POSTS_WITHOUT_AUTHOR.replace("Post", "Tag").replace("posts", "tags").replace("title", "label")
)


def _fork(project: Project, tmp_path: Path) -> tuple[Path, Path]:
    """Branch one generates posts, branch two tags, each on top of the first migration."""
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("post", POSTS_WITHOUT_AUTHOR)
    project.run("rowstamp", "new", "Add posts table")
    [posts] = [p for p in project.versions() if p.name.endswith("_add_posts_table.py")]
    aside = tmp_path / posts.name
    shutil.move(posts, aside)
    (project.root / "app" / "models" / "post.py").unlink()
    project.add_model("tag", TAGS)
    project.run("rowstamp", "new", "Add tags table")
    [tags] = [p for p in project.versions() if p.name.endswith("_add_tags_table.py")]
    shutil.move(aside, posts)
    project.add_model("post", POSTS_WITHOUT_AUTHOR)
    return posts, tags


def test_heads_check_lint_and_merge_on_a_fork(db_project: Project, tmp_path: Path) -> None:
    posts, tags = _fork(db_project, tmp_path)

    heads = db_project.run("rowstamp", "heads", check=False)
    assert heads.returncode == 1
    assert "2 heads" in heads.stdout
    assert f"alembic/versions/{posts.name}  Add posts table" in heads.stdout
    assert f"alembic/versions/{tags.name}  Add tags table" in heads.stdout
    assert "rowstamp merge" in heads.stdout

    for command in (["check"], ["lint", "--no-squawk"]):
        result = db_project.run("rowstamp", *command, check=False)
        assert result.returncode == 1, command
        assert "the migration history has 2 heads" in result.stdout, command
        assert posts.name in result.stdout and tags.name in result.stdout

    refused = db_project.run("rowstamp", "upgrade", check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("rowstamp: error: Multiple head")
    assert refused.stderr.rstrip().endswith(
        "join the branches first: rowstamp merge (see: rowstamp heads)"
    )

    merged = db_project.run("rowstamp", "merge").stdout
    assert "Merge heads: Add posts table; Add tags table" in merged
    assert "git commit -m 'Migration: Merge heads: Add posts table; Add tags table'" in merged
    assert "One head" in db_project.run("rowstamp", "heads").stdout

    applied = db_project.run("rowstamp", "upgrade").stdout
    assert "Add posts table" in applied and "Add tags table" in applied
    assert "Merge heads" in applied
    assert "OK: the database is at head" in db_project.run("rowstamp", "check").stdout
    assert (
        "passed: 4 migration(s)"
        in db_project.run("rowstamp", "lint", "--all", "--no-squawk").stdout
    )


def test_merge_with_a_single_head_is_refused(offline_project: Project) -> None:
    result = offline_project.run("rowstamp", "merge", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("rowstamp: error: the migration history has a single head")
    assert len(offline_project.versions()) == 1
