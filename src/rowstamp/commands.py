"""The typed Python API behind the ``rowstamp`` command and the ``scripts/``.

As in Alembic's ``command`` module, each function is one command of the guide's
workflow on an Alembic ``Config``; what a caller wants of the run (environment,
progress printer, backup choices) travels on the ``Config`` as ``RunOptions``.
The CLI only parses arguments, calls these and prints what they return.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from alembic import command
from rowstamp.errors import RevisionError, RowstampError
from rowstamp.history.messages import check_message, revision_messages
from rowstamp.runtime.config import current_heads, load_config, project_settings, run_options
from rowstamp.runtime.env import MigrationInterrupted, OneLineError
from rowstamp.runtime.options import RunOptions, RunState

if TYPE_CHECKING:
    from rowstamp.history.heads import Heads
    from rowstamp.history.hooks import CommitCheck
    from rowstamp.project.adopt import Adoption
    from rowstamp.project.scaffold import Scaffold
    from rowstamp.review.drift import Drift
    from rowstamp.review.lint import LintReport
    from rowstamp.review.reader import MigrationFile
    from rowstamp.review.rules import Review
    from rowstamp.runtime.rehearse import Rehearsal
    from rowstamp.runtime.status import DatabaseStatus
    from rowstamp.settings import RowstampSettings

__all__ = [
    "CurrentRevision",
    "HistoryEntry",
    "NewRevision",
    "Reviewed",
    "UpgradeResult",
    "adopt",
    "apply_migrations",
    "check",
    "check_commit",
    "current",
    "current_heads",
    "heads",
    "history",
    "init",
    "install_hooks",
    "lint",
    "load_config",
    "merge",
    "new_revision",
    "plan_adoption",
    "project_settings",
    "rehearse",
    "revert_migrations",
    "review",
    "run_migration_tests",
    "run_options",
    "status",
]


@dataclass(frozen=True)
class NewRevision:
    """A migration file written by autogenerate; ``migration``: what it does, if known."""

    revision: str
    message: str
    path: Path
    blind_spots: list[str] = field(default_factory=list)
    """Differences autogenerate does not write (server defaults, enum values)."""
    migration: MigrationFile | None = None


@dataclass(frozen=True)
class UpgradeResult:
    """What an upgrade (or a downgrade) changed."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    applied: list[Script]


@dataclass(frozen=True)
class Reviewed:
    """Each migration reviewed, and what could not be read."""

    reviews: list[Review]
    problems: list[str]


@contextmanager
def _alembic_errors(hint: str = "") -> Iterator[None]:
    try:
        yield
    except MigrationInterrupted:
        raise  # its own one line, and the CLI's exit code 130
    except OneLineError as exc:
        raise RowstampError(str(exc)) from None
    except CommandError as exc:
        text = str(exc)
        if "not up to date" in text:
            raise RevisionError(
                "the database is not at the newest revision, so autogenerate would repeat "
                "pending migrations",
                "apply them first: ./scripts/dev_migrate (or alembic upgrade head)",
            ) from None
        if "ultiple head" in text:
            hint = "join the branches first: rowstamp merge (see: rowstamp heads)"
        raise RevisionError(text.rstrip("."), hint) from None


def existing_messages(config: Config) -> dict[str, str]:
    """Revision id to message, for every revision in ``alembic/versions``."""
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("fix the migration files in alembic/versions"):
        return revision_messages(scripts)


def new_revision(config: Config, message: str, *, allow_empty: bool = False) -> NewRevision:
    """Autogenerate a migration named by ``message``; no file is written on any failure.

    With ``allow_empty`` false, a migration with no operations is not written and
    ``NoChangesError`` says so.
    """
    from rowstamp.errors import NoChangesError
    from rowstamp.review.written import written_migration

    text = check_message(message, existing_messages(config))
    run = RunOptions.of(config).but(skip_empty=not allow_empty, state=RunState())
    with _alembic_errors(), run.applied(config):
        written = command.revision(config, message=text, autogenerate=True)
    script = written[0] if isinstance(written, list) and written else written
    notes = list(run.state.notes)
    if not isinstance(script, Script):
        if notes:
            raise NoChangesError(
                f"autogenerate wrote nothing, but it cannot see this: {notes[0]}",
                'nothing was written; write the step with: rowstamp new --empty "..."',
            )
        raise NoChangesError(
            "autogenerate found no difference between the models and the database",
            "nothing was written; change a model first, or pass --empty for a hand-written one",
        )
    reviewable = written_migration(script, run.state.directives)
    return NewRevision(script.revision, text, Path(script.path), notes, reviewable)


def review(config: Config, revision: str | None = None) -> Reviewed:
    """Every operation of a migration (default: the newest), flagged where a human must look."""
    from rowstamp.review.backfill_offer import offer_backfills
    from rowstamp.review.lint import lint_migrations
    from rowstamp.review.reader import read_migration
    from rowstamp.review.rules import Review

    report = lint_migrations(config, [revision] if revision else None, squawk=False)
    reviews = [Review(read_migration(r.path), r.findings) for r in report.results]
    reviews = offer_backfills(config, reviews)
    return Reviewed(reviews, list(report.problems))


def lint(
    config: Config,
    revisions: Sequence[str] = (),
    *,
    every: bool = False,
    squawk: bool | None = None,
    frozen_since: str | None = None,
) -> LintReport:
    """The review rules as pass/fail (default: the heads), plus squawk when installed, plus
    the migration files at git ref ``frozen_since`` unchanged."""
    from rowstamp.review.lint import lint_migrations

    targets = list(revisions) or None
    return lint_migrations(config, targets, every=every, squawk=squawk, frozen_since=frozen_since)


def check(config: Config) -> Drift:
    """Drift between the models, the history and the database, one line per difference."""
    from rowstamp.review.drift import find_drift

    return find_drift(config)


def heads(config: Config) -> Heads:
    """The heads, and with several, what each branch added since they forked."""
    from rowstamp.history.heads import find_heads

    return find_heads(config)


def merge(config: Config, message: str | None = None) -> Script:
    """Join the heads with a merge revision."""
    from rowstamp.history.heads import merge_heads

    return merge_heads(config, message)


@dataclass(frozen=True)
class HistoryEntry:
    """One revision of the history, as ``rowstamp history`` and ``current`` show it."""

    revision: str
    down_revision: tuple[str, ...]
    message: str
    path: Path
    created: str
    """The file's ``Create Date`` (when it was written; databases do not record when applied)."""
    is_head: bool
    is_current: bool


_CREATED = re.compile(r"^Create Date:\s*(?P<date>.+?)(?:\.\d+)?\s*$", re.MULTILINE)


def history(config: Config, current: tuple[str, ...] = ()) -> list[HistoryEntry]:
    """Every revision, newest first, marking the heads and the ``current`` ones."""
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("fix the migration files in alembic/versions"):
        head_ids = set(scripts.get_heads())
        walked = [s for s in scripts.walk_revisions() if isinstance(s, Script)]
    unknown = sorted(set(current) - {s.revision for s in walked})
    if unknown:
        raise RevisionError(
            f"the database is at revision {', '.join(unknown)}, which no migration file defines",
            "restore its migration file (another branch? git log -- alembic/versions), or, once "
            "the schema is checked by hand, record the right one: alembic stamp --purge <revision>",
        )
    entries = []
    for script in walked:
        down = script.down_revision
        found = _CREATED.search(script.longdoc or "")
        entries.append(
            HistoryEntry(
                revision=script.revision,
                down_revision=tuple(down)
                if isinstance(down, list | tuple)
                else ((down,) if down else ()),
                message=script.doc or "",
                path=Path(script.path),
                created=found["date"] if found else "",
                is_head=script.revision in head_ids,
                is_current=script.revision in current,
            )
        )
    return entries


@dataclass(frozen=True)
class CurrentRevision:
    """The environment, and the revisions its database is at (none: base)."""

    settings: RowstampSettings
    entries: list[HistoryEntry]


def current(config: Config) -> CurrentRevision:
    """Where the environment's database is in the history."""
    settings = run_options(config).required_settings()
    at = current_heads(config)
    return CurrentRevision(settings, [e for e in history(config, at) if e.is_current])


def rehearse(config: Config, target: str = "head") -> Rehearsal:
    """Apply the pending revisions to a copy restored from a fresh verified backup first;
    the next ``apply_migrations`` on ``config`` reuses that backup."""
    from rowstamp.runtime.rehearse import rehearse as run_rehearsal

    return run_rehearsal(config, target, verify_restore=RunOptions.of(config).verify_restore)


def apply_migrations(config: Config, target: str = "head") -> UpgradeResult:
    """Upgrade to ``target`` and report which revisions were applied."""
    before = current_heads(config)
    run = run_options(config).but(command="upgrade")
    with _alembic_errors("check the revision with: alembic history"), run.applied(config):
        command.upgrade(config, target)
    after = current_heads(config)
    return UpgradeResult(before, after, _applied(config, before, after))


def revert_migrations(
    config: Config, target: str = "-1", *, ask: Callable[[str], bool] | None = None
) -> UpgradeResult:
    """Downgrade to ``target`` (default: undo the newest applied migration).

    Outside development it must be confirmed first (``RunOptions.confirmed``, or
    ``ask`` answering yes): see ``rowstamp.runtime.protection.confirm_downgrade``.
    """
    from rowstamp.runtime.protection import confirm_downgrade

    run = run_options(config)
    confirm_downgrade(
        run.required_settings(),
        target,
        lambda: current_heads(config),
        via="rowstamp",
        confirmed=run.confirmed,
        ask=ask,
    )
    before = current_heads(config)
    if not before:
        raise RevisionError(
            "the database has no migration applied, so there is nothing to downgrade",
            "see: rowstamp current",
        )
    run = run.but(command="downgrade", confirmed=True)  # env.py need not ask again
    try:
        with _alembic_errors("check the revision with: rowstamp history"), run.applied(config):
            command.downgrade(config, target)
    except RevisionError as exc:
        if "Ambiguous walk" not in str(exc):
            raise
        raise RevisionError(
            f"cannot go back {target} from {', '.join(before)}: it merges several branches",
            "name the revision to go back to (see: rowstamp history)",
        ) from None
    after = current_heads(config)
    undone = list(reversed(_applied(config, after, before)))
    return UpgradeResult(before, after, undone)


def _applied(config: Config, before: tuple[str, ...], after: tuple[str, ...]) -> list[Script]:
    """Revisions reachable from ``after`` but not from ``before``, oldest first."""
    if set(before) == set(after):
        return []
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("check the history with: rowstamp history"):
        reached = [s for s in scripts.iterate_revisions(after, "base") if isinstance(s, Script)]
        known = set(before) and {s.revision for s in scripts.iterate_revisions(before, "base") if s}
    return [s for s in reversed(reached) if s.revision not in known]


def status(config: Config) -> DatabaseStatus:
    """Revision, tables, metadata columns and triggers of the environment's database."""
    from rowstamp.runtime.status import database_status

    return database_status(config)


def init(directory: Path) -> Scaffold:
    """Write the guide's project layout into ``directory``; nothing if any file would change."""
    from rowstamp.project.scaffold import scaffold

    return scaffold(directory)


def plan_adoption(directory: Path, package: str | None = None, ini: Path | None = None) -> Adoption:
    """What ``rowstamp init --adopt`` would write into the existing project ``directory``
    (its Alembic configuration ``ini``, default ``directory/alembic.ini``)."""
    from rowstamp.project.adopt import plan

    return plan(directory, package, ini)


def adopt(adoption: Adoption) -> None:
    """Write a planned adoption (``plan_adoption``)."""
    from rowstamp.project.adopt import apply

    apply(adoption)


def install_hooks(*, force: bool = False) -> Path:
    """Install the commit-msg hook into the current git repository."""
    from rowstamp.history.hooks import install_hooks as install

    return install(force=force)


def check_commit(message_file: Path) -> CommitCheck:
    """Check a commit message against the staged migrations (git's commit-msg hook)."""
    from rowstamp.history.hooks import check_commit_message

    return check_commit_message(message_file)


def run_migration_tests(
    config: Config,
    engines: Sequence[str] = (),
    url: str | None = None,
    junit_xml: str | None = None,
    *,
    destroy_data: bool = False,
    skip: Sequence[str] = (),
) -> bool:
    """Test the migrations on scratch databases, printing a table per engine; True: passed.
    Checks in ``skip`` (and alembic.ini's ``[rowstamp] test_skip``) are not run."""
    from rowstamp.testing.command import test_command

    return test_command(config, engines, url, junit_xml, destroy_data=destroy_data, skip=skip)
