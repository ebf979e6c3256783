"""``rowstamp verify``: does the ledger of a database agree with the migration files?

Alembic keeps only the revision a database is at; a revision edited or deleted after
it ran somewhere goes unnoticed until a deploy fails, or production quietly differs.
The ledger (``ledger.py``) keeps, per applied step, the checksum of what the file ran
(``checksum.py``) and the sha256 of its bytes. This module compares them with the
files and names each problem in one line:

- an applied revision whose file was edited (its checksum changed);
- an applied revision whose file is gone;
- a revision applied out of order: after one of its descendants, or never, while the
  ledger records an ancestor of it (it was inserted into history that had run);
- a step the ledger shows interrupted.

It is quick on a long history: a file whose bytes have the sha the ledger stored is
not checksummed again (nothing imported beyond what Alembic's revision map loaded),
and a file reformatted since is checksummed once per machine (``checksum_cache.py``).
Revisions applied before the ledger existed have no row to compare: they are one
warning, pointing at ``rowstamp baseline``, not a failure.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection

from rowstamp.history.applied import APPLYING, applied_rows
from rowstamp.history.checksum import ChecksumError
from rowstamp.history.checksum_cache import ChecksumCache
from rowstamp.history.ledger import Entry, Ledger, file_sha, unresolved_interruptions

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["Kind", "Problem", "before_ledger", "ledger_problems"]

Kind = Literal["edited", "missing", "out-of-order", "interrupted", "before-ledger"]


@dataclass(frozen=True)
class Problem:
    """One disagreement between the ledger and the files: ``str()`` is its line."""

    kind: Kind
    revision: str
    message: str
    hint: str
    severity: Literal["error", "warning"] = "error"
    path: Path | None = None
    """The revision's file, where there is one."""

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}"


def ledger_problems(
    connection: Connection,
    script: ScriptDirectory,
    ledger: Ledger,
    *,
    heads: Sequence[str] | None = None,
    entries: Sequence[Entry] | None = None,
) -> list[Problem]:
    """Every problem of the database on ``connection``: errors first, in history order.

    ``heads`` (alembic_version) and ``entries`` (the ledger) are read from the
    database unless a caller that has them already passes them."""
    return _check(connection, script, ledger, heads, entries).run()


def before_ledger(
    connection: Connection, script: ScriptDirectory, ledger: Ledger, heads: Sequence[str]
) -> list[str]:
    """Applied revisions the ledger has no row for, applied before it existed or marked
    applied by ``alembic stamp`` (``rowstamp baseline`` records them), oldest first."""
    return _check(connection, script, ledger, heads, None).older()


def _check(
    connection: Connection,
    script: ScriptDirectory,
    ledger: Ledger,
    heads: Sequence[str] | None,
    entries: Sequence[Entry] | None,
) -> _Check:
    if entries is None:
        entries = ledger.entries(connection)
    if heads is None:
        context = MigrationContext.configure(
            connection, opts={"version_table_schema": ledger.schema}
        )
        heads = context.get_current_heads()
    return _Check(_revision_files(script), entries, tuple(heads), Path(script.dir).parent)


@dataclass(frozen=True)
class _File:
    path: Path
    parents: tuple[str, ...]


_FILES: weakref.WeakKeyDictionary[ScriptDirectory, dict[str, _File]] = weakref.WeakKeyDictionary()
"""Each ``ScriptDirectory``'s files, read once: it keeps its revision map for its life
too, and a run verifies the ledger before every run (``rowstamp test`` runs hundreds
on one ``ScriptDirectory``, which walked the whole history each time)."""


def _revision_files(script: ScriptDirectory) -> dict[str, _File]:
    """Every revision file, by revision id, with what it follows (``down_revision`` and
    ``depends_on``), as of the first call for ``script``."""
    found = _FILES.get(script)
    if found is None:
        found = _FILES[script] = _read_revision_files(script)
    return found


def _read_revision_files(script: ScriptDirectory) -> dict[str, _File]:
    """A file missing in the middle breaks Alembic's revision map; the files are then
    read one by one, so the missing one can be named."""
    from alembic.script import Script

    from rowstamp.compat import revision_scripts

    with warnings.catch_warnings():  # "Revision x referenced from y is not present"
        warnings.simplefilter("ignore", UserWarning)
        try:
            scripts = [s for s in script.walk_revisions() if isinstance(s, Script)]
        except (KeyError, CommandError):
            scripts = list(revision_scripts(script))
    return {
        s.revision: _File(Path(s.path), _links(s.down_revision) + _links(s.dependencies))
        for s in scripts
    }


def _links(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _when(entry: Entry) -> str:
    return entry.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")


class _Check:
    """One verification: the files' graph against the ledger's rows."""

    def __init__(
        self,
        files: dict[str, _File],
        entries: Sequence[Entry],
        heads: tuple[str, ...],
        root: Path,
    ) -> None:
        self.files = files
        self.entries = entries
        self.heads = heads
        self.root = root
        self.applied = applied_rows(entries)
        self.reference = {  # the checksum each applied revision is held to
            e.revision: e
            for e in entries
            if e.status == "done" and (e.direction in APPLYING or e.direction == "accept")
        }
        self.order = self._graph_order()
        self.applied_set = set(self.order)
        self.covered = self._covered_by_stamps()
        self.caches: dict[str, ChecksumCache] = {}  # by algorithm

    def run(self) -> list[Problem]:
        problems = [*self._missing(), *self._edited(), *self._out_of_order()]
        for cache in self.caches.values():
            cache.save()
        problems += [self._interrupted(e) for e in unresolved_interruptions(self.entries)]
        problems += self._before_ledger()
        return sorted(problems, key=lambda p: p.severity != "error")

    def _graph_order(self) -> list[str]:
        """The applied revisions (alembic_version's and their ancestors, and those the
        ledger shows applied), each after its parents; missing ones included."""
        start = [*self.heads, *(r for r in self.applied if r in self.files)]
        seen: set[str] = set()
        order: list[str] = []
        for root in start:
            stack: list[tuple[str, bool]] = [(root, False)]
            while stack:
                revision, expanded = stack.pop()
                if expanded:
                    order.append(revision)
                    continue
                if revision in seen:
                    continue
                seen.add(revision)
                stack.append((revision, True))
                found = self.files.get(revision)
                for parent in reversed(found.parents if found else ()):
                    if parent not in seen:
                        stack.append((parent, False))
        return order

    def _relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def _missing(self) -> list[Problem]:
        gone = [r for r in self.order if r not in self.files]
        gone += [r for r in self.applied if r not in self.files and r not in gone]
        problems = []
        for revision in gone:
            row = self.applied.get(revision)
            when = f", applied {_when(row)} by {row.who}," if row else ""
            problems.append(
                Problem(
                    "missing",
                    revision,
                    f"revision {revision}{when} is applied to this database but its migration "
                    "file is gone (deleted or renamed)",
                    "restore the file as it was (git log --diff-filter=D --name-only finds it)",
                )
            )
        return problems

    def _edited(self) -> list[Problem]:
        problems = []
        for revision in self.order:
            row, found = self.reference.get(revision), self.files.get(revision)
            if row is None or found is None or revision not in self.applied_set:
                continue
            sha = file_sha(found.path)
            if sha == row.file_sha:
                continue  # the very bytes that were applied: nothing to import
            what = self._changed(row, found.path, sha)
            if what is None:
                continue
            where = self._relative(found.path)
            problems.append(
                Problem(
                    "edited",
                    revision,
                    f"revision {revision} ({where}) was edited after it was applied here "
                    f"({_when(row)} by {row.who}): {what}",
                    "restore it (git log -p -- " + where + ") and write a new revision for "
                    f"the change, or accept the edit: rowstamp upgrade --accept-edited "
                    f'{revision} --reason "why"',
                    path=found.path,
                )
            )
        return problems

    def _changed(self, row: Entry, path: Path, sha: str) -> str | None:
        """What changed in the file since ``row`` (None: nothing that runs). A file
        reformatted since is read once per machine (``ChecksumCache``), not each time."""
        if row.checksum is None:
            return "its bytes changed and no checksum was stored to tell whether what it runs did"
        prefix = row.checksum.partition(":")[0]
        if prefix not in self.caches:
            self.caches[prefix] = ChecksumCache(prefix)
        from rowstamp.review.reader import quiet_alembic  # only for a file whose bytes changed

        try:
            with quiet_alembic():
                now = self.caches[prefix].checksum(path, sha)
        except ChecksumError as exc:
            return str(exc)
        return None if now == row.checksum else "what it runs changed"

    def _out_of_order(self) -> list[Problem]:
        """Ancestors applied after a descendant, and revisions the ledger never saw
        applied though it records an ancestor of theirs (inserted into history)."""
        latest: dict[str, tuple[int, str]] = {}  # newest applying row among the ancestors
        recorded_ancestor: dict[str, str] = {}
        problems: list[Problem] = []
        reported: set[str] = set()
        for revision in self.order:
            found = self.files.get(revision)
            parents = [p for p in (found.parents if found else ()) if p in self.applied_set]
            newest = max((latest[p] for p in parents if p in latest), default=None)
            row = self.applied.get(revision)
            for p in parents:
                if p in self.applied:
                    recorded_ancestor.setdefault(revision, p)
                elif p in recorded_ancestor:
                    recorded_ancestor.setdefault(revision, recorded_ancestor[p])
            ran = row is not None and row.direction == "upgrade"  # baselines say no "when"
            if ran and newest is not None and row is not None and newest[0] > row.id:
                ancestor = newest[1]
                if ancestor not in reported:
                    reported.add(ancestor)
                    problems.append(self._applied_after(ancestor, revision))
            elif row is None and found is not None and revision not in self.covered:
                ancestor_row = recorded_ancestor.get(revision)
                if ancestor_row is not None:
                    problems.append(self._never_applied(revision, ancestor_row))
            mine = (row.id, revision) if ran and row is not None else None
            latest[revision] = max(filter(None, (newest, mine)), default=(-1, ""))
        return problems

    def _covered_by_stamps(self) -> set[str]:
        """Revisions without a row below a stamped one: ``alembic stamp`` marks them
        applied with one row for its destination."""
        covered: set[str] = set()
        for revision, row in self.applied.items():
            if row.direction != "stamp":
                continue
            stack = list(self.files[revision].parents) if revision in self.files else []
            while stack:
                parent = stack.pop()
                if parent in covered or parent in self.applied or parent not in self.files:
                    continue
                covered.add(parent)
                stack.extend(self.files[parent].parents)
        return covered

    def _applied_after(self, ancestor: str, descendant: str) -> Problem:
        late, early = self.applied[ancestor], self.applied[descendant]
        return Problem(
            "out-of-order",
            ancestor,
            f"revision {ancestor} was applied {_when(late)}, after its descendant {descendant} "
            f"(applied {_when(early)}): the history was reordered after {descendant} ran here",
            f"check that the schema has what {ancestor} does (rowstamp drift), and keep "
            "applied revisions where they are",
            path=self.files[ancestor].path if ancestor in self.files else None,
        )

    def _never_applied(self, revision: str, ancestor: str) -> Problem:
        row = self.applied[ancestor]
        path = self.files[revision].path
        return Problem(
            "out-of-order",
            revision,
            f"revision {revision} ({self._relative(path)}) was never applied here, yet the "
            f"database is past it: it was inserted into history that had already run (the "
            f"ledger records its ancestor {ancestor}, applied {_when(row)})",
            "move it after the newest revision (its down_revision) so it runs, or apply it "
            "by hand and record that: rowstamp baseline --force",
            path=path,
        )

    def _interrupted(self, entry: Entry) -> Problem:
        return Problem(
            "interrupted",
            entry.revision,
            f"the {entry.direction} of revision {entry.revision} started {_when(entry)} by "
            f"{entry.who} was interrupted",
            "run the migration again: the next run reports what it left and continues",
        )

    def _before_ledger(self) -> list[Problem]:
        """One warning for the revisions applied before the ledger existed."""
        older = self.older()
        if not older:
            return []
        shown = ", ".join(older[:5]) + (f" and {len(older) - 5} more" if len(older) > 5 else "")
        return [
            Problem(
                "before-ledger",
                older[-1],
                f"{len(older)} applied revision(s) have no ledger row, so they cannot be "
                f"verified: {shown} (applied before the ledger existed, or stamped)",
                "record them as they are now: rowstamp baseline",
                severity="warning",
            )
        ]

    def older(self) -> list[str]:
        """Applied revisions with no row that were not inserted into history that ran:
        applied before the ledger existed (no recorded ancestor), or marked applied by
        ``alembic stamp`` (one row, for its destination)."""
        recorded = set(self.applied)
        older: list[str] = []
        below: set[str] = set()  # revisions with a recorded ancestor
        for revision in self.order:
            found = self.files.get(revision)
            parents = found.parents if found else ()
            if any(p in recorded or p in below for p in parents):
                below.add(revision)
            unrecorded = revision in self.files and revision not in recorded
            if unrecorded and (revision not in below or revision in self.covered):
                older.append(revision)
        return older
