"""``rowstamp lint``: the review's rules as pass/fail for CI and pre-commit.

Adds what only the whole history or the SQL shows: several heads fail the lint,
and ``squawk`` checks the PostgreSQL SQL each migration runs (generated with
Alembic's offline mode, so no server is needed). A finding is acknowledged with
``# rowstamp: allow RULE -- reason`` in the migration file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from rowstamp.compat import upgrade_steps
from rowstamp.engines import neutral_dialect
from rowstamp.engines.dual_write import DUAL_WRITE_PREFIX
from rowstamp.errors import RevisionError, RowstampError, first_line
from rowstamp.history.frozen import frozen_problems
from rowstamp.history.heads import find_heads, multiple_heads_error
from rowstamp.review.acknowledgements import Finding, acknowledge
from rowstamp.review.copy_rules import table_copy_findings
from rowstamp.review.reader import MigrationFile, quiet_alembic, read_migration
from rowstamp.review.rules import review_migration
from rowstamp.runtime.options import RunOptions

__all__ = ["SQUAWK_EXCLUDED", "LintReport", "LintResult", "lint_migrations", "squawk_path"]

SQUAWK_EXCLUDED = {
    "prefer-text-field": "column types are the models' choice, not a migration's",
    "prefer-bigint-over-int": "column types are the models' choice, not a migration's",
    "prefer-bigint-over-smallint": "column types are the models' choice, not a migration's",
    "prefer-identity": "SQLAlchemy renders an Integer primary key as SERIAL",
    "require-lock-timeout": "timeouts belong to the deploy's connection, not each migration",
    "require-statement-timeout": "timeouts belong to the deploy's connection, not each migration",
    "prefer-robust-stmts": (
        "Alembic runs PostgreSQL DDL in one transaction; IF NOT EXISTS would hide drift"
    ),
}
"""squawk rules rowstamp turns off, each with its reason (a project's .squawk.toml adds more)."""

_SQUAWK_TO_RULE = {
    "ban-drop-column": "drop-column",
    "ban-drop-table": "drop-table",
    "changing-column-type": "type-change",
    "adding-not-nullable-field": "not-null-without-default",
    "adding-required-field": "not-null-without-default",
    "require-concurrent-index-creation": "index-locks-table",
    "disallowed-unique-constraint": "unique-on-existing-table",
    "adding-foreign-key-constraint": "foreign-key-validates",
}
"""squawk rules that say what a rowstamp rule already says (with the file's line)."""

_OFFLINE_URL = f"{neutral_dialect().name}://rowstamp@offline.invalid/rowstamp"
"""Never reached: Alembic's offline mode only needs the dialect (the settings add the driver)."""


@dataclass(frozen=True)
class LintResult:
    """One migration file's findings."""

    path: Path
    revision: str
    message: str
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.failing for f in self.findings)


@dataclass
class LintReport:
    """Every linted migration, plus problems of the history as a whole."""

    results: list[LintResult]
    problems: list[str] = field(default_factory=list)
    squawk: str = "off"
    """``ran``, ``off``, or why it did not run."""

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.results)

    def counts(self) -> tuple[int, int]:
        findings = [f for r in self.results for f in r.findings if f.acknowledged is None]
        errors = sum(f.severity == "error" for f in findings) + len(self.problems)
        return errors, sum(f.severity == "warning" for f in findings)

    def to_json(self, root: Path) -> str:
        errors, warnings = self.counts()
        data: dict[str, Any] = {
            "ok": self.ok,
            "errors": errors,
            "warnings": warnings,
            "problems": self.problems,
            "squawk": self.squawk,
            "migrations": [
                {
                    "revision": r.revision,
                    "message": r.message,
                    "path": _relative(r.path, root),
                    "ok": r.ok,
                    "findings": [asdict(f) for f in r.findings],
                }
                for r in self.results
            ],
        }
        return json.dumps(data, indent=2)


def lint_migrations(
    config: Config,
    targets: list[str] | None = None,
    *,
    every: bool = False,
    squawk: bool | None = None,
    frozen_since: str | None = None,
) -> LintReport:
    """Lint ``targets`` (revision ids or file paths; default: the heads, or all with ``every``).

    ``squawk`` None runs it when the ``squawk`` command is installed. ``frozen_since``
    (a git ref) adds a problem per migration file at that ref edited or deleted since.
    """
    scripts = _scripts(config)
    heads = find_heads(config)
    problems = [str(multiple_heads_error(heads))] if heads.multiple else []
    if frozen_since is not None:
        problems.extend(frozen_problems(config, frozen_since))
    files = _files(scripts, targets or [], every)
    executable = squawk_path()
    state = "off" if squawk is False else ("ran" if executable else "not installed")
    checked = 0
    if squawk is True and not executable:
        raise RowstampError(
            "squawk is not installed", "install it (uv add --group dev squawk-cli) or drop --squawk"
        )
    results = []
    migrations = [read_migration(path) for path, _ in files]
    copies = table_copy_findings(config, migrations)
    for (path, script), migration, copied in zip(files, migrations, copies, strict=True):
        findings = [*review_migration(migration), *copied]
        if state == "ran" and executable and script is not None:
            extra = _squawk(config, scripts, executable, migration, findings)
            findings = [*findings, *acknowledge(migration, extra)]
            checked += 1
        results.append(LintResult(path, migration.revision, migration.message, findings))
    if state == "ran" and not checked:
        state = "no revision in alembic/versions to check"
    return LintReport(results, problems, state)


def _scripts(config: Config) -> ScriptDirectory:
    try:
        return ScriptDirectory.from_config(config)
    except CommandError as exc:
        raise RevisionError(str(exc).rstrip("."), "check alembic.ini") from None


def _files(
    scripts: ScriptDirectory, targets: list[str], every: bool
) -> list[tuple[Path, Script | None]]:
    by_path = {Path(s.path).resolve(): s for s in _walk(scripts)}
    if every:
        return [(Path(s.path), s) for s in reversed(list(by_path.values()))]
    if not targets:
        targets = list(scripts.get_heads())
    files: list[tuple[Path, Script | None]] = []
    for target in targets:
        path = Path(target)
        if path.suffix == ".py":
            if not path.is_file():
                raise RowstampError(f"no migration file {target}", "check the path")
            files.append((path, by_path.get(path.resolve())))
            continue
        try:
            script = scripts.get_revision(target)
        except CommandError as exc:
            raise RevisionError(
                f"unknown revision {target!r}: {str(exc).rstrip('.')}",
                "pass a revision id from rowstamp history, or a file path",
            ) from None
        if not isinstance(script, Script):
            raise RevisionError(f"unknown revision {target!r}", "see: rowstamp history")
        files.append((Path(script.path), script))
    return files


def _walk(scripts: ScriptDirectory) -> list[Script]:
    try:
        return [s for s in scripts.walk_revisions() if isinstance(s, Script)]
    except CommandError as exc:
        raise RevisionError(str(exc).rstrip("."), "fix the files in alembic/versions") from None


def squawk_path() -> str | None:
    """The ``squawk`` command lint runs: on PATH, else beside this Python; None: missing."""
    candidate = Path(sys.executable).parent / "squawk"
    return shutil.which("squawk") or (str(candidate) if candidate.is_file() else None)


def offline_sql(config: Config, scripts: ScriptDirectory, migration: MigrationFile) -> str:
    """The PostgreSQL SQL of one revision's upgrade, from Alembic's offline (``--sql``)
    mode, run in this process as ``alembic upgrade <down>:<revision> --sql`` runs it,
    on the lint's one ``ScriptDirectory``."""
    from rowstamp.runtime.config import project_settings

    down = migration.down_revision[0] if migration.down_revision else None
    options = RunOptions.of(config)  # the caller's environment and --debug
    settings = (
        options.settings.with_url(_OFFLINE_URL)
        if options.settings is not None
        else project_settings(config, options.environment, database_url=_OFFLINE_URL)
    )  # the environment's own URL is not needed, and may be unknown here (CI)
    offline = options.but(settings=settings, configure_logger=False)
    sql, previous = StringIO(), config.output_buffer
    config.output_buffer = sql
    try:
        with (
            offline.applied(config),
            quiet_alembic(),
            EnvironmentContext(
                config,
                scripts,
                as_sql=True,
                starting_rev=down,
                destination_rev=migration.revision,
                fn=lambda rev, _: upgrade_steps(scripts, migration.revision, rev),
            ),
        ):
            scripts.run_env()
    except Exception as exc:
        if options.debug:
            raise
        raise RowstampError(
            f"alembic --sql failed for {migration.revision}: {first_line(exc)}"
        ) from None
    finally:
        config.output_buffer = previous
    return sql.getvalue()


def _squawk(
    config: Config,
    scripts: ScriptDirectory,
    executable: str,
    migration: MigrationFile,
    findings: list[Finding],
) -> list[Finding]:
    if migration.is_merge:
        return []
    try:
        sql = offline_sql(config, scripts, migration)
    except RowstampError as exc:
        return [Finding("squawk", "warning", f"{exc}; squawk did not run")]
    done = subprocess.run(
        [
            executable,
            "--reporter",
            "json",
            "--stdin-filepath",
            f"{migration.revision}.sql",
            "--exclude",
            ",".join(sorted(SQUAWK_EXCLUDED)),
        ],
        input=sql,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    try:
        reported: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [Finding("squawk", "warning", f"squawk failed: {last}")]
    seen = {f.rule for f in findings}
    lines = sql.splitlines()
    extra = []
    for item in reported:
        name = str(item.get("rule_name", "unknown"))
        number = int(item.get("line", 0))
        statement = lines[number].strip() if 0 <= number < len(lines) else ""
        if _SQUAWK_TO_RULE.get(name) in seen or _own_function(name, statement):
            continue
        message = f"{item.get('message', '')} {item.get('help') or ''}".strip()
        extra.append(
            Finding(f"squawk/{name}", "error", f"{message} [PostgreSQL SQL: {statement[:80]}]")
        )
    return extra


def _own_function(rule: str, statement: str) -> bool:
    """squawk's ban-drop-function on a safe rename's trigger function: rowstamp's own
    object, which only its trigger calls, so no client breaks (the column drop is
    still flagged)."""
    return rule == "ban-drop-function" and DUAL_WRITE_PREFIX in statement


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
