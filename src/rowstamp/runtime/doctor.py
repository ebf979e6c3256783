"""``rowstamp doctor``: one command that shows the guide holds on a live database.

Every check reads. The one that must write (does each ``updated_at`` trigger fire,
and write UTC?) does it inside a transaction that is rolled back, DML only
(``doctor_tables``). Each check gives ok, warn or fail, and a fail says how to fix
it. Checks that cannot run give a warn naming why, never a silent pass: a database
not at head is not compared with the models, and a held migration lock is not waited
for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from rowstamp.engines import EngineSupport, for_dialect
from rowstamp.engines.capabilities import Capabilities
from rowstamp.review.reader import quiet_alembic
from rowstamp.runtime.config import run_options
from rowstamp.runtime.env import connect
from rowstamp.settings import RowstampSettings
from rowstamp.urls import mask_url

__all__ = ["Diagnosis", "Finding", "Status", "diagnose"]

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    """One line of the report: a check, its status, what it found, and for a fail the fix."""

    check: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Diagnosis:
    """Every finding about one environment's database."""

    environment: str
    url: str
    """The database URL, password masked."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.status != "fail" for f in self.findings)

    def as_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "url": self.url,
            "ok": self.ok,
            "checks": [
                {"check": f.check, "status": f.status, "detail": f.detail, "fix": f.fix}
                for f in self.findings
            ],
        }


def diagnose(config: Config) -> Diagnosis:
    """Run every check on the database of ``config``'s environment."""
    from rowstamp.runtime.doctor_tables import table_findings
    from rowstamp.runtime.status import model_metadata

    run = run_options(config)
    settings = run.required_settings()
    scripts = ScriptDirectory.from_config(config)
    models = run.state.target_metadata or model_metadata(config, scripts)
    with connect(run) as connection:
        support = for_dialect(connection.dialect)
        engine = _engine(support.capabilities(connection))
        revision = _revision(connection, scripts)
        ledger = _ledger(config, connection, scripts)
        lock = _lock(connection, support)
        backfills = _backfills(connection)
        connection.rollback()  # the trigger checks begin their own transaction
        tables = table_findings(connection, support, models, settings.database_lock_timeout)
    findings = [engine, *revision, *backfills, *ledger, *tables]
    if any(f.status == "fail" for f in revision):
        findings.append(Finding("drift", "warn", "not compared: the database is not at head"))
    elif lock.status != "ok":
        findings.append(Finding("drift", "warn", "not compared: the migration lock is held"))
    else:
        findings += _drift(config)
    root = Path(config.config_file_name or ".").resolve().parent
    findings += [lock, *_backup(settings, root), *_tools(settings, support)]
    return Diagnosis(settings.environment, mask_url(settings.url), findings)


def _engine(found: Capabilities) -> Finding:
    """What the capability probe found: a missing capability is said, never passed over
    (without row triggers, ``updated_at`` is only as current as ON UPDATE or the ORM)."""
    if not found.notes and not found.missing:
        return Finding("engine", "ok", f"{found.product}: every capability rowstamp uses")
    lacks = f"; lacks {', '.join(found.missing)}" if found.missing else ""
    detail = f"{found.product}{lacks}: {'; '.join(found.notes)}".rstrip(": ")
    if found.row_triggers:
        return Finding("engine", "warn" if found.pooled else "ok", detail)
    return Finding(
        "engine",
        "warn",
        detail,
        "the trigger ops write ON UPDATE CURRENT_TIMESTAMP(6) here (MySQL family; "
        "application connections must set time_zone = '+00:00'), or grant TRIGGER",
    )


def _revision(connection: Connection, scripts: ScriptDirectory) -> list[Finding]:
    heads = tuple(scripts.get_heads())
    with quiet_alembic():
        current = tuple(MigrationContext.configure(connection).get_current_heads())
    if len(heads) > 1:
        return [
            Finding(
                "revision",
                "fail",
                f"the history has {len(heads)} heads: {', '.join(heads)}",
                "join them: rowstamp merge (see: rowstamp heads)",
            )
        ]
    unknown = [r for r in current if not _known(scripts, r)]
    if unknown:
        return [
            Finding(
                "revision",
                "fail",
                f"the database is at {', '.join(unknown)}, which no migration file defines",
                "restore its migration file (another branch? git log -- alembic/versions)",
            )
        ]
    if set(current) != set(heads):
        where = ", ".join(current) or "base (no migration applied)"
        return [
            Finding(
                "revision",
                "fail",
                f"the database is at {where}, not at head {', '.join(heads) or 'base'}",
                "apply the migrations: rowstamp upgrade",
            )
        ]
    return [Finding("revision", "ok", f"at head {', '.join(heads) or 'base'}, one head")]


def _ledger(config: Config, connection: Connection, scripts: ScriptDirectory) -> list[Finding]:
    """``rowstamp verify``'s problems: errors fail, warnings (revisions applied before
    the ledger existed) warn."""
    from rowstamp.history.ledger import Ledger, ledger_table_name
    from rowstamp.history.verify import ledger_problems

    name = ledger_table_name(config)
    if name is None:
        detail = "not verified: alembic.ini's [rowstamp] ledger_table turns the ledger off"
        return [Finding("ledger", "warn", detail)]
    problems = ledger_problems(connection, scripts, Ledger(name))
    if not problems:
        return [Finding("ledger", "ok", "the ledger agrees with the migration files")]
    return [
        Finding("ledger", "fail" if p.severity == "error" else "warn", p.message, p.hint)
        for p in problems
    ]


def _backfills(connection: Connection) -> list[Finding]:
    """A killed ``op.backfill`` left part of a table changed, its revision unapplied."""
    from rowstamp.runtime.backfill_state import unfinished_backfills

    found = unfinished_backfills(connection)
    if not found:
        return [Finding("backfill", "ok", "no unfinished backfill")]
    return [
        Finding(
            "backfill",
            "warn",
            f"unfinished: {b.describe()}",
            "continue it: rowstamp upgrade"
            + (f" (it resumes after key {b.key})" if b.last_key is not None else ""),
        )
        for b in found
    ]


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def _lock(connection: Connection, support: EngineSupport) -> Finding:
    from rowstamp.runtime.lock import migration_lock_holder

    holder = migration_lock_holder(connection)  # the lock table's holder behind a pooler
    if holder is None:
        return Finding("lock", "ok", "the migration lock is free")
    return Finding(
        "lock",
        "fail",
        f"the migration lock is held ({holder})",
        "wait for that migration to finish; if its process is gone, end the session holding it",
    )


def _drift(config: Config) -> list[Finding]:
    from rowstamp.review.drift import find_drift

    drift = find_drift(config)
    if drift.ok:
        return [Finding("drift", "ok", "the database matches the models")]
    found = []
    for line in drift.differences:
        detail, _, fix = line.partition("; ")  # a line that says what to do already
        found.append(Finding("drift", "fail", detail, fix or _DRIFT_FIX))
    return found


_DRIFT_FIX = 'write the migration: rowstamp new "<what changed>"'


def _backup(settings: RowstampSettings, root: Path) -> list[Finding]:
    from rowstamp.runtime.backup import backup_directory_problems, default_backup_dir

    if not settings.is_protected:
        return [Finding("backup", "ok", f"not needed: {settings.environment} is not protected")]
    directory = settings.backup_dir or default_backup_dir()
    problems = backup_directory_problems(directory, root)
    if not problems:
        return [Finding("backup", "ok", f"{directory} is usable and private")]
    return [Finding("backup", "fail", p.problem, p.hint) for p in problems]


def _tools(settings: RowstampSettings, support: EngineSupport) -> list[Finding]:
    from rowstamp.review.lint import squawk_path

    found = [
        Finding("tools", "ok", f"squawk: {path}")
        if (path := squawk_path())
        else Finding(
            "tools",
            "warn",
            "squawk is not installed: rowstamp lint runs without its checks",
            "install it: uv add --group dev squawk-cli",
        )
    ]
    tools = support.client_tools()
    if not tools:
        return [*found, Finding("tools", "ok", f"{support.name} backups need no client tool")]
    if not settings.is_protected:
        needed = ", ".join(tools)
        note = f"{needed}: not needed ({settings.environment} is not protected)"
        return [*found, Finding("tools", "ok", note)]
    for name, path in tools.items():
        if path is None:
            found.append(
                Finding(
                    "tools",
                    "fail",
                    f"{name} is not installed; backups of {settings.environment} need it",
                    f"install the {support.name} client tools",
                )
            )
        else:
            found.append(Finding("tools", "ok", f"{name}: {path}"))
    return found
