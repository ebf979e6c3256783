"""The ``rowstamp`` command: a thin shell over ``rowstamp.commands`` and the check modules.

User errors print one line (what is wrong; what to do) and exit 1; a traceback
only with ``--debug`` or ``ROWSTAMP_DEBUG=1``. Heavy imports happen inside the
commands so ``rowstamp --help`` stays quick. Output is styled on a terminal and
plain everywhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from alembic.config import Config
    from rich.console import Console

    from rowstamp.runtime.status import DatabaseStatus

__all__ = ["app", "main"]

app = typer.Typer(
    name="rowstamp",
    help="The database migration guide's workflow on Alembic, with its rules enforced.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
hooks_app = typer.Typer(help="Git hooks for the Migration: commit rule.", no_args_is_help=True)
app.add_typer(hooks_app, name="hooks")

_state: dict[str, Path | str | bool | None] = {"config": None, "env": None, "debug": False}

EnvOption = Annotated[
    str | None,
    typer.Option("--env", "-e", help="Environment (default: $ENVIRONMENT or development)."),
]


def _set_env(env: str | None) -> None:
    if env:
        _state["env"] = env


@app.callback()
def _options(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Alembic config file.", show_default=False)
    ] = None,
    env: EnvOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    from rowstamp.runtime.options import debug_requested

    _state.update(config=config, env=env, debug=debug or debug_requested())


def _config() -> Config:
    from rowstamp.commands import load_config
    from rowstamp.runtime.options import RunOptions

    path, env = _state["config"], _state["env"]
    options = RunOptions(
        environment=env if isinstance(env, str) else None,
        debug=_state["debug"] is True,
        configure_logger=False,
    )
    return load_config(path if isinstance(path, Path) else None, options)


_consoles: dict[str, Console] = {}


def _echo(line: str = "", *, markup: bool = True) -> None:
    if "out" not in _consoles:
        from rich.console import Console

        _consoles["out"] = Console(highlight=False, soft_wrap=True)
    _consoles["out"].print(line, markup=markup)


def _review_new(path: Path) -> None:
    from rowstamp.cli.output import review_lines
    from rowstamp.review.reader import read_migration
    from rowstamp.review.rules import Review, review_migration

    migration = read_migration(path)
    for line in review_lines(Review(migration, review_migration(migration))):
        _echo(line)


@app.command("new")
def new(
    message: Annotated[
        str, typer.Argument(help='What the migration does, e.g. "Add posts table".')
    ],
    empty: Annotated[
        bool, typer.Option("--empty", help="Write the file even when nothing changed.")
    ] = False,
) -> None:
    """Autogenerate a migration, then review it.

    The message must describe the change (two words or more, no trailing period)
    and differ from every existing revision's message.

    Example: rowstamp new "Add posts table"
    """
    from rich.markup import escape

    from rowstamp.cli.output import relative
    from rowstamp.commands import new_revision
    from rowstamp.history.hooks import commit_command

    result = new_revision(_config(), message, allow_empty=empty)
    _echo(f"Wrote {relative(result.path)}", markup=False)
    _echo(f"  revision {result.revision}: {result.message}", markup=False)
    _review_new(result.path)
    for note in result.blind_spots:
        _echo(f"[yellow]warning[/] autogenerate-blind-spot: {escape(note)}")
    _echo("Apply it with ./scripts/dev_migrate and commit it as:", markup=False)
    _echo(f"  {commit_command(result.message)}", markup=False)


@app.command("migrate")
def migrate(
    message: Annotated[
        str, typer.Argument(help='What the migration does, e.g. "Add posts table".')
    ],
    empty: Annotated[
        bool, typer.Option("--empty", help="Write the file even when nothing changed.")
    ] = False,
) -> None:
    """Same as new (what ./scripts/migrate runs).

    Example: rowstamp migrate "Add posts table"
    """
    new(message, empty)


@app.command("review")
def review(
    revision: Annotated[
        str | None,
        typer.Argument(
            help="Revision id or migration file (default: the newest).", show_default=False
        ),
    ] = None,
) -> None:
    """Show a migration's operations, flagged.

    Every operation of the migration (default: the newest), grouped by table,
    each flagged where a human must look.

    Example: rowstamp review 3f2a9c1b7d4e
    """
    from rowstamp.cli.output import review_lines
    from rowstamp.review.lint import lint_migrations
    from rowstamp.review.reader import read_migration
    from rowstamp.review.rules import Review

    report = lint_migrations(_config(), [revision] if revision else None, squawk=False)
    for result in report.results:
        migration = read_migration(result.path)
        for line in review_lines(Review(migration, result.findings)):
            _echo(line)
    for problem in report.problems:
        _echo(f"[yellow]warning[/] {problem}", markup=True)


@app.command("lint")
def lint(
    revisions: Annotated[
        list[str] | None,
        typer.Argument(
            help="Revision ids or migration files (default: the heads).", show_default=False
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Lint every migration.")] = False,
    output: Annotated[str, typer.Option("--format", help="text, or json for tools.")] = "text",
    squawk: Annotated[
        bool | None,
        typer.Option(
            "--squawk/--no-squawk",
            help="Check the PostgreSQL SQL with squawk (default: when installed).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fail on migrations that break the rules.

    The review rules as pass/fail for CI and pre-commit, plus squawk on the
    PostgreSQL SQL of each migration when squawk is installed.

    \b
    Acknowledge a reviewed exception on the line above the operation:
        # rowstamp: allow drop-column -- nothing reads it since v2.3

    Example: rowstamp lint --all --format json
    """
    from rowstamp.cli.output import lint_lines
    from rowstamp.review.lint import lint_migrations

    fmt = _choice(output, ("text", "json"), "--format")
    config = _config()
    report = lint_migrations(config, revisions or None, every=every, squawk=squawk)
    if fmt == "json":
        root = Path(config.config_file_name or "alembic.ini").resolve().parent
        typer.echo(report.to_json(root))
    else:
        for line in lint_lines(report):
            _echo(line)
    if not report.ok:
        raise typer.Exit(1)


@app.command("check")
def check(env: EnvOption = None) -> None:
    """Fail on drift or a database not at head.

    Each difference between the models and the database (updated_at triggers
    included) is one line; several heads fail too.

    Example: rowstamp check --env production
    """
    from rowstamp.review.drift import find_drift

    _set_env(env)
    drift = find_drift(_config())
    for line in drift.differences:
        _echo(f"drift: {line}", markup=False)
    if not drift.ok:
        raise typer.Exit(1)
    _echo(f"OK: the database is at head {', '.join(drift.heads)} and matches the models.")


@app.command("heads")
def heads() -> None:
    """Show the heads; explain a fork.

    With several heads, lists the files each branch added since they forked.

    Example: rowstamp heads
    """
    from rowstamp.cli.output import heads_lines
    from rowstamp.history.heads import find_heads

    found = find_heads(_config())
    for line in heads_lines(found):
        _echo(line)
    if found.multiple:
        raise typer.Exit(1)


@app.command("merge")
def merge(
    message: Annotated[
        str | None,
        typer.Option(
            "--message", "-m", help="Message (default: names what it joins).", show_default=False
        ),
    ] = None,
) -> None:
    """Join several heads with a merge revision.

    Example: rowstamp merge
    """
    from rowstamp.cli.output import relative
    from rowstamp.history.heads import merge_heads
    from rowstamp.history.hooks import commit_command

    script = merge_heads(_config(), message)
    _echo(f"Wrote {relative(Path(script.path))}", markup=False)
    _echo(f"  revision {script.revision}: {script.doc}", markup=False)
    _echo(f"Commit it as: {commit_command(script.doc)}", markup=False)


@app.command("history")
def history() -> None:
    """List the migrations, newest first.

    Each line: revises -> revision, marks, message, the file's Create Date.

    Example: rowstamp history
    """
    from rowstamp.cli.output import history_lines
    from rowstamp.commands import history as read_history

    for line in history_lines(read_history(_config())):
        _echo(line)


@app.command("current")
def current(env: EnvOption = None) -> None:
    """Show the database's current revision.

    Example: rowstamp current --env production
    """
    from rowstamp.cli.output import history_lines
    from rowstamp.commands import current_heads, history, run_options
    from rowstamp.urls import mask_url

    _set_env(env)
    config = _config()
    settings = run_options(config).required_settings()
    at = current_heads(config)
    entries = [e for e in history(config, at) if e.is_current]
    _echo(f"{settings.environment}: {mask_url(settings.url)}", markup=False)
    for line in history_lines(entries) if entries else ["base (no migrations applied)"]:
        _echo(line)
    if any(not e.is_head for e in entries):
        _echo("[yellow]Not at head[/]: apply the rest with rowstamp upgrade")


@app.command("upgrade")
def upgrade(
    target: Annotated[str, typer.Argument(help="Revision to upgrade to.")] = "head",
    env: EnvOption = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Print the database report after.")
    ] = True,
    rehearse: Annotated[
        bool,
        typer.Option(
            "--rehearse", help="First apply to a copy restored from the backup; stop if it fails."
        ),
    ] = False,
    no_backup: Annotated[
        str | None,
        typer.Option(
            "--no-backup",
            metavar="REASON",
            help="Protected environments: skip the backup, saying why (logged).",
        ),
    ] = None,
    verify_restore: Annotated[
        bool, typer.Option("--verify-restore", help="Prove the backup by restoring it.")
    ] = False,
) -> None:
    """Apply migrations (./scripts/dev_migrate), one line per revision with its time.

    In a protected environment (production) it first takes a verified backup.

    Example: rowstamp upgrade --env production --rehearse
    """
    from rowstamp.commands import apply_migrations
    from rowstamp.runtime.options import RunOptions

    _set_env(env)
    config = _config()
    _show_progress(config)
    RunOptions.of(config).but(no_backup=no_backup, verify_restore=verify_restore).install(config)
    if rehearse:
        from rowstamp.runtime.rehearse import rehearse as run_rehearsal

        rehearsal = run_rehearsal(config, target, verify_restore=verify_restore)
        _echo(f"Rehearsal passed on a copy restored from {rehearsal.backup.path}", markup=False)
    result = apply_migrations(config, target)
    if not result.applied:
        _echo(f"Nothing to apply: the database is already at {_revs(result.after)}.")
    if report:
        _print_status(config)


def _show_progress(config: Config) -> None:
    """Print each revision as the run finishes it: ``Applied 1a2b3c Add posts ... 0.12 s``."""
    from rowstamp.runtime.options import RunOptions
    from rowstamp.runtime.progress import Step

    def show(step: Step) -> None:
        verb = "Applied" if step.upgrade else "Undid"
        _echo(f"{verb} {step.revision}  {step.message} ... {step.seconds:.2f} s", markup=False)

    RunOptions.of(config).but(printer=show).install(config)


@app.command("downgrade")
def downgrade(
    target: Annotated[str, typer.Argument(help="Revision to go back to.")] = "-1",
    env: EnvOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Undo migrations; asks outside development.

    Default: undo the newest one. Outside development it asks first; without a
    terminal (CI) it refuses unless --yes is given, so it never hangs.

    Example: rowstamp downgrade -1 --env staging --yes
    """
    from rowstamp.commands import current_heads, revert_migrations, run_options
    from rowstamp.errors import RowstampError
    from rowstamp.settings import DEFAULT_ENVIRONMENT
    from rowstamp.urls import mask_url

    _set_env(env)
    config = _config()
    settings = run_options(config).required_settings()
    if settings.environment != DEFAULT_ENVIRONMENT and not yes:
        where = f"{settings.environment} database {mask_url(settings.url)}"
        if not sys.stdin.isatty():
            raise RowstampError(
                f"refusing to downgrade the {where} without confirmation",
                "pass --yes to confirm (there is no terminal to ask on); back it up first",
            )
        at = _revs(current_heads(config))
        if not typer.confirm(f"Downgrade the {where} from {at} to {target}?", default=False):
            _echo("Nothing was changed.")
            raise typer.Exit(1)
    from rowstamp.runtime.options import RunOptions

    RunOptions.of(config).but(confirmed=True).install(config)  # asked above (or --yes)
    _show_progress(config)
    result = revert_migrations(config, target)
    _echo(f"The database is now at {_revs(result.after)}.", markup=False)


@app.command("status")
def status(env: EnvOption = None) -> None:
    """Report tables, metadata columns, triggers.

    The database URL (masked), its revision, and per table the metadata columns
    and the updated_at trigger.

    Example: rowstamp status --env development
    """
    _set_env(env)
    _print_status(_config())


@app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Project directory.")] = Path("."),
) -> None:
    """Write the guide's project layout.

    app/, alembic.ini, alembic/, scripts/ and docs/migrations.md, into a new or
    existing project.

    Existing identical files are kept; nothing is written if any file would change.

    Example: rowstamp init my-service
    """
    from rowstamp.project.scaffold import scaffold

    result = scaffold(directory)
    for name in result.written:
        _echo(f"  wrote {name}", markup=False)
    _echo(
        f"{len(result.written)} file(s) written, {len(result.unchanged)} already in place, "
        f"in {directory}. Next: set DATABASE_URL in app/envs/development.env, then run "
        './scripts/migrate "Create users table" and ./scripts/dev_migrate',
        markup=False,
    )


@hooks_app.command("install")
def hooks_install(
    force: Annotated[
        bool, typer.Option("--force", help="Replace a commit-msg hook rowstamp did not write.")
    ] = False,
) -> None:
    """Install the commit-msg hook into this git repository.

    Example: rowstamp hooks install
    """
    from rowstamp.cli.output import relative
    from rowstamp.history.hooks import install_hooks

    hook = install_hooks(force=force)
    _echo(f"Installed {relative(hook)}: commits of migrations must say 'Migration: <message>'.")


@hooks_app.command("commit-msg")
def hooks_commit_msg(
    message_file: Annotated[Path, typer.Argument(help="The commit message file git passes.")],
) -> None:
    """Check a commit message against the staged migrations (git's commit-msg hook runs this).

    Example: rowstamp hooks commit-msg .git/COMMIT_EDITMSG
    """
    from rowstamp.history.hooks import check_commit_message

    result = check_commit_message(message_file)
    for warning in result.warnings:
        typer.echo(f"rowstamp: warning: {warning}", err=True)


def _choice(value: str, allowed: tuple[str, ...], option: str) -> Literal["text", "json"]:
    from rowstamp.errors import RowstampError

    if value not in allowed:
        raise RowstampError(f"unknown {option} {value!r}", f"use one of: {', '.join(allowed)}")
    return "json" if value == "json" else "text"


def _print_status(config: Config) -> None:
    from rowstamp.runtime.status import database_status

    _render_status(database_status(config))


def _render_status(status: DatabaseStatus) -> None:
    out = [
        f"Environment: {status.environment}",
        f"Database:    {status.url} ({status.engine})",
    ]
    current = ", ".join(f"{r} ({status.messages.get(r, '?')})" for r in status.current) or "none"
    at_head = "" if status.at_head else " - NOT at head " + _revs(status.head)
    out.append(f"Revision:    {current}{at_head}")
    out.append(f"Tables:      {len(status.tables)}")
    for table in status.tables:
        columns = ", ".join(table.metadata_columns) or "no metadata columns"
        trigger = f"trigger {table.trigger}" if table.trigger else "no updated_at trigger"
        out.append(f"  {table.name}: {columns}; {trigger}")
    for line in out:
        _echo(line, markup=False)


@app.command("test")
def test(
    engine: Annotated[
        list[str] | None,
        typer.Option(
            "--engine",
            metavar="ENGINE",
            help="sqlite, postgresql or mariadb; repeatable (default: sqlite).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", metavar="URL", help="Run on this empty database instead of a scratch one."
        ),
    ] = None,
    destroy_data: Annotated[
        bool,
        typer.Option("--destroy-data", help="Let --url be a database that holds data: it is lost."),
    ] = False,
    junit_xml: Annotated[
        Path | None,
        typer.Option("--junit-xml", metavar="FILE", help="Also write a JUnit XML report here."),
    ] = None,
) -> None:
    """Test the migrations on scratch databases: stairway, model match, downgrades, contract.

    Example: rowstamp test --engine sqlite --engine postgresql --junit-xml migrations.xml
    """
    from rowstamp.testing.command import test_command

    junit = str(junit_xml) if junit_xml else None
    if not test_command(_config(), engine or [], url, junit, destroy_data=destroy_data):
        raise typer.Exit(1)


def _revs(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "base (no migrations applied)"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and exit code 1."""
    from rowstamp.runtime.diagnose import revision_warnings_as_errors

    try:
        with revision_warnings_as_errors():
            app(args=argv, prog_name="rowstamp")
    except Exception as exc:
        _fail(exc)


def _fail(exc: Exception) -> None:
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from rowstamp.errors import RowstampError, first_line
    from rowstamp.runtime.diagnose import explain
    from rowstamp.runtime.env import MigrationInterrupted
    from rowstamp.runtime.options import debug_requested
    from rowstamp.urls import mask_secrets

    if _state["debug"] is True or debug_requested():
        raise exc
    if isinstance(exc, RowstampError | CommandError):
        line = str(exc)
    elif (explained := explain(exc)) is not None:
        line = str(explained)
    elif isinstance(exc, DBAPIError):
        line = (f"the database refused a statement: {first_line(exc)}; "
                "run again with --debug for details")  # fmt: skip
    elif isinstance(exc, SQLAlchemyError):
        line = f"{first_line(exc)}; run again with --debug for details"
    else:
        raise exc
    typer.echo(f"rowstamp: error: {mask_secrets(line)}", err=True)
    sys.exit(130 if isinstance(exc, MigrationInterrupted) else 1)
