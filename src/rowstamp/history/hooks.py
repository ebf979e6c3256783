"""Git hooks for the guide's commit convention.

"Always prefix migration commit messages with 'Migration:'" and "keep the commit
message consistent with the migration description": a commit that adds or
changes a file in ``alembic/versions/`` (or alembic.ini's version locations) must say
``Migration: <its message>``.
The migration's message is read from the staged file's docstring, without
importing it, so the hook works in any checkout.
"""

from __future__ import annotations

import ast
import os
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rowstamp.errors import RowstampError

__all__ = [
    "PREFIX",
    "CommitCheck",
    "check_commit_message",
    "commit_command",
    "install_hooks",
    "versions_dirs",
]

PREFIX = "Migration: "
VERSIONS_DIR = "alembic/versions/"
RELATED_PREFIXES = (VERSIONS_DIR, "app/models/")
"""Paths that belong with a migration in one commit; anything else earns a warning."""

_MARKER = "# installed by rowstamp hooks install"


class CommitMessageError(RowstampError):
    """A commit with a migration breaks the guide's commit message convention."""


@dataclass(frozen=True)
class CommitCheck:
    """The staged migrations and any warnings about the commit."""

    migrations: dict[str, str] = field(default_factory=dict)
    """Staged migration path to its message."""
    warnings: list[str] = field(default_factory=list)


def commit_command(message: str) -> str:
    """The ``git commit`` line for a migration, shell-quoted: safe to paste whatever
    the message holds (``$(...)``, backticks, ``;``)."""
    return f"git commit -m {shlex.quote(PREFIX + message)}"


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["git failed"])[0]
        raise RowstampError(f"git {' '.join(args)} failed: {first}", "run inside a git repository")
    return done.stdout


def versions_dirs(root: Path) -> tuple[str, ...]:
    """The history's folders, as git names them: alembic.ini's version locations (an
    adopted project keeps its own, e.g. ``migrations/versions``), else ``alembic/versions/``."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    ini = root / "alembic.ini"
    if not ini.is_file():
        return (VERSIONS_DIR,)
    try:
        locations = ScriptDirectory.from_config(Config(str(ini))).version_locations
    except CommandError:
        return (VERSIONS_DIR,)
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    dirs = []
    for location in locations:
        path = Path(location) if Path(location).is_absolute() else root / location
        if path.resolve().is_relative_to(top):
            dirs.append(path.resolve().relative_to(top).as_posix().rstrip("/") + "/")
    return tuple(dirs) or (VERSIONS_DIR,)


def _staged_migrations(root: Path, versions: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    staged = [p for p in _git(root, "diff", "--cached", "--name-only", "-z").split("\0") if p]
    migrations = {}
    for path in staged:
        folder, _, name = path.rpartition("/")
        if f"{folder}/" in versions and name.endswith(".py"):
            try:
                source = _git(root, "show", f":{path}")
            except RowstampError:  # deleted in this commit: nothing to describe
                continue
            migrations[path] = _message(source)
    return migrations, staged


def _message(source: str) -> str:
    try:
        doc = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


def _subject(message_text: str) -> str:
    lines = [line for line in message_text.splitlines() if not line.startswith("#")]
    return next((line.strip() for line in lines if line.strip()), "")


def check_commit_message(message_file: Path, root: Path | None = None) -> CommitCheck:
    """Check the commit message in ``message_file`` against the staged migrations."""
    root = root or Path.cwd()
    try:
        subject = _subject(message_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RowstampError(f"cannot read {message_file}: {exc.strerror}") from None
    versions = versions_dirs(root)
    migrations, staged = _staged_migrations(root, versions)
    if not migrations:
        return CommitCheck()
    wanted = [f"{PREFIX}{m}" for m in migrations.values()]
    if subject not in wanted:
        if len(wanted) == 1:
            hint = f"write: {commit_command(next(iter(migrations.values())))}"
        else:
            hint = "commit each migration on its own, or use one of: " + " | ".join(
                commit_command(m) for m in migrations.values()
            )
        files = ", ".join(sorted(migrations))
        raise CommitMessageError(
            f"the commit adds or changes {files} but its message is {subject!r}", hint
        )
    unrelated = [p for p in staged if not p.startswith((*versions, *RELATED_PREFIXES))]
    warnings = []
    if unrelated:
        warnings.append(
            f"this migration commit also changes {len(unrelated)} unrelated file(s): "
            f"{', '.join(unrelated[:5])}{' ...' if len(unrelated) > 5 else ''}; "
            "consider committing them separately"
        )
    return CommitCheck(migrations, warnings)


def install_hooks(root: Path | None = None, *, force: bool = False) -> Path:
    """Write ``.git/hooks/commit-msg`` (where ``core.hooksPath`` points) to run the check."""
    root = root or Path.cwd()
    hooks_dir = Path(_git(root, "rev-parse", "--git-path", "hooks").strip())
    hooks_dir = hooks_dir if hooks_dir.is_absolute() else root / hooks_dir
    if hooks_dir.is_symlink():
        raise RowstampError(
            f"{hooks_dir} is a symbolic link; rowstamp does not write hooks through one",
            "point git at the real directory: git config core.hooksPath <dir>",
        )
    hook = hooks_dir / "commit-msg"
    foreign = hook.is_symlink() or (
        hook.exists() and _MARKER not in hook.read_text(encoding="utf-8", errors="replace")
    )
    if foreign and not force:
        raise RowstampError(
            f"{hook} already exists and was not written by rowstamp",
            "add 'rowstamp hooks commit-msg \"$1\"' to it by hand, or pass --force",
        )
    script = (
        "#!/bin/sh\n"
        f"{_MARKER}\n"
        "# The guide's rule: a commit with a migration says 'Migration: <its message>'.\n"
        f'exec {shlex.quote(sys.executable)} -m rowstamp hooks commit-msg "$1"\n'
    )
    hooks_dir.mkdir(parents=True, exist_ok=True)
    _replace_file(hook, script)
    return hook


def _replace_file(path: Path, content: str) -> None:
    """Write ``path`` anew, executable: never through a symlink or into another file.

    A symlink (or hard link) at ``path`` is replaced by a new file, not followed, so
    ``--force`` cannot overwrite a file outside the hooks directory.
    """
    temporary = path.with_name(f".{path.name}.rowstamp-{os.getpid()}")
    mode = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)  # renames over the link itself, never its target
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
