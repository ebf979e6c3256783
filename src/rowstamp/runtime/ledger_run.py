"""Writing the ledger (``history/ledger.py``) during an ``env.py`` run.

Each step gets a ``running`` row that is committed before the step starts, and
becomes ``done`` inside the step's own transaction, together with
``alembic_version``: where DDL is transactional, the row and the revision cannot
disagree. Where the whole run is one transaction (PostgreSQL's default), the
``running`` row is written on a second, autocommit connection, so it outlives a
rollback or a killed process. After a failure the run's rows become ``failed``
(``interrupted`` for Ctrl-C). A ``running`` row that a new run finds, under the
migration lock, is a dead run's: the new run marks it ``interrupted`` and names
the revision, and where DDL commits at once (MySQL, MariaDB) what it left, and
refuses to go on while something of it is left.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from rowstamp.errors import MigrationFailedError, first_line
from rowstamp.history.checksum import ChecksumError, checksum
from rowstamp.history.ledger import Entry, Ledger, file_sha, unresolved_interruptions
from rowstamp.urls import mask_secrets

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext, MigrationInfo
    from alembic.script import ScriptDirectory

    from rowstamp.runtime.options import RunOptions

__all__ = ["Interruption", "LedgerRun", "interruption_report"]


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
    _known: dict[str, str] = field(default_factory=dict)
    """file sha -> checksum, from rows already in the ledger."""
    _started: bool = False
    _static: dict[str, Any] = field(default_factory=dict)

    def observe(self, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        """Wrap the step generator: a committed ``running`` row before each step."""

        def steps(heads: Any, context: MigrationContext) -> Iterator[Any]:
            for step in fn(heads, context):
                if not self._started:
                    self._start(context)
                info = step.info
                if not info.is_stamp:
                    row = self._row(info)
                    self._running = self._write(self.ledger.append, status="running", **row)
                    self._ids.append(self._running)
                yield step

        return steps

    def applied(self, **kw: Any) -> None:
        """Alembic's ``on_version_apply``: inside the step's transaction, with
        ``alembic_version``, the row becomes ``done`` (a stamp gets its own row)."""
        step: MigrationInfo = kw["step"]
        ctx: MigrationContext = kw["ctx"]
        connection = ctx.connection
        if connection is None:
            return
        if step.is_stamp:
            if not self._started:
                self._start(ctx)
            to = ", ".join(step.destination_revision_ids) or "base"
            self.ledger.append(
                connection,
                status="done",
                finished_at=datetime.now(UTC),
                seconds=0.0,
                note=f"stamped to {to}",
                **self._row(step),
            )
            return
        if self._running is not None:
            self.ledger.finish(connection, [self._running], "done")
            self._running = None

    def failed(self, error: BaseException) -> None:
        """After the run ended in ``error``: its unfinished rows are ``failed`` (or
        ``interrupted``); rows a whole-run rollback undid say so."""
        if not self._ids:
            return
        interrupted = isinstance(error, KeyboardInterrupt)
        status = "interrupted" if interrupted else "failed"
        what = "interrupted (Ctrl-C)" if interrupted else mask_secrets(first_line(error))
        with suppress(SQLAlchemyError), self.engine.connect() as connection:
            unfinished = self._unfinished(connection)
            if self._running is not None and self._running in unfinished:
                self.ledger.finish(connection, [self._running], status, note=what)
            undone = [i for i in unfinished if i != self._running]
            failing = self._revision_of(connection, self._running)
            self.ledger.finish(
                connection,
                undone,
                "failed",
                note=f"rolled back with the run's transaction when {failing} failed",
            )
            connection.commit()

    def close(self) -> None:
        if self._side is not None:
            with suppress(SQLAlchemyError):
                self._side.close()
            self._side = None

    def _start(self, context: MigrationContext) -> None:
        """First step of the run: create the table, settle what a dead run left."""
        self._started = True
        self._context = context
        # the ledger lives beside alembic_version, in env.py's version_table_schema
        self.ledger = Ledger(self.ledger.name, context.version_table_schema)
        if _whole_run(context) and not _external(context):
            self._side = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._write(self.ledger.create)
        entries = self._write(self.ledger.entries)
        self._known = {e.file_sha: e.checksum for e in entries if e.file_sha and e.checksum}
        self._static = _run_facts(self.engine, self.script)
        self._settle(context, entries)
        self._verify(context)

    def _settle(self, context: MigrationContext, entries: list[Entry]) -> None:
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
            )
        heads = context.get_current_heads()
        for entry in stopped:
            left = interruption_report(entry, context, self.engine, self.script, heads)
            if left.refuse:
                raise MigrationFailedError(left.line, left.hint)
            self.report(left.line)

    def _verify(self, context: MigrationContext) -> None:
        """``rowstamp verify`` before the first step: an upgrade refuses an edited
        history unless the caller accepts the edit, which is logged as an ``accept`` row."""
        from rowstamp.history.applied import accept_edited
        from rowstamp.history.verify import ledger_problems
        from rowstamp.runtime.ledger_gate import judge

        heads = context.get_current_heads()
        problems = self._write(
            lambda connection: ledger_problems(connection, self.script, self.ledger, heads=heads)
        )
        options = self.options
        verdict = judge(
            problems,
            options.accept_edited if options else (),
            options.accept_reason if options else None,
            refuse=options is None or options.command in (None, "upgrade"),
        )
        for problem in verdict.accepted:
            assert problem.path is not None and options is not None
            reason = options.accept_reason or ""
            self._write(
                accept_edited,
                ledger=self.ledger,
                revision=problem.revision,
                reason=reason,
                checksum=checksum(problem.path),
                file_sha=file_sha(problem.path),
                facts=self._static,
            )
            self.report(f"accepted the edit of applied revision {problem.revision}: {reason}")
        for line in verdict.warnings:
            self.report(line)
        if verdict.refusal is not None:
            raise verdict.refusal

    def _row(self, info: MigrationInfo) -> dict[str, Any]:
        revision = info.up_revision
        where = getattr(revision, "path", None)  # a Script's file
        path = Path(where) if where else None
        sha = file_sha(path) if path is not None and path.is_file() else None
        summed = self._known.get(sha) if sha is not None else None
        if summed is None and path is not None and sha is not None:
            with suppress(ChecksumError):
                summed = checksum(path)
            if summed is not None:
                self._known[sha] = summed
        direction = "stamp" if info.is_stamp else ("upgrade" if info.is_upgrade else "downgrade")
        return {
            "revision": str(info.up_revision_id),
            "direction": direction,
            "checksum": summed,
            "file_sha": sha,
            "started_at": datetime.now(UTC),
            **self._static,
        }

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
        if not _external(context) and connection.in_transaction():
            connection.commit()
        return result

    def _unfinished(self, connection: Connection) -> list[int]:
        entries = {e.id: e for e in self.ledger.entries(connection)}
        return [i for i in self._ids if i in entries and entries[i].status == "running"]

    def _revision_of(self, connection: Connection, row: int | None) -> str:
        for entry in self.ledger.entries(connection):
            if entry.id == row:
                return f"revision {entry.revision}"
        return "a revision"


@dataclass(frozen=True)
class Interruption:
    """What the ledger and the database say about a step a dead run left."""

    line: str
    hint: str = ""
    refuse: bool = False


def interruption_report(
    entry: Entry,
    context: MigrationContext,
    engine: Engine,
    script: ScriptDirectory,
    heads: tuple[str, ...],
) -> Interruption:
    """The interrupted step ``entry`` as the database shows it now: rolled back, done
    (stamped since), or, where DDL commits at once, what of it is left."""
    from rowstamp.runtime.failure_state import AfterFailure, object_name

    when = entry.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    what = f"the {entry.direction} of revision {entry.revision} started {when} by {entry.who}"
    is_applied = any(r.revision == entry.revision for r in script.iterate_revisions(heads, "base"))
    if is_applied == (entry.direction == "upgrade"):
        return Interruption(f"{what} was interrupted; the database has it done since (stamped)")
    if context.impl.transactional_ddl:
        return Interruption(f"{what} was interrupted; it was rolled back; running it again")
    left = AfterFailure(engine, context, script).leftovers(
        entry.revision, entry.direction == "upgrade"
    )
    if left.error is None and not left.done:
        return Interruption(
            f"{what} was interrupted; none of its changes are left; running it again"
        )
    done = ", ".join(object_name(t) for _, t in left.done) or left.error or "unknown"
    return Interruption(
        f"{what} was interrupted and is half-applied (left: {done})",
        "undo what it left or finish it and run: alembic stamp "
        f"{entry.revision if entry.direction == 'upgrade' else 'the revision before it'}; "
        "then run the upgrade again",
        refuse=True,
    )


def _whole_run(context: MigrationContext) -> bool:
    return bool(context.impl.transactional_ddl) and not context.opts.get(
        "transaction_per_migration", False
    )


def _external(context: MigrationContext) -> bool:
    from rowstamp.compat import in_external_transaction

    return in_external_transaction(context)


def _run_facts(engine: Engine, script: ScriptDirectory) -> dict[str, Any]:
    """Who runs this, from where and with what, once per run."""
    from importlib.metadata import version

    return {
        "os_user": _os_user(),
        "client_host": socket.gethostname()[:255],
        "db_user": engine.url.username,
        "git_commit": _git_commit(Path(script.dir)),
        "rowstamp_version": version("rowstamp"),
        "alembic_version": version("alembic"),
    }


def _os_user() -> str | None:
    try:
        return getpass.getuser()[:255]
    except (KeyError, OSError):
        return None


@cache
def _git_commit(directory: Path) -> str | None:
    """``$ROWSTAMP_GIT_COMMIT``, else the commit checked out where the migrations are."""
    given = os.environ.get("ROWSTAMP_GIT_COMMIT")
    if given:
        return given[:64]
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()[:64] or None
