"""Commands for the project around the migrations: init, hooks, test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rowstamp.cli.common import echo, project_config

__all__ = ["hooks_app", "init", "test"]

hooks_app = typer.Typer(help="Git hooks for the Migration: commit rule.", no_args_is_help=True)


def init(
    directory: Annotated[Path, typer.Argument(help="Project directory.")] = Path("."),
) -> None:
    """Write the guide's project layout.

    app/, alembic.ini, alembic/, scripts/ and docs/migrations.md, into a new or
    existing project.

    Existing identical files are kept; nothing is written if any file would change.

    Example: rowstamp init my-service
    """
    from rowstamp import commands

    result = commands.init(directory)
    for name in result.written:
        echo(f"  wrote {name}", markup=False)
    echo(
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
    from rowstamp import commands
    from rowstamp.cli.output import relative

    hook = commands.install_hooks(force=force)
    echo(f"Installed {relative(hook)}: commits of migrations must say 'Migration: <message>'.")


@hooks_app.command("commit-msg")
def hooks_commit_msg(
    message_file: Annotated[Path, typer.Argument(help="The commit message file git passes.")],
) -> None:
    """Check a commit message against the staged migrations (git's commit-msg hook runs this).

    Example: rowstamp hooks commit-msg .git/COMMIT_EDITMSG
    """
    from rowstamp import commands

    result = commands.check_commit(message_file)
    for warning in result.warnings:
        typer.echo(f"rowstamp: warning: {warning}", err=True)


def test(
    ctx: typer.Context,
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
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            metavar="CHECK",
            help="A check not to run, by its printed name ('round trip'); repeatable.",
        ),
    ] = None,
) -> None:
    """Test the migrations on scratch databases: stairway, model match, downgrades, contract.

    Example: rowstamp test --engine sqlite --engine postgresql --junit-xml migrations.xml
    """
    from rowstamp import commands

    junit = str(junit_xml) if junit_xml else None
    passed = commands.run_migration_tests(
        project_config(ctx), engine or [], url, junit, destroy_data=destroy_data, skip=skip or []
    )
    if not passed:
        raise typer.Exit(1)
