"""``rowstamp lint --frozen-since REF``: migrations that exist at a git ref are history.

A revision merged to ``origin/main`` may already have run somewhere; editing or deleting
it makes that database differ from every new one, and nothing notices until a deploy
fails. CI has no database, so the check compares checksums (``checksum.py``) of each
migration file at REF with the file now, and needs only git.
"""

from __future__ import annotations

import ast
import subprocess
import tempfile
from pathlib import Path

from alembic.config import Config

from rowstamp.errors import RowstampError
from rowstamp.history.checksum import ChecksumError, checksum
from rowstamp.history.hooks import versions_dirs

__all__ = ["frozen_problems"]


def frozen_problems(config: Config, ref: str) -> list[str]:
    """One line per migration file that existed at ``ref`` and is now edited or deleted."""
    root = Path(config.config_file_name or "alembic.ini").resolve().parent
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    commit = _commit(root, ref)
    old_files = _migrations_at(top, commit, versions_dirs(root))
    problems = []
    with tempfile.TemporaryDirectory(prefix="rowstamp-frozen-") as scratch:  # mode 0700
        for path in old_files:
            old = Path(scratch) / path
            old.parent.mkdir(parents=True, exist_ok=True)
            source = _git(top, "show", f"{commit}:{path}")
            old.write_bytes(source)
            revision = _revision(source, old.stem)
            restore = f"restore it (git checkout {ref} -- {path})"
            now = top / path
            if not now.is_file():
                problems.append(
                    f"revision {revision} ({path}) was deleted since {ref}; {restore}, "
                    "and write a new revision for the change"
                )
            elif _edited(old, now):
                problems.append(
                    f"revision {revision} ({path}) was edited since {ref}; {restore}, "
                    "and write a new revision for the change"
                )
    return problems


def _edited(old: Path, now: Path) -> bool:
    if old.read_bytes() == now.read_bytes():  # most files: nothing to import
        return False
    try:
        return checksum(old) != checksum(now)
    except ChecksumError:  # not Python any more (or not yet at ref): it changed
        return True


def _git(cwd: Path, *args: str) -> bytes:
    """git's output as bytes: a file's line endings stay as committed."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    if done.returncode != 0:
        first = (done.stderr.decode(errors="replace").strip().splitlines() or ["git failed"])[0]
        raise RowstampError(f"git {' '.join(args)} failed: {first}", "run inside a git repository")
    return done.stdout


def _commit(root: Path, ref: str) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise RowstampError(
            f"--frozen-since {ref!r} is not a commit in this repository",
            "pass a branch, tag or commit (in CI, fetch it first: git fetch origin main)",
        )
    return done.stdout.strip()


def _migrations_at(top: Path, commit: str, versions: tuple[str, ...]) -> list[str]:
    """Paths (from the repository's top) of the ``.py`` files in the version folders at
    ``commit``."""
    listed = _git(top, "ls-tree", "-r", "-z", "--name-only", commit, "--", *versions)
    paths = []
    for name in listed.decode().split("\0"):
        folder, _, file = name.rpartition("/")
        if f"{folder}/" in versions and file.endswith(".py") and not file.startswith("__"):
            paths.append(name)
    return sorted(paths)


def _revision(source: bytes, default: str) -> str:
    """``revision = "..."`` as written at ``ref``, without importing the file."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return default
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):  # revision: str = "..."
            targets = [node.target]
        value = getattr(node, "value", None)
        named = any(isinstance(t, ast.Name) and t.id == "revision" for t in targets)
        if named and isinstance(value, ast.Constant):
            return str(value.value)
    return default
