"""Commands for writing and reviewing migrations: new (migrate), review, lint, heads,
merge, history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from rowstamp.cli.common import echo, echo_lines, project_config

__all__ = ["MIGRATE_HELP", "heads", "history", "lint", "merge", "new", "review"]

MIGRATE_HELP = (
    'Same as new (what ./scripts/migrate runs).\n\nExample: rowstamp migrate "Add posts table"'
)
"""``migrate`` is ``new`` under the name ``./scripts/migrate`` and the guide use."""


def new(
    ctx: typer.Context,
    message: Annotated[
        str, typer.Argument(help='What the migration does, e.g. "Add posts table".')
    ],
    empty: Annotated[
        bool, typer.Option("--empty", help="Write the file even when nothing changed.")
    ] = False,
    phase: Annotated[
        Literal["expand", "contract"],
        typer.Option(
            "--phase",
            help="contract: it drops, renames or narrows, so it runs after the deploy.",
        ),
    ] = "expand",
) -> None:
    """Autogenerate a migration, then review it.

    The message must describe the change (two words or more, no trailing period)
    and differ from every existing revision's message. A contract revision
    (--phase contract) is applied after the application deploy; see
    docs/zero-downtime.md.

    Example: rowstamp new "Add posts table"
    """
    from rowstamp import commands
    from rowstamp.cli.markup import escape
    from rowstamp.cli.output import relative, review_lines
    from rowstamp.errors import RowstampError
    from rowstamp.history.hooks import commit_command
    from rowstamp.review.backfill_offer import offer_backfills
    from rowstamp.review.reader import Direction, read_migration
    from rowstamp.review.rules import Review, review_migration
    from rowstamp.runtime.heap import frozen_heap
    from rowstamp.runtime.options import RunOptions

    config = project_config(ctx)
    RunOptions.of(config).but(phase=phase).install(config)
    with frozen_heap():  # compare and render allocate a lot: runtime/heap.py
        result = commands.new_revision(config, message, allow_empty=empty)
    echo(f"Wrote {relative(result.path)}", markup=False)
    echo(f"  revision {result.revision}: {result.message}", markup=False)
    migration = result.migration or read_migration(result.path)  # the same review either way
    if migration.broken:  # it would fail on the first ./scripts/dev_migrate
        direction: Direction = "upgrade" if "upgrade" in migration.broken else "downgrade"
        raise RowstampError(
            f"{relative(result.path)}: {migration.errors[direction]}",
            "fix the file (or delete it and fix the model), then review it: rowstamp review",
        )
    if phase == "contract" and migration.phase != "contract":  # a project's own template
        raise RowstampError(
            f'{relative(result.path)} was written without phase = "contract": the project\'s '
            "alembic/script.py.mako does not write the phase",
            'add phase = "contract" to the file (see docs/zero-downtime.md for the template)',
        )
    [reviewed] = offer_backfills(config, [Review(migration, review_migration(migration))])
    echo_lines(review_lines(reviewed))
    for note in result.blind_spots:
        echo(f"[yellow]warning[/] autogenerate-blind-spot: {escape(note)}")
    echo("Apply it with ./scripts/dev_migrate and commit it as:", markup=False)
    echo(f"  {commit_command(result.message)}", markup=False)


def review(
    ctx: typer.Context,
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
    from rowstamp import commands
    from rowstamp.cli.output import review_lines

    reviewed = commands.review(project_config(ctx), revision)
    for one in reviewed.reviews:
        echo_lines(review_lines(one))
    for problem in reviewed.problems:
        echo(f"[yellow]warning[/] {problem}", markup=True)


def lint(
    ctx: typer.Context,
    revisions: Annotated[
        list[str] | None,
        typer.Argument(
            help="Revision ids or migration files (default: the heads).", show_default=False
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Lint every migration.")] = False,
    output: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text, or json for tools.")
    ] = "text",
    squawk: Annotated[
        bool | None,
        typer.Option(
            "--squawk/--no-squawk",
            help="Check the PostgreSQL SQL with squawk (default: when installed).",
            show_default=False,
        ),
    ] = None,
    frozen_since: Annotated[
        str | None,
        typer.Option(
            "--frozen-since",
            metavar="REF",
            help="Fail if a migration file that exists at git ref REF was edited or deleted.",
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

    In CI, merged migrations are history: --frozen-since origin/main fails on any
    migration file there that was edited (what it runs, not its formatting) or deleted.

    Example: rowstamp lint --all --format json
    """
    from rowstamp import commands
    from rowstamp.cli.output import lint_lines

    config = project_config(ctx)
    report = commands.lint(
        config, revisions or (), every=every, squawk=squawk, frozen_since=frozen_since
    )
    if output == "json":
        root = Path(config.config_file_name or "alembic.ini").resolve().parent
        typer.echo(report.to_json(root))
    else:
        for line in lint_lines(report):
            echo(line)
    if not report.ok:
        raise typer.Exit(1)


def heads(ctx: typer.Context) -> None:
    """Show the heads; explain a fork.

    With several heads, lists the files each branch added since they forked.

    Example: rowstamp heads
    """
    from rowstamp import commands
    from rowstamp.cli.output import heads_lines

    found = commands.heads(project_config(ctx))
    for line in heads_lines(found):
        echo(line)
    if found.multiple:
        raise typer.Exit(1)


def merge(
    ctx: typer.Context,
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
    from rowstamp import commands
    from rowstamp.cli.output import relative
    from rowstamp.history.hooks import commit_command

    script = commands.merge(project_config(ctx), message)
    echo(f"Wrote {relative(Path(script.path))}", markup=False)
    echo(f"  revision {script.revision}: {script.doc}", markup=False)
    echo(f"Commit it as: {commit_command(script.doc)}", markup=False)


def history(
    ctx: typer.Context,
    ledger: Annotated[
        bool,
        typer.Option("--ledger", help="The steps applied to the database: when, how long, who."),
    ] = False,
) -> None:
    """List the migrations, newest first.

    Each line: revises -> revision, marks, message, the file's Create Date. With
    --ledger: each step applied to the database, from its ledger.

    Example: rowstamp history --ledger
    """
    from rowstamp import commands
    from rowstamp.cli import ledger as applied
    from rowstamp.cli.output import history_lines

    if ledger:
        applied.history(ctx)
        return

    for line in history_lines(commands.history(project_config(ctx))):
        echo(line)
