"""The typed API behind ``rowstamp verify``, ``baseline``, ``upgrade --accept-edited``
and ``history --ledger``: each takes the project's ``Config`` (``commands.py`` style)
and works on the environment's database, under the migration lock when it writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from rowstamp.errors import RowstampError
from rowstamp.history.applied import accept_edited, write_baseline
from rowstamp.history.checksum import checksum
from rowstamp.history.ledger import Entry, Ledger, file_sha, ledger_table_name
from rowstamp.history.messages import revision_messages
from rowstamp.history.verify import Problem, before_ledger, ledger_problems
from rowstamp.runtime.config import run_options
from rowstamp.runtime.env import connect, locked
from rowstamp.runtime.ledger_gate import judge
from rowstamp.runtime.ledger_run import run_facts
from rowstamp.urls import mask_url

__all__ = [
    "Baselined",
    "LedgerHistory",
    "Verification",
    "accept_edits",
    "baseline",
    "ledger_history",
    "project_ledger",
    "verify_database",
]


@dataclass(frozen=True)
class Verification:
    """``rowstamp verify``'s findings on one environment's database."""

    environment: str
    url: str
    """Masked."""
    heads: tuple[str, ...]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """No error (a warning, such as revisions applied before the ledger, passes)."""
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True)
class Baselined:
    """The revisions ``rowstamp baseline`` recorded, oldest first."""

    environment: str
    url: str
    revisions: list[str]


@dataclass(frozen=True)
class LedgerHistory:
    """The ledger's rows, oldest first, with each revision's message."""

    environment: str
    url: str
    entries: list[Entry]
    messages: dict[str, str]


def project_ledger(config: Config) -> Ledger:
    """The project's ledger; one line when alembic.ini turns it off."""
    name = ledger_table_name(config)
    if name is None:
        raise RowstampError(
            "this project keeps no ledger (alembic.ini: [rowstamp] ledger_table = off)",
            "remove that line, so each upgrade records its steps",
        )
    return Ledger(name)


def verify_database(config: Config) -> Verification:
    """Compare the ledger of the environment's database with the migration files."""
    run = run_options(config)
    settings = run.required_settings()
    ledger, script = project_ledger(config), ScriptDirectory.from_config(config)
    with connect(run) as connection:
        heads = tuple(MigrationContext.configure(connection).get_current_heads())
        problems = ledger_problems(connection, script, ledger, heads=heads)
    return Verification(settings.environment, mask_url(settings.url), heads, problems)


def accept_edits(config: Config, revisions: Sequence[str], reason: str | None) -> list[str]:
    """Record that the edits of the applied ``revisions`` are accepted (an ``accept``
    row each, with ``reason``); returns their ids. One line when a revision is not an
    edited applied one or no reason is given."""
    run = run_options(config)
    ledger, script = project_ledger(config), ScriptDirectory.from_config(config)
    with connect(run) as connection, locked(connection, run):
        problems = ledger_problems(connection, script, ledger)
        verdict = judge(problems, revisions, reason, refuse=False)
        facts = run_facts(connection.engine, script)
        for problem in verdict.accepted:
            assert problem.path is not None
            accept_edited(
                connection,
                ledger,
                problem.revision,
                reason or "",
                checksum(problem.path),
                file_sha=file_sha(problem.path),
                facts=facts,
            )
        connection.commit()
    return [p.revision for p in verdict.accepted]


def baseline(config: Config, *, force: bool = False) -> Baselined:
    """Fill the ledger from ``alembic_version`` and the files as they are now.

    Without ``force`` it records the revisions applied before the ledger existed
    (all of them when the ledger is empty) and refuses when there are none: a row
    the ledger has is never replaced. ``force`` records every applied revision
    again, taking its file as it is now as the reference (an edit since is accepted).
    """
    run = run_options(config)
    settings = run.required_settings()
    ledger, script = project_ledger(config), ScriptDirectory.from_config(config)
    where = f"{settings.environment} ({mask_url(settings.url)})"
    with connect(run) as connection, locked(connection, run):
        heads = tuple(MigrationContext.configure(connection).get_current_heads())
        if not heads:
            raise RowstampError(
                f"the database of {where} has no revision applied (alembic_version is "
                "empty), so there is nothing to record",
                "apply the migrations instead: rowstamp upgrade (the ledger records each step)",
            )
        if force:
            chosen = [s.revision for s in _applied_scripts(script, heads)]
        else:
            chosen = before_ledger(connection, script, ledger, heads)
            if not chosen:
                raise RowstampError(
                    f"the ledger of {where} already records every applied revision",
                    "to take the files as they are now as the reference for all of them "
                    "(accepting any edit since they ran): rowstamp baseline --force",
                )
        paths = {s.revision: Path(s.path) for s in _applied_scripts(script, heads)}
        note = "baseline --force: the file as it is now" if force else "applied before the ledger"
        facts = run_facts(connection.engine, script)
        write_baseline(connection, ledger, [(r, paths[r]) for r in chosen], note, facts)
        connection.commit()
    return Baselined(settings.environment, mask_url(settings.url), chosen)


def _applied_scripts(script: ScriptDirectory, heads: tuple[str, ...]) -> list[Script]:
    """The revisions ``heads`` stand for, oldest first."""
    walked = script.iterate_revisions(heads, "base")
    return [s for s in reversed(list(walked)) if isinstance(s, Script)]


def ledger_history(config: Config) -> LedgerHistory:
    """Every row of the environment's ledger, oldest first."""
    run = run_options(config)
    settings = run.required_settings()
    ledger, script = project_ledger(config), ScriptDirectory.from_config(config)
    with connect(run) as connection:
        entries = ledger.entries(connection)
    try:
        messages = revision_messages(script)
    except (KeyError, CommandError, UserWarning):  # a file is missing: verify names it
        messages = {}
    return LedgerHistory(settings.environment, mask_url(settings.url), entries, messages)
