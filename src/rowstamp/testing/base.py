"""What every migration check shares: a run on one scratch database, and its result.

Migrations run in-process through Alembic's command API, with the scratch
database's Engine in its ``RunOptions.connection`` (``migration.connect`` in
env.py uses it instead of the configured URL), so a check can never touch the
development or production database by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from io import StringIO
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from rowstamp.compat import downgrade_steps, upgrade_steps
from rowstamp.engines import EngineSupport, for_dialect
from rowstamp.engines.catalog import OWNED_KINDS, Catalog, folded, kind_name
from rowstamp.errors import RowstampError, first_line
from rowstamp.history.baseline import baseline_revisions, own_history
from rowstamp.history.ledger import own_tables
from rowstamp.runtime.options import RunOptions
from rowstamp.testing.check_settings import CheckSettings

__all__ = ["CheckFailed", "CheckResult", "MigrationRun", "Skipped"]


class CheckFailed(Exception):
    """A check found a problem; the message names the revision and what failed."""


class Skipped(Exception):
    """A check could not run because an earlier one failed (its message says which)."""


@dataclass
class CheckResult:
    """One check on one engine: how many revisions it covered and how long it took."""

    name: str
    engine: str
    revisions: int
    seconds: float
    failure: str | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class MigrationRun:
    """Alembic's ``Config`` bound to one scratch database's ``Engine``."""

    config: Config
    engine: Engine

    def __post_init__(self) -> None:
        # a scratch database: no backup, no prompt
        options = RunOptions.of(self.config)
        options.but(connection=self.engine, scratch=True, configure_logger=False).install(
            self.config
        )
        if self.settings.baseline_schema is not None:
            # the schema the project's own history left, stamped: only later revisions run
            from rowstamp.testing.at_baseline import build_at_baseline  # imports this module

            build_at_baseline(self, self.settings.baseline_schema)
            return
        # what the project's own code created before its first revision (create_all)
        self.settings.create_initial_schema(self.engine)

    @cached_property
    def settings(self) -> CheckSettings:
        """The project's settings of the checks (alembic.ini ``[rowstamp]``)."""
        return CheckSettings.of(self.config)

    @property
    def support(self) -> EngineSupport:
        return for_dialect(self.engine.dialect)

    @cached_property
    def scripts(self) -> ScriptDirectory:
        """One ``ScriptDirectory`` for the whole run: Alembic's commands build a new one
        each call and read every revision file again, which made a stairway over N
        revisions cost N squared file loads."""
        return ScriptDirectory.from_config(self.config)

    def revisions(self) -> list[Script]:
        """Every revision, oldest first."""
        return list(reversed(list(self.scripts.walk_revisions())))

    @cached_property
    def _baseline(self) -> tuple[str, ...]:
        """The baseline the walks start from (none: they start from base)."""
        return () if self.settings.walk_from_base else baseline_revisions(self.config)

    @cached_property
    def _own(self) -> frozenset[str]:
        return own_history(self.config, self.scripts) if self._baseline else frozenset()

    def tested_revisions(self) -> list[Script]:
        """The revisions the stairway, round trip, clean downgrade and data tests walk,
        oldest first: those after ``[rowstamp] baseline`` (every one without it, or with
        ``test_walk_from = base``). The project's own history is upgraded in one go: its
        downgrades were never rowstamp's promise."""
        return [s for s in self.revisions() if s.revision not in self._own]

    @property
    def start(self) -> str:
        """Where those checks start and a clean downgrade ends: base, or the baseline."""
        return next(iter(self._baseline), "base")

    def reach_start(self) -> None:
        """Upgrade to the baseline (nothing without one, or once there)."""
        for revision in self._baseline:
            self.upgrade(revision)

    def upgrade(self, target: str, revision: str | None = None) -> None:
        """Upgrade to ``target``; a failure names ``revision`` (default: target) and statement."""
        with _step("upgrade", revision or target):
            scripts = self.scripts
            # what alembic.command.upgrade does, on the run's ScriptDirectory
            self._run_env(target, lambda rev, _: upgrade_steps(scripts, target, rev))

    def downgrade(self, target: str, revision: str) -> None:
        """Downgrade to ``target``; a failure names ``revision`` and the statement."""
        with _step("downgrade", revision):
            scripts = self.scripts
            # what alembic.command.downgrade does, on the run's ScriptDirectory
            self._run_env(target, lambda rev, _: downgrade_steps(scripts, target, rev))

    def _run_env(self, target: str, fn: Callable[[Any, Any], Any]) -> None:
        with EnvironmentContext(self.config, self.scripts, fn=fn, destination_rev=target):
            self.scripts.run_env()

    def catalog(self) -> Catalog:
        """Every object with its definition (``engines.catalog``), without Alembic's
        version table, the ledger and backfill tables (with their id sequences) and the project's
        allowed leftovers (``test_allow_leftovers``), an allowed table's columns and
        constraints included."""
        with self.engine.connect() as connection:
            objects = self.support.catalog_objects(connection)
        allowed, ours = self._allowed, self._ours
        tables = {n for k, n in objects if kind_name(k) == "table" and allowed("table", n)}

        def kept(kind: str, name: str) -> bool:
            if not ours(kind, name):
                return False
            # an allowed table's columns and constraints are allowed with it: the owner
            # is a prefix of the name up to a dot (a table's name may hold dots itself)
            return kind not in OWNED_KINDS or not any(
                name[:dot] in tables for dot, char in enumerate(name) if char == "."
            )

        return {key: definition for key, definition in objects.items() if kept(*key)}

    @cached_property
    def _allowed(self) -> Callable[[str, str], bool]:
        """``test_allow_leftovers`` by kind and name, remembered: a stairway reads the
        catalog three times a revision, and its objects are mostly the same each time."""
        return cache(self.settings.allowed)

    @cached_property
    def _ours(self) -> Callable[[str, str], bool]:
        """Whether an object is neither rowstamp's or Alembic's own nor an allowed
        leftover, remembered by kind and name."""
        own = own_tables(self.config)
        allowed = self._allowed

        @cache
        def ours(kind: str, name: str) -> bool:
            return not any(t in name for t in own) and not allowed(kind_name(kind), name)

        return ours

    def quiet(self) -> StringIO:
        """Send Alembic's own printed lines (``check``) into a buffer."""
        buffer = StringIO()
        self.config.stdout = buffer
        return buffer


@contextmanager
def _step(operation: str, revision: str) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        raise CheckFailed(f"{revision}: {operation} failed: {describe_error(exc)}") from None
    except (CommandError, RowstampError) as exc:
        # env.py turns a failed statement into a one-line report for people at a
        # terminal; the database error it came from is still the exception's context
        cause = _database_error(exc)
        detail = describe_error(cause) if cause is not None else str(exc)
        raise CheckFailed(f"{revision}: {operation} failed: {detail}") from None


def _database_error(exc: BaseException) -> DBAPIError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DBAPIError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def describe_error(exc: DBAPIError) -> str:
    """The database's first line and the statement it refused, on one line."""
    first = first_line(exc)
    statement = " ".join(str(exc.statement or "").split())
    if len(statement) > 200:
        statement = statement[:197] + "..."
    return f"{first} (statement: {statement})" if statement else first


_SHORT = 80
"""A definition longer than this (a function body) is said to differ, not shown."""


def diff(before: Catalog, after: Catalog) -> str:
    """What appeared, what vanished and what changed between two catalogs, on one line."""
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    hidden = folded(added + removed)
    parts = [f"left behind {kind_name(k)} {n}" for k, n in added if (k, n) not in hidden]
    parts += [f"missing {kind_name(k)} {n}" for k, n in removed if (k, n) not in hidden]
    for key in sorted(before.keys() & after.keys()):
        was, now = before[key], after[key]
        if was != now:
            kind = kind_name(key[0])
            if max(len(was), len(now)) > _SHORT:
                parts.append(f"changed {kind} {key[1]} (its definition differs)")
            else:
                parts.append(f"changed {kind} {key[1]}: {now or '-'} (was {was or '-'})")
    return "; ".join(parts)
