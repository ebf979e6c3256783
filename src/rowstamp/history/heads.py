"""Several heads: two branches each added a migration on top of the same revision.

Alembic then refuses ``upgrade head``. This module explains which revisions and
files conflict and writes the merge revision that joins them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from alembic import command
from rowstamp.errors import RevisionError
from rowstamp.history.messages import check_message

__all__ = ["Branch", "Heads", "find_heads", "merge_heads", "multiple_heads_error"]


@dataclass(frozen=True)
class Branch:
    """One head and the revisions on its branch since the common ancestor, newest first."""

    head: Script
    revisions: list[Script]


@dataclass(frozen=True)
class Heads:
    """The heads of the history and, when there are several, where they fork."""

    branches: list[Branch]
    fork: Script | None
    """The newest revision every head builds on (None: they share no revision)."""

    @property
    def multiple(self) -> bool:
        return len(self.branches) > 1


def _scripts(config: Config) -> ScriptDirectory:
    try:
        return ScriptDirectory.from_config(config)
    except CommandError as exc:
        raise RevisionError(str(exc).rstrip("."), "check alembic.ini's script_location") from None


def _ancestors(scripts: ScriptDirectory, revision: str) -> list[Script]:
    return [s for s in scripts.walk_revisions("base", revision) if isinstance(s, Script)]


def find_heads(config: Config) -> Heads:
    """Every head, with the revisions that only its branch has."""
    scripts = _scripts(config)
    try:
        heads = [scripts.get_revision(h) for h in scripts.get_heads()]
        lineages = {h.revision: _ancestors(scripts, h.revision) for h in heads if h}
    except CommandError as exc:
        raise RevisionError(str(exc).rstrip("."), "fix the files in alembic/versions") from None
    shared = (
        set.intersection(*({s.revision for s in line} for line in lineages.values()))
        if (lineages)
        else set()
    )
    branches = [
        Branch(h, [s for s in lineages[h.revision] if s.revision not in shared])
        for h in heads
        if isinstance(h, Script)
    ]
    fork = None
    if len(branches) > 1:
        first = next(iter(lineages.values()))
        fork = next((s for s in first if s.revision in shared), None)
    return Heads(sorted(branches, key=lambda b: (_created(b.head), b.head.revision)), fork)


def _created(script: Script) -> str:
    """The file's ``Create Date``, so branches are listed oldest first."""
    found = re.search(r"^Create Date:\s*(.+)$", script.longdoc or "", re.MULTILINE)
    return found[1].strip() if found else ""


def multiple_heads_error(heads: Heads, root: Path | None = None) -> RevisionError:
    """The one-line error ``check`` and ``lint`` give when the history has forked."""
    listed = ", ".join(
        f"{b.head.revision} ({_relative(Path(b.head.path), root)})" for b in heads.branches
    )
    return RevisionError(
        f"the migration history has {len(heads.branches)} heads: {listed}",
        "join them with: rowstamp merge (see: rowstamp heads)",
    )


def merge_heads(config: Config, message: str | None = None) -> Script:
    """Write the merge revision that joins every head; its message names what it joins."""
    heads = find_heads(config)
    if not heads.multiple:
        raise RevisionError(
            "the migration history has a single head, so there is nothing to merge",
            "rowstamp merge is for when two branches each added a migration",
        )
    text = message or "Merge heads: " + "; ".join(
        (b.head.doc or b.head.revision) for b in heads.branches
    )
    existing = {s.revision: s.doc or "" for s in _scripts(config).walk_revisions()}
    text = check_message(text, existing)
    try:
        written = command.merge(config, revisions="heads", message=text)
    except CommandError as exc:
        raise RevisionError(str(exc).rstrip("."), "see: rowstamp heads") from None
    if not isinstance(written, Script):  # pragma: no cover - Alembic always returns it
        raise RevisionError("Alembic wrote no merge revision", "see: rowstamp heads")
    return written


def _relative(path: Path, root: Path | None) -> str:
    base = root or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
