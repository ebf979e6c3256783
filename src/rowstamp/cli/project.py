"""Commands for the project around the migrations: init, hooks, test."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rowstamp.cli.common import echo, options_of, project_config

__all__ = ["hooks_app", "init", "test"]

hooks_app = typer.Typer(help="Git hooks for the Migration: commit rule.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Project directory.")] = Path("."),
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Add rowstamp to an existing Alembic project, keeping its alembic.ini, "
            "env.py and history; shows the changes first.",
        ),
    ] = False,
    package: Annotated[
        str | None,
        typer.Option(
            "--package",
            metavar="NAME",
            help="With --adopt: the project's Python package (default: the one env.py imports).",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --adopt: write the changes without asking.")
    ] = False,
) -> None:
    """Write the guide's project layout, or adopt an existing project (--adopt).

    app/, alembic.ini, alembic/, scripts/, docs/migrations.md and .gitignore lines, into
    a new or existing project.

    Existing identical files are kept; nothing is written if any file would change.

    With --adopt, the global --config names an alembic.ini that is not in the project
    directory.

    Example: rowstamp init my-service; rowstamp init --adopt --package tracker
    """
    from rowstamp import commands

    if adopt:
        _adopt(directory, package, options_of(ctx).config, yes=yes)
        return
    result = commands.init(directory)
    for name in result.written:
        echo(f"  wrote {name}", markup=False)
    echo(
        f"{len(result.written)} file(s) written, {len(result.unchanged)} already in place, "
        f"in {directory}. Next: set DATABASE_URL in app/envs/development.env, then run "
        './scripts/migrate "Create users table" and ./scripts/dev_migrate',
        markup=False,
    )


def _adopt(directory: Path, package: str | None, ini: Path | None, *, yes: bool) -> None:
    """Show the adoption's diff; write it with --yes or when the user confirms."""
    from rowstamp import commands
    from rowstamp.urls import mask_secrets

    adoption = commands.plan_adoption(directory, package, ini)
    if not adoption.changes:
        echo(f"{directory} has already adopted rowstamp: nothing to change.", markup=False)
        return
    for change in adoption.changes:
        typer.echo(mask_secrets(change.diff()))  # the diff shows URLs: never a password
    baseline = adoption.baseline or "none (the history is empty)"
    echo(f"baseline: {baseline}; package: {adoption.package}", markup=False)
    for note in adoption.notes:
        echo(f"note: {note}", markup=False)
    count = len(adoption.changes)
    if not yes and not (sys.stdin.isatty() and typer.confirm(f"Write these {count} file(s)?")):
        echo(
            f"Nothing was written. To write these {count} file(s): rowstamp init --adopt "
            "--yes (with the same options).",
            markup=False,
        )
        return
    commands.adopt(adoption)
    echo(
        f"{count} file(s) written. Next: add rowstamp's MetadataColumns to your declarative "
        'base, then ./scripts/migrate "Adopt rowstamp metadata columns" (docs/adopting.md).',
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
