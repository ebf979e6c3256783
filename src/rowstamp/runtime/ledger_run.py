"""Writing the ledger (``history/ledger.py``) during an ``env.py`` run.

Each step gets a ``running`` row that is committed before the step starts, and
becomes ``done`` inside the step's own transaction, together with
``alembic_version``: where DDL is transactional, the row and the revision cannot
disagree. Where the whole run is one transaction (PostgreSQL's default), the
``running`` row is written on a second, autocommit connection, so it outlives a
rollback or a killed process, and the ``done`` rows at the run's end, in one
statement inside its transaction. After a failure the run's rows become ``failed``
(``interrupted`` for Ctrl-C). A ``running`` row that a new run finds, under the
migration lock, is a dead run's: the new run marks it ``interrupted`` and names
the revision, and where DDL commits at once (MySQL, MariaDB) what it left, before
it runs the revision again (which fails with the usual report if what was left is
in the way).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError

from rowstamp.compat import in_external_transaction, step_script
from rowstamp.errors import first_line
from rowstamp.history.checksum_cache import ChecksumCache
from rowstamp.history.ledger import (
    Entry,
    Ledger,
    file_sha,
    ledger_table_name,
    unresolved_interruptions,
)
from rowstamp.runtime.ledger_facts import run_facts
from rowstamp.urls import mask_secrets

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext, MigrationInfo
    from alembic.script import ScriptDirectory

    from rowstamp.runtime.options import RunOptions

__all__ = ["LedgerRun", "ledger_closed", "run_facts"]

log = logging.getLogger("rowstamp")


@dataclass
class LedgerRun:
    """The ledger rows of one run; ``observe`` and ``applied`` hook it into Alembic."""

    ledger: Ledger
    engine: Engine
    script: ScriptDirectory
    report: Callable[[str], None] = lambda line: None
    """Where the run's warnings go (an interrupted run found and settled)."""
    options: RunOptions | None = None
    """The run's options: the command, and the edits a caller accepts."""
    _ids: list[int] = field(default_factory=list)
    _running: int | None = None
    _side: Connection | None = None
    _context: MigrationContext | None = None
    _known: dict[str, str] = field(default_factory=dict)  # file sha -> checksum, from its rows
    _cache: ChecksumCache = field(default_factory=ChecksumCache)
    _since: datetime | None = None  # when the running step started
    _revision: str | None = None
    _file: Path | None = None
    _sha: str | None = None
    """The revision, file and sha of the file's bytes of the last step written."""
    _started: bool = False
    _static: dict[str, Any] = field(default_factory=dict)
    _done: list[dict[str, Any]] = field(default_factory=list)
    """``done`` rows a whole-run transaction writes at its end, in one statement."""
    _next: Any = None
    _flushing: Connection | None = None
    """The run's connection, while its commits write the batched ``done`` rows first."""
    _ahead: tuple[str, int] | None = None
    """With a transaction per step: the next step and the (revision, id) of its
    ``running`` row, written in this step's transaction (no commit of its own)."""

    @classmethod
    def of(cls, run: RunOptions) -> LedgerRun | None:
        """The ledger writer of ``run``; None where the project keeps no ledger."""
        from rowstamp.runtime.options import alembic_environment

        environment = alembic_environment()
        engine = run.state.engine
        if environment is None or engine is None:
            return None
        name = ledger_table_name(environment.config)
        if name is None:
            return None
        return cls(Ledger(name), engine, environment.script, log.warning, run)

    def observe(self, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        """Wrap the command's own step function (Alembic's list of steps, looked at one
        step ahead): a committed ``running`` row before each step."""

        def steps(heads: Any, context: MigrationContext) -> Iterator[Any]:
            upcoming = iter(fn(heads, context))
            step = next(upcoming, None)
            while step is not None:
                info = step.info
                if not self._started:
                    self._start(context, stamping=info.is_stamp)
                if not info.is_stamp:
                    self._begin(info, step)
                self._next = following = next(upcoming, None)
                yield step
                step = following
            if context.connection is not None:  # still inside the run's transaction
                self._flush(context.connection)

        return steps

    def applied(self, **kw: Any) -> None:
        """Alembic's ``on_version_apply``: inside the step's transaction, with
        ``alembic_version``, the row becomes ``done`` (a stamp gets its own row); in a
        whole-run transaction all rows at its end, as they would commit together anyway
        (one round trip instead of one per step)."""
        step: MigrationInfo = kw["step"]
        ctx: MigrationContext = kw["ctx"]
        connection = ctx.connection
        if connection is None:
            return
        if step.is_stamp:
            if not self._started:
                self._start(ctx, stamping=True)
            to = ", ".join(step.destination_revision_ids) or "base"
            self.ledger.append(
                connection,
                status="done",
                finished_at=datetime.now(UTC),
                seconds=0.0,
                note=f"stamped to {to}",
                checksum=self._checksum(step),
                **self._row(step),
            )
            return
        if self._running is not None and self._since is not None:
            row = self.ledger.done_row(self._running, self._since, self._checksum(step))
            self._running = None
            if self._side is None:  # the step's own transaction, or DDL that commits
                self.ledger.done(connection, [row])
                self._write_ahead(ctx, connection)
            else:  # one transaction for the run: nothing commits before its end
                self._done.append(row)

    def _begin(self, info: MigrationInfo, step: Any = None) -> None:
        """The step starts: its ``running`` row, committed (or written ahead)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == str(info.up_revision_id):
            # its file and sha were read when it was written (``_row``, the last one)
            self._running, self._since = ahead[1], datetime.now(UTC)
        else:
            row = self._row(info, step)
            self._running = self._write(self.ledger.append, status="running", **row)
            self._since = row["started_at"]
        self._ids.append(self._running)

    def _write_ahead(self, context: MigrationContext, connection: Connection) -> None:
        """With a transaction per step, the next step's ``running`` row is written in
        this one's, so it commits with it: no commit of its own (a killed next step
        finds it there; a failing step rolls it back with itself)."""
        following = self._next
        if following is None or not _per_step(context):
            return
        info = following.info
        if info.is_stamp:
            return
        row = self._row(info, following)
        self._ahead = (row["revision"], self.ledger.append(connection, status="running", **row))

    def failed(self, error: BaseException) -> None:
        """After the run ended in ``error``: its unfinished rows are ``failed`` (or
        ``interrupted``); rows a whole-run rollback undid say so, and a next step's row
        written ahead that never started is ``interrupted``/``failed`` with that note."""
        if self._ahead is not None:
            self._ids.append(self._ahead[1])
        if not self._ids:
            return
        interrupted = isinstance(error, KeyboardInterrupt)
        status = "interrupted" if interrupted else "failed"
        what = "interrupted (Ctrl-C)" if interrupted else mask_secrets(first_line(error))
        with suppress(SQLAlchemyError), self.engine.connect() as connection:
            unfinished = self._unfinished(connection)
            if self._ahead is not None and self._ahead[1] in unfinished:
                unfinished.remove(self._ahead[1])
                note = f"the run stopped before it started: {what}"
                self.ledger.finish(connection, [self._ahead[1]], status, note=note, timed=False)
            if self._running is not None and self._running in unfinished:
                self.ledger.finish(connection, [self._running], status, note=what)
            undone = [i for i in unfinished if i != self._running]
            failing = f"revision {self._revision}" if self._running else "a revision"
            self.ledger.finish(
                connection,
                undone,
                "failed",
                note=f"rolled back with the run's transaction when {failing} failed",
            )
            connection.commit()

    def _flush(self, connection: Connection) -> None:
        """The batched ``done`` rows, written before the run's transaction commits: at
        its end, or earlier where an autocommit block or a backfill commits the steps
        before it (their rows must commit with them, or a killed run names them)."""
        if self._done:
            rows, self._done = self._done, []
            self.ledger.done(connection, rows)

    def _forget(self, connection: Connection) -> None:
        """The run's transaction rolled back: its steps' ``done`` rows went with it (a
        later commit on the connection, such as the lock's release, must not write them)."""
        self._done.clear()

    def close(self) -> None:
        self._cache.save()
        if self._flushing is not None:
            with suppress(SQLAlchemyError):
                event.remove(self._flushing, "commit", self._flush)
                event.remove(self._flushing, "rollback", self._forget)
            self._flushing = None
        if self._side is not None:
            with suppress(SQLAlchemyError):
                self._side.close()
            self._side = None

    def _start(self, context: MigrationContext, *, stamping: bool) -> None:
        """First step of the run: create the table, settle what a dead run left (a
        stamp, which is how a user says a half-applied revision is finished, only marks
        it interrupted)."""
        self._started = True
        self._context = context
        # the ledger lives beside alembic_version, in env.py's version_table_schema
        self.ledger = Ledger(self.ledger.name, context.version_table_schema)
        if _whole_run(context) and not in_external_transaction(context):
            self._side = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if context.connection is not None:
                self._flushing = context.connection
                event.listen(self._flushing, "commit", self._flush)
                event.listen(self._flushing, "rollback", self._forget)
        self._write(self.ledger.create)
        entries = self._write(self.ledger.entries, exists=True)
        self._known = {e.file_sha: e.checksum for e in entries if e.file_sha and e.checksum}
        self._static = run_facts(self.engine, self.script)
        heads = tuple(context.get_current_heads())
        self._settle(context, entries, heads, report=not stamping)
        self._verify(entries, heads)

    def _settle(
        self,
        context: MigrationContext,
        entries: list[Entry],
        heads: tuple[str, ...],
        *,
        report: bool,
    ) -> None:
        stopped = unresolved_interruptions(entries)
        if not stopped:
            return
        dead = [e.id for e in stopped if e.status == "running"]
        if dead:
            self._write(
                self.ledger.finish,
                ids=dead,
                status="interrupted",
                note="found running by a later run",
                timed=False,
            )
        if not report:
            return
        from rowstamp.runtime.failure_state import interruption_report  # a dead run's: rare

        for entry in stopped:
            self.report(interruption_report(entry, context, self.engine, self.script, heads))

    def _verify(self, entries: list[Entry], heads: tuple[str, ...]) -> None:
        """``rowstamp verify`` before the first step (``runtime/ledger_gate.py``), on the
        rows and heads ``_start`` read (a dead run's rows are interrupted either way)."""
        from rowstamp.runtime.ledger_gate import verify_first

        verify_first(
            self._write,
            self.script,
            self.ledger,
            heads,
            self.options,
            entries=entries,
            checksum=self._cache.checksum,
            facts=self._static,
            report=self.report,
        )

    def _row(self, info: MigrationInfo, step: Any = None) -> dict[str, Any]:
        """The row of a step about to run (``step``: Alembic's, whose file it is at hand):
        nothing of its file runs before it is written."""
        path = self._file = _path(info, step)
        self._revision = info.up_revision_id
        self._sha = file_sha(path) if path is not None else None
        direction = _direction(info)
        return {
            "revision": str(info.up_revision_id),
            "direction": direction,
            "file_sha": self._sha,
            "started_at": datetime.now(UTC),
            **self._static,
        }

    def _checksum(self, info: MigrationInfo) -> str | None:
        """The step's checksum, read after it ran (reading runs its functions against a
        recording ``op``): a file with the same bytes as a ledger row, or as one read
        before on this machine (``ChecksumCache``), is not read again."""
        if info.up_revision_id == self._revision:
            path, sha = self._file, self._sha
        else:
            path = _path(info)
            sha = file_sha(path) if path is not None else None
        if path is None or sha is None:
            return None
        found = self._known.get(sha) or self._cache.cached(path, sha)
        if found is None:
            from rowstamp.review.reader import quiet_alembic  # replaying a file: rare

            try:
                with quiet_alembic():
                    found = self._cache.checksum(path, sha)
            except Exception as exc:  # the step ran: a checksum that cannot be read is empty
                log.debug("no checksum for %s: %s", path, exc)
                return None
        if found is not None:
            self._known[sha] = found
        return found

    def _write(self, work: Callable[..., Any], **values: Any) -> Any:
        """Run ``work`` where it is committed at once: the autocommit side connection,
        else the run's connection between steps (committed unless it is a caller's
        transaction, which is theirs to end)."""
        if self._side is not None:
            return work(self._side, **values)
        context = self._context
        assert context is not None and context.connection is not None
        connection = context.connection
        result = work(connection, **values)
        if not in_external_transaction(context) and connection.in_transaction():
            connection.commit()
        return result

    def _unfinished(self, connection: Connection) -> list[int]:
        entries = {e.id: e for e in self.ledger.entries(connection)}
        return [i for i in self._ids if i in entries and entries[i].status == "running"]


@contextmanager
def ledger_closed(run: RunOptions) -> Iterator[None]:
    """End the run's ledger rows: ``failed`` (``interrupted``) when the run raised, once
    its transaction was rolled back; its side connection closed either way."""
    run.state.ledger = None
    try:
        yield
    except BaseException as exc:
        if run.state.ledger is not None:
            run.state.ledger.failed(exc)
        raise
    finally:
        if run.state.ledger is not None:
            run.state.ledger.close()


def _direction(info: MigrationInfo) -> str:
    """``stamp`` marks the revision applied, ``unstamp`` stamps it away."""
    if info.is_stamp:
        return "stamp" if info.up_revision_id in info.destination_revision_ids else "unstamp"
    return "upgrade" if info.is_upgrade else "downgrade"


def _path(info: MigrationInfo, step: Any = None) -> Path | None:
    """The file of the revision a step applies or reverts (``step``'s own, else found
    through the revision map)."""
    script = step_script(step) if step is not None else None
    where = getattr(script or info.up_revision, "path", None)  # a Script's file
    return Path(where) if where and os.path.isfile(where) else None


def _per_step(context: MigrationContext) -> bool:
    each = context.opts.get("transaction_per_migration", False)
    return bool(context.impl.transactional_ddl and each) and not in_external_transaction(context)


def _whole_run(context: MigrationContext) -> bool:
    return bool(context.impl.transactional_ddl) and not context.opts.get(
        "transaction_per_migration", False
    )
