"""``rowstamp lint --frozen-since REF`` in a real git repository: a migration file that
exists at REF may be reformatted, commented and saved with CRLF, but not edited or
deleted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import BIN
from tests.project import Project

FIRST = "alembic/versions/f0654512c599_create_users_table.py"
SECOND = "alembic/versions/b2c3d4e5f6a7_fill_notes.py"
SECOND_SOURCE = '''"""Fill notes

Revision ID: b2c3d4e5f6a7
Revises: f0654512c599
"""

from alembic import op

revision = "b2c3d4e5f6a7"
down_revision = "f0654512c599"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE users SET notes = 'none'")


def downgrade() -> None:
    op.execute("UPDATE users SET notes = NULL")
'''


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The project with two migrations, committed: the state of ``main``."""
    project = Project.copy(tmp_path / "project", None, history=True)
    (project.root / SECOND).write_text(SECOND_SOURCE, encoding="utf-8")
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "-m", "main")
    return project


def _frozen(project: Project) -> tuple[int, list[str]]:
    result = project.run("rowstamp", "lint", "--no-squawk", "--frozen-since", "HEAD", check=False)
    assert "Traceback" not in result.output
    return result.returncode, result.output.splitlines()


def test_unchanged_history_passes(project: Project) -> None:
    code, lines = _frozen(project)
    assert code == 0, lines


def test_reformatted_commented_crlf_history_passes(project: Project) -> None:
    first = project.root / FIRST
    formatted = subprocess.run(
        [str(BIN / "ruff"), "format", "--isolated", str(first)], capture_output=True, text=True
    )
    assert formatted.returncode == 0 and "1 file reformatted" in formatted.stdout
    text = first.read_text(encoding="utf-8")
    text = text.replace('"""Create users table"""', '"""The users, as the guide wants them."""')
    text = text.replace("    op.drop_table(", "    # last: the table itself\n    op.drop_table(")
    first.write_bytes(text.replace("\n", "\r\n").encode())
    second = project.root / SECOND
    second.write_bytes(("# a comment\n" + SECOND_SOURCE).replace("\n", "\r\n").encode())
    code, lines = _frozen(project)
    assert code == 0, lines


def test_edited_and_deleted_revisions_fail_one_line_each(project: Project) -> None:
    first = project.root / FIRST
    first.write_text(
        first.read_text(encoding="utf-8").replace("sa.String(length=255)", "sa.String(length=320)"),
        encoding="utf-8",
    )
    (project.root / SECOND).unlink()
    code, lines = _frozen(project)
    assert code == 1
    how = "and write a new revision for the change"
    assert [line for line in lines if line.startswith("error")] == [
        f"error revision b2c3d4e5f6a7 ({SECOND}) was deleted since HEAD; "
        f"restore it (git checkout HEAD -- {SECOND}), {how}",
        f"error revision f0654512c599 ({FIRST}) was edited since HEAD; "
        f"restore it (git checkout HEAD -- {FIRST}), {how}",
    ]


def test_changed_sql_fails(project: Project) -> None:
    second = project.root / SECOND
    second.write_text(SECOND_SOURCE.replace("'none'", "''"), encoding="utf-8")
    code, lines = _frozen(project)
    assert code == 1
    assert [line for line in lines if "was edited since HEAD" in line] == [
        f"error revision b2c3d4e5f6a7 ({SECOND}) was edited since HEAD; restore it "
        f"(git checkout HEAD -- {SECOND}), and write a new revision for the change"
    ]


def test_an_unknown_ref_is_one_line(project: Project) -> None:
    result = project.run("rowstamp", "lint", "--frozen-since", "no-such-branch", check=False)
    assert result.returncode != 0
    assert "--frozen-since 'no-such-branch' is not a commit in this repository" in result.output
    assert "Traceback" not in result.output
