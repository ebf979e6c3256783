"""The ``rowstamp`` command: a thin shell over ``rowstamp.commands``.

``run`` applies migrations and reads the database, ``author`` writes and reviews
them, ``project`` sets up the project around them, ``drift`` compares a live
database with its history; ``output`` words the results.
User errors print one line (what is wrong; what to do) and exit 1; a traceback
only with ``--debug`` or ``ROWSTAMP_DEBUG=1``. Heavy imports happen inside the
commands so ``rowstamp --help`` stays quick. Output is styled on a terminal and
plain everywhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rowstamp.cli import author, doctor, drift, ledger, project, run
from rowstamp.cli.common import CliOptions, EnvOption, options_of
from rowstamp.cli.fleet import fleet_app

__all__ = ["app", "main"]


class _Commands(TyperGroup):
    """Runs a command; its errors leave as one line (``_fail``), also in-process."""

    # Typer hands its own Context; the base class names the private typer._click one.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from rowstamp.runtime.diagnose import revision_warnings_as_errors

        try:
            with revision_warnings_as_errors():
                return super().invoke(ctx)
        except typer.BadParameter as exc:  # a --format outside its choices, say
            if options_of(ctx).debug:
                raise
            _fail(_bad_parameter(exc, ctx), debug=False)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise  # Typer's own usage errors and exits
        except Exception as exc:
            _fail(exc, debug=options_of(ctx).debug)


app = typer.Typer(
    name="rowstamp",
    help="The database migration guide's workflow on Alembic, with its rules enforced.",
    cls=_Commands,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Alembic config file.", show_default=False)
    ] = None,
    env: EnvOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    from rowstamp.runtime.options import debug_requested

    ctx.obj = CliOptions(config, env, debug or debug_requested())


app.command("new")(author.new)
app.command("migrate", help=author.MIGRATE_HELP)(author.new)
app.command("review")(author.review)
app.command("lint")(author.lint)
app.command("check")(run.check)
app.command("heads")(author.heads)
app.command("merge")(author.merge)
app.command("history")(author.history)
app.command("current")(run.current)
app.command("upgrade")(run.upgrade)
app.command("downgrade", context_settings=run.DOWNGRADE_CONTEXT)(run.downgrade)
app.command("status")(run.status)
app.command("drift")(drift.drift)
app.command("init")(project.init)
app.add_typer(project.hooks_app, name="hooks")
app.command("test")(project.test)
app.command("verify")(ledger.verify)
app.command("baseline")(ledger.baseline)
app.command("doctor")(doctor.doctor)
app.add_typer(fleet_app, name="fleet")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and exit code 1."""
    app(args=argv, prog_name="rowstamp")


def _bad_parameter(exc: typer.BadParameter, ctx: typer.Context) -> Exception:
    from rowstamp.errors import RowstampError

    name = exc.param.opts[0] if exc.param is not None and exc.param.opts else "value"
    what = exc.message.removeprefix("Value error, ").rstrip(".")
    command = ctx.invoked_subcommand or ""
    return RowstampError(f"invalid {name}: {what}", f"see: rowstamp {command} --help")


def _fail(exc: Exception, *, debug: bool) -> None:
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from rowstamp.errors import RowstampError, first_line
    from rowstamp.runtime.diagnose import explain
    from rowstamp.runtime.env import MigrationInterrupted
    from rowstamp.urls import mask_secrets

    if debug:
        raise exc
    if isinstance(exc, RowstampError | CommandError):
        line = str(exc)
    elif (explained := explain(exc)) is not None:
        line = str(explained)
    elif isinstance(exc, DBAPIError):
        line = (
            f"the database refused a statement: {first_line(exc)}; "
            "run again with --debug for details"
        )
    elif isinstance(exc, SQLAlchemyError):
        line = f"{first_line(exc)}; run again with --debug for details"
    else:
        raise exc
    typer.echo(f"rowstamp: error: {mask_secrets(line)}", err=True)
    sys.exit(130 if isinstance(exc, MigrationInterrupted) else 1)
