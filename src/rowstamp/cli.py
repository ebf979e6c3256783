"""The ``rowstamp`` command: a thin shell over ``rowstamp.api``.

User errors print one line (what is wrong; what to do) and exit 1; a traceback
only with ``--debug`` or ``ROWSTAMP_DEBUG=1``. Heavy imports happen inside the
commands so ``rowstamp --help`` stays quick.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.report import DatabaseStatus

__all__ = ["app", "main"]

app = typer.Typer(
    name="rowstamp",
    help="The database migration guide's workflow on Alembic, with its rules enforced.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Path | None] = {"config": None}


@app.callback()
def _options(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Alembic config file.", show_default=False)
    ] = None,
    env: Annotated[
        str | None,
        typer.Option("--env", "-e", help="Environment (default: $ENVIRONMENT or development)."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["config"] = config
    if env:
        os.environ["ENVIRONMENT"] = env
    if debug:
        os.environ["ROWSTAMP_DEBUG"] = "1"


def _config() -> Config:
    from rowstamp.api import load_config

    return load_config(_state["config"])


def _echo(line: str = "") -> None:
    typer.echo(line)


@app.command("migrate")
def migrate(
    message: Annotated[
        str, typer.Argument(help='What the migration does, e.g. "Add posts table".')
    ],
    empty: Annotated[
        bool, typer.Option("--empty", help="Write the file even when nothing changed.")
    ] = False,
) -> None:
    """Autogenerate a migration from the models (what ./scripts/migrate runs).

    Example: rowstamp migrate "Add posts table"
    """
    from rowstamp.api import new_revision

    result = new_revision(_config(), message, allow_empty=empty)
    _echo(f"Wrote {_relative(result.path)}")
    _echo(f"  revision {result.revision}: {result.message}")
    for line in result.operations or ["(no operations)"]:
        _echo(f"  - {line}")
    _echo("Review it, then apply it with ./scripts/dev_migrate and commit it as:")
    _echo(f'  git commit -m "Migration: {result.message}"')


@app.command("upgrade")
def upgrade(
    target: Annotated[str, typer.Argument(help="Revision to upgrade to.")] = "head",
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Print the database report after.")
    ] = True,
) -> None:
    """Apply migrations (what ./scripts/dev_migrate runs on development).

    Example: rowstamp --env development upgrade
    """
    from rowstamp.api import apply_migrations

    config = _config()
    result = apply_migrations(config, target)
    if not result.applied:
        _echo(f"Nothing to apply: the database is already at {_revs(result.after)}.")
    for script in result.applied:
        _echo(f"Applied {script.revision}  {script.doc}")
    if report:
        _print_status(config)


@app.command("status")
def status() -> None:
    """Report the database: URL (masked), revision, tables, metadata columns, triggers."""
    _print_status(_config())


def _print_status(config: Config) -> None:
    from rowstamp.report import database_status

    _render_status(database_status(config))


def _render_status(status: DatabaseStatus) -> None:
    _echo(f"Environment: {status.environment}")
    _echo(f"Database:    {status.url} ({status.engine})")
    current = ", ".join(f"{r} ({status.messages.get(r, '?')})" for r in status.current) or "none"
    _echo(
        f"Revision:    {current}{'' if status.at_head else ' - NOT at head ' + _revs(status.head)}"
    )
    _echo(f"Tables:      {len(status.tables)}")
    for table in status.tables:
        columns = ", ".join(table.metadata_columns) or "no metadata columns"
        trigger = f"trigger {table.trigger}" if table.trigger else "no updated_at trigger"
        _echo(f"  {table.name}: {columns}; {trigger}")


def _revs(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "base (no migrations applied)"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and exit code 1."""
    try:
        app(args=argv, prog_name="rowstamp")
    except Exception as exc:
        _fail(exc)


def _fail(exc: Exception) -> None:
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from rowstamp.errors import RowstampError
    from rowstamp.migration import debug_enabled
    from rowstamp.urls import mask_secrets

    if debug_enabled() or not isinstance(exc, RowstampError | CommandError | SQLAlchemyError):
        raise exc
    if isinstance(exc, SQLAlchemyError):
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        line = f"the database refused a statement: {first}; run again with --debug for details"
    else:
        line = str(exc)
    typer.echo(f"rowstamp: error: {mask_secrets(line)}", err=True)
    sys.exit(1)
