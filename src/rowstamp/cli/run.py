"""Commands that apply migrations or read the database: upgrade, downgrade, current,
status, check."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from rowstamp.cli.common import EnvOption, echo, project_config, revisions

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.runtime.progress import Step

__all__ = ["check", "current", "downgrade", "status", "upgrade"]


def upgrade(
    ctx: typer.Context,
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
    accept_edited: Annotated[
        str | None,
        typer.Option(
            "--accept-edited",
            metavar="REV[,REV]",
            help="Accept the edit of these applied revisions (logged with --reason).",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why the edit is accepted.", show_default=False),
    ] = None,
    phase: Annotated[
        Literal["expand"] | None,
        typer.Option(
            "--phase",
            help="expand: only what may run before the deploy (up to the first contract "
            "revision). Default: everything.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Apply migrations (./scripts/dev_migrate), one line per revision with its time.

    In a protected environment (production) it first takes a verified backup.
    A zero-downtime deploy runs --phase expand before the application deploy and
    a plain upgrade after it.

    Example: rowstamp upgrade --env production --rehearse
    """
    from rowstamp import commands
    from rowstamp.errors import RowstampError

    config = project_config(ctx, env)
    if phase is not None and target != "head":
        raise RowstampError(
            f"--phase {phase} chooses the revisions itself, so it takes no target ({target})",
            f"run rowstamp upgrade --phase {phase}, or rowstamp upgrade {target}",
        )
    if accept_edited is not None:  # on record before anything runs, also with nothing pending
        from rowstamp.runtime.ledger_commands import accept_edits

        accepted = [r for r in accept_edited.split(",") if r.strip()]
        for revision in accept_edits(config, accepted, reason):
            echo(f"Accepted the edit of applied revision {revision}: {reason}", markup=False)
    _with_progress(config, no_backup=no_backup, verify_restore=verify_restore)
    if phase == "expand":
        _expand(config, rehearse=rehearse)
    else:
        if rehearse:
            rehearsal = commands.rehearse(config, target)
            echo(f"Rehearsal passed on a copy restored from {rehearsal.backup.path}", markup=False)
        result = commands.apply_migrations(config, target)
        if not result.applied:
            echo(f"Nothing to apply: the database is already at {revisions(result.after)}.")
    if report:
        _print_status(config)


DOWNGRADE_CONTEXT: dict[str, Any] = {"ignore_unknown_options": True}
"""Click would read the target ``-1`` as an unknown option; this hands it to the
argument instead, and :func:`downgrade` refuses any other unknown option itself."""

_RELATIVE = re.compile(r"-\d+")


def downgrade(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Revision to go back to.")] = "-1",
    env: EnvOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Undo migrations; asks outside development.

    Default: undo the newest one. Outside development it asks first; without a
    terminal (CI) it refuses unless --yes is given, so it never hangs.

    Example: rowstamp downgrade -1 --env staging --yes
    """
    from rowstamp import commands
    from rowstamp.errors import RowstampError
    from rowstamp.runtime.protection import DowngradeDeclined

    if target.startswith("-") and not _RELATIVE.fullmatch(target):
        raise RowstampError(f"no such option: {target}", "see: rowstamp downgrade --help")
    config = project_config(ctx, env)
    _with_progress(config, confirmed=yes)
    try:
        result = commands.revert_migrations(
            config, target, ask=lambda question: typer.confirm(question, default=False)
        )
    except DowngradeDeclined:
        echo("Nothing was changed.")
        raise typer.Exit(1) from None
    echo(f"The database is now at {revisions(result.after)}.", markup=False)


def current(ctx: typer.Context, env: EnvOption = None) -> None:
    """Show the database's current revision.

    Example: rowstamp current --env production
    """
    from rowstamp import commands
    from rowstamp.cli.output import history_lines
    from rowstamp.urls import mask_url

    found = commands.current(project_config(ctx, env))
    echo(f"{found.settings.environment}: {mask_url(found.settings.url)}", markup=False)
    for line in history_lines(found.entries) if found.entries else [revisions(())]:
        echo(line)
    if any(not e.is_head for e in found.entries):
        echo("[yellow]Not at head[/]: apply the rest with rowstamp upgrade")


def status(ctx: typer.Context, env: EnvOption = None) -> None:
    """Report tables, metadata columns, triggers.

    The database URL (masked), its revision, and per table the metadata columns
    and the updated_at trigger.

    Example: rowstamp status --env development
    """
    _print_status(project_config(ctx, env))


def check(ctx: typer.Context, env: EnvOption = None) -> None:
    """Fail on drift or a database not at head.

    Each difference between the models and the database (updated_at triggers
    included) is one line; several heads fail too.

    Example: rowstamp check --env production
    """
    from rowstamp import commands

    drift = commands.check(project_config(ctx, env))
    for line in drift.differences:
        echo(f"drift: {line}", markup=False)
    if not drift.ok:
        raise typer.Exit(1)
    echo(f"OK: the database is at head {', '.join(drift.heads)} and matches the models.")


def _expand(config: Config, *, rehearse: bool) -> None:
    """The expand phase: the pending revisions before the first contract one."""
    from rowstamp import commands
    from rowstamp.runtime.phases import apply_expand, expand_plan

    target = expand_plan(config)
    if rehearse and target is not None:
        rehearsal = commands.rehearse(config, target)
        echo(f"Rehearsal passed on a copy restored from {rehearsal.backup.path}", markup=False)
    done = apply_expand(config, target)
    if done.upgrade is None:
        echo("Nothing to apply in the expand phase.", markup=False)
    if done.waiting:
        first = done.waiting[0]
        echo(
            f"Left for after the deploy: {len(done.waiting)} revision(s), from {first.revision} "
            f"({first.phase}: {first.message}); apply them then with: rowstamp upgrade",
            markup=False,
        )


def _with_progress(config: Config, **options: object) -> None:
    """Print each revision as the run finishes it: ``Applied 1a2b3c Add posts ... 0.12 s``."""
    from rowstamp.runtime.options import RunOptions

    def show(step: Step) -> None:
        verb = "Undid" if step.verb == "Reverted" else step.verb
        echo(f"{verb} {step.revision}  {step.message} ... {step.seconds:.2f} s", markup=False)

    def say(line: str) -> None:
        echo(line, markup=False)

    RunOptions.of(config).but(printer=show, say=say, **options).install(config)


def _print_status(config: Config) -> None:
    from rowstamp import commands
    from rowstamp.cli.output import status_lines

    for line in status_lines(commands.status(config)):
        echo(line, markup=False)
