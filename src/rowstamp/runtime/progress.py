"""Per-revision progress, and a failure report that says what to do next.

Alembic logs "Running upgrade a -> b" and, on failure, shows a traceback. rowstamp
watches each step as it starts and ends: the time each revision took, and when one
fails or Ctrl-C stops it, which revision it was, what state the database is in, read
again after the run ended (rolled back: the whole run on PostgreSQL, the revision on
SQLite; on MySQL/MariaDB, where DDL commits at once, which of its objects exist) and
the exact commands to continue, finish or undo it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from rowstamp.compat import step_script
from rowstamp.errors import MigrationFailedError, TableLockTimeout, first_line
from rowstamp.model.columns import METADATA_COLUMNS
from rowstamp.urls import mask_secrets

if TYPE_CHECKING:
    from rowstamp.runtime.failure_state import AfterFailure

__all__ = ["Progress", "Step"]

_METADATA_COLUMN = re.compile(rf"\b({'|'.join(METADATA_COLUMNS)})\b")
"""An error naming one of rowstamp's columns (as a missing column, on every engine)."""

log = logging.getLogger("rowstamp")


@dataclass(frozen=True)
class Step:
    """One revision applied (or being applied) in this run."""

    revision: str
    message: str
    upgrade: bool
    seconds: float = 0.0
    down_revisions: tuple[str, ...] = ()
    """Where a downgrade of this step lands (empty: base)."""
    stamped: bool = False
    """``alembic stamp``: the version table moved, nothing of the revision ran."""

    @property
    def verb(self) -> str:
        """What happened to the revision, as a progress line says it."""
        if self.stamped:
            return "Stamped" if self.upgrade else "Unstamped"
        return "Applied" if self.upgrade else "Reverted"


@dataclass
class Progress:
    """What one Alembic run has done so far."""

    done: list[Step] = field(default_factory=list)
    running: Step | None = None
    _started: float = 0.0
    printer: Callable[[Step], None] | None = None
    old_history: frozenset[str] = frozenset()
    """The project's own revisions, up to ``[rowstamp] baseline`` (adopted projects)."""

    def observe(self, fn: Callable[..., Any]) -> Callable[..., Iterator[Any]]:
        """Wrap the command's step generator: note each step as it starts."""

        def steps(heads: Any, context: Any) -> Iterator[Any]:
            for step in fn(heads, context):
                info = step.info  # up_revision is the one applied, or the one reverted
                self.running = Step(
                    str(info.up_revision_id),
                    _doc(step_script(step) or info.up_revision),
                    bool(info.is_upgrade),
                    down_revisions=tuple(info.down_revision_ids),
                    stamped=bool(info.is_stamp),
                )
                self._started = time.monotonic()
                yield step

        return steps

    def applied(self, **_: Any) -> None:
        """Alembic's ``on_version_apply`` callback: the running step finished."""
        if self.running is None:
            return
        step = replace(self.running, seconds=time.monotonic() - self._started)
        self.done.append(step)
        self.running = None
        log.info("%s %s %s ... %.2f s", step.verb, step.revision, step.message, step.seconds)
        if self.printer is not None:
            self.printer(step)

    def failure(
        self, error: BaseException, after: AfterFailure, *, what: str | None = None
    ) -> MigrationFailedError:
        """The one-line report for ``error`` raised by the running step (Ctrl-C too),
        with the state ``after`` finds in the database now, not the state hoped for.
        ``what`` words the event instead (a killed run the ledger found)."""
        from rowstamp.runtime.failure_state import object_name, undo_statements  # failing: rare

        step = self.running
        first = mask_secrets(first_line(error))
        if step is None:
            return MigrationFailedError(f"the migration failed: {first}", "")
        verb = "upgrade" if step.upgrade else "downgrade"
        interrupted = isinstance(error, KeyboardInterrupt)
        what = what or f"{verb} of revision {step.revision} ({step.message}) " + (
            "was interrupted (Ctrl-C)" if interrupted else f"failed: {first}"
        )
        at = f"the database is at {after.revision()}"
        down = step.down_revisions[0] if len(step.down_revisions) == 1 else "base"
        resume = f"alembic {verb} {'head' if step.upgrade else down}"
        again = (
            f"continue with: {resume}" if interrupted else f"fix it, then continue with: {resume}"
        )
        if isinstance(error, TableLockTimeout):
            again = f"{error.hint}: {resume}"
        reads_models = step.revision in self.old_history and _METADATA_COLUMN.search(first)
        if reads_models:
            again = (
                f"revision {step.revision} is from the project's history before rowstamp and "
                "reads the models, which now have rowstamp's columns that the database gets "
                "only after the baseline: write its queries with sa.table() definitions "
                "instead of the models (docs/adopting.md, 'Old revisions that use the models')"
            )
        backfill = after.backfill(step.revision)  # its autocommit_block committed the run so far
        if backfill is not None:
            what = f"{what}; {backfill.kept()}"
            if backfill.last_key is not None:
                again = f"{again} (the backfill continues after key {backfill.key})"
        if after.context.impl.transactional_ddl:
            if backfill is not None:
                return MigrationFailedError(f"{what}; {at}", again)
            whole_run = not after.context.opts.get("transaction_per_migration", False)
            undone = "everything this run did" if whole_run else f"revision {step.revision}"
            return MigrationFailedError(f"{what}; {undone} was rolled back; {at}", again)
        left = after.leftovers(step.revision, step.upgrade)
        if backfill is not None:
            left.unchecked = [name for name in left.unchecked if name != "Backfill"]
            if not left.done and not left.unchecked and not left.pending and not left.error:
                return MigrationFailedError(f"{what}; {at}", again)
        if left.error is not None:
            return MigrationFailedError(
                f"{what}; revision {step.revision} may be half-applied ({left.error}); {at}",
                again
                if reads_models
                else "compare the database with the revision, then continue with: " + resume,
            )
        if not left.done:
            unchecked = f" (not checked: {', '.join(left.unchecked)})" if left.unchecked else ""
            return MigrationFailedError(
                f"{what}; none of the tables, columns, indexes and triggers revision "
                f"{step.revision} creates or drops is done{unchecked}; {at}",
                again,
            )
        state = f"{what}; revision {step.revision} is half-applied; {at}"
        created = [object_name(t) for o, t in left.done if o in left.created]
        dropped = [object_name(t) for o, t in left.done if o not in left.created]
        done = "; ".join(
            [f"exists: {', '.join(created)}"] * bool(created)
            + [f"dropped: {', '.join(dropped)}"] * bool(dropped)
        )
        stamp = f"alembic stamp {step.revision if step.upgrade else down}"
        undo = undo_statements(left, after.context.dialect)
        undo_hint = (
            f"undo with: {'; '.join(undo)}; then: {resume}"
            if undo
            else f"what it dropped only the backup has: restore it, or finish the revision "
            f"by hand and run: {stamp}"
        )
        if left.complete:
            everything = "everything it creates " if not dropped else "all of it is done: "
            return MigrationFailedError(
                f"{state}; {everything}{done}",
                f"finish with: {stamp}" + (f"; or {undo_hint}" if undo else ""),
            )
        missing = [object_name(t) for t in left.pending] + left.unchecked
        return MigrationFailedError(
            f"{state}; {done}; not done or not checked: {', '.join(missing)}", undo_hint
        )


def _doc(revision: Any) -> str:
    return str(getattr(revision, "doc", "") or "").strip()
