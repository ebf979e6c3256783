"""The commit convention in a real temporary git repository, through the installed hook.

A commit that adds or changes a migration must say ``Migration: <its message>``;
mixing a migration with unrelated files commits with a warning.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rowstamp.history.hooks import commit_command
from tests.helpers import BIN
from tests.project import PROJECTS, REPO, run_rowstamp

MIGRATION = '''"""Add posts table

Revision ID: 0a1b2c3d4e5f
Revises:
"""
'''


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "README.md").write_text("hello\n")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "Initial commit")
    installed = run_rowstamp(repo, "hooks", "install")
    assert installed.returncode == 0, installed.output
    return repo


def _stage_migration(repo: Path) -> None:
    versions = repo / "alembic" / "versions"
    versions.mkdir(parents=True)
    (versions / "0a1b2c3d4e5f_add_posts_table.py").write_text(MIGRATION)
    _git(repo, "add", "alembic")


def test_migration_commit_needs_its_message(repo: Path) -> None:
    _stage_migration(repo)
    refused = _git(repo, "commit", "-q", "-m", "Add the posts table", check=False)
    assert refused.returncode != 0
    assert "rowstamp: error: the commit adds or changes alembic/versions/" in refused.stderr
    assert "git commit -m 'Migration: Add posts table'" in refused.stderr
    assert "Traceback" not in refused.stderr

    wrong = _git(repo, "commit", "-q", "-m", "Migration: Add post table", check=False)
    assert wrong.returncode != 0

    done = _git(repo, "commit", "-q", "-m", "Migration: Add posts table")
    assert "warning" not in done.stderr
    assert _git(repo, "log", "-1", "--format=%s").stdout.strip() == "Migration: Add posts table"


def test_unrelated_files_commit_with_a_warning(repo: Path) -> None:
    _stage_migration(repo)
    (repo / "README.md").write_text("changed\n")
    _git(repo, "add", "README.md")
    done = _git(repo, "commit", "-q", "-m", "Migration: Add posts table")
    warning = "rowstamp: warning: this migration commit also changes 1 unrelated file(s): README.md"
    assert warning in done.stderr
    assert _git(repo, "log", "-1", "--format=%s").stdout.strip() == "Migration: Add posts table"


def test_commits_without_migrations_are_not_checked(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "commit-msg"
    assert "rowstamp hooks commit-msg" in hook.read_text()  # the hook is there, and ran
    (repo / "README.md").write_text("changed\n")
    _git(repo, "add", "README.md")
    done = _git(repo, "commit", "-q", "-m", "Reword the readme")
    assert "rowstamp" not in done.stdout + done.stderr  # no error, no warning
    assert _git(repo, "log", "-1", "--format=%s").stdout.strip() == "Reword the readme"
    assert _git(repo, "show", "HEAD:README.md").stdout == "changed\n"
    assert _git(repo, "status", "--porcelain").stdout == ""


def test_install_keeps_a_foreign_hook(tmp_path: Path) -> None:
    repo = tmp_path / "other"
    repo.mkdir()
    _git(repo, "init", "-q")
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\nexit 0\n")
    done = run_rowstamp(repo, "hooks", "install")
    assert done.returncode == 1
    assert done.stderr.startswith("rowstamp: error: ") and "--force" in done.stderr
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"


def test_pre_commit_manifest_names_both_hooks() -> None:
    manifest = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert (
        "- id: rowstamp-commit-msg" in manifest and "entry: rowstamp hooks commit-msg" in manifest
    )
    assert "- id: rowstamp-lint" in manifest and "entry: rowstamp lint" in manifest
    assert "stages: [commit-msg]" in manifest


def _pasted(command: str, cwd: Path) -> str:
    """What ``command`` (a printed ``git commit -m ...`` hint) passes as its message when
    pasted into a shell: the shell runs it with ``git commit -m`` swapped for ``printf``."""
    assert command.startswith("git commit -m ")
    shell = "printf %s " + command.removeprefix("git commit -m ")
    done = subprocess.run(["sh", "-c", shell], cwd=cwd, capture_output=True, text=True, timeout=60)
    return done.stdout


def test_commit_hints_are_safe_to_paste(tmp_path: Path) -> None:
    message = "Add posts $(touch pwned1) `touch pwned2`; touch pwned3 'x' \"y\" table"
    command = commit_command(message)
    assert _pasted(command, tmp_path) == f"Migration: {message}"
    assert not list(tmp_path.iterdir())


def test_hook_hint_is_quoted(repo: Path) -> None:
    versions = repo / "alembic" / "versions"
    versions.mkdir(parents=True)
    doc = "Add posts $(touch pwned) table"
    (versions / "0a1b2c3d4e5f_add_posts_table.py").write_text(
        MIGRATION.replace("Add posts table", doc)
    )
    _git(repo, "add", "alembic")
    refused = _git(repo, "commit", "-q", "-m", "Add the posts table", check=False)
    hint = refused.stderr.strip().split("; write: ", 1)[1]
    assert _pasted(hint, repo) == f"Migration: {doc}"
    assert not (repo / "pwned").exists()


def test_force_never_writes_through_a_symlink(tmp_path: Path) -> None:
    repo = tmp_path / "other"
    repo.mkdir()
    _git(repo, "init", "-q")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.symlink_to(victim)
    refused = run_rowstamp(repo, "hooks", "install")
    assert refused.returncode == 1 and "--force" in refused.stderr
    done = run_rowstamp(repo, "hooks", "install", "--force")
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "keep me\n" and not os.access(victim, os.X_OK)
    assert not hook.is_symlink() and "rowstamp hooks commit-msg" in hook.read_text()
    assert os.access(hook, os.X_OK)


def test_an_adopted_project_s_own_version_locations(repo: Path) -> None:
    """An adopted project keeps its history where alembic.ini says (here two folders,
    neither alembic/versions): a migration committed there needs its message too."""
    shutil.copy(PROJECTS / "adoptable" / "alembic.ini", repo / "alembic.ini")
    archive = repo / "migrations" / "archive"
    archive.mkdir(parents=True)
    (archive / "0a1b2c3d4e5f_add_posts_table.py").write_text(MIGRATION)
    _git(repo, "add", "alembic.ini", "migrations")
    refused = _git(repo, "commit", "-q", "-m", "Add the posts table", check=False)
    assert refused.returncode != 0
    assert "the commit adds or changes migrations/archive/0a1b2c3d4e5f" in refused.stderr
    done = _git(repo, "commit", "-q", "-m", "Migration: Add posts table")
    assert "unrelated file(s): alembic.ini" in done.stderr
    assert "migrations/" not in done.stderr
