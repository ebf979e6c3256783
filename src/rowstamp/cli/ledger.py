"""Commands that read and fill the ledger: verify, baseline, and ``history --ledger``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from rowstamp.cli.common import EnvOption, echo, project_config

if TYPE_CHECKING:
    from rowstamp.history.ledger import Entry

__all__ = ["baseline", "entry_line", "history", "verify"]


def verify(ctx: typer.Context, env: EnvOption = None) -> None:
    """Check the database's ledger against the migration files.

    One line per problem: an applied revision edited or deleted since it ran, a
    revision applied out of order, a step left interrupted. Exit 1 on any. Upgrades
    run the same check first and refuse an edited history.

    Example: rowstamp verify --env production
    """
    from rowstamp.runtime.ledger_commands import verify_database

    found = verify_database(project_config(ctx, env))
    for problem in found.problems:
        echo(f"{problem.severity}: {problem}", markup=False)
    errors = sum(p.severity == "error" for p in found.problems)
    at = ", ".join(found.heads) or "base"
    if errors:
        where = f"{found.environment} ({found.url})"
        echo(f"failed: {errors} problem(s) in the ledger of {where}", markup=False)
        raise typer.Exit(1)
    echo(
        f"OK: the ledger of {found.environment} ({found.url}) matches the migration files "
        f"(at {at}).",
        markup=False,
    )


def baseline(
    ctx: typer.Context,
    env: EnvOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Record every applied revision again, taking its file as it is now."
        ),
    ] = False,
) -> None:
    """Record revisions applied before the ledger existed.

    One baseline row per revision in alembic_version's history that the ledger has
    no row for, with its file's checksum now, so verify can check them from now on.
    A database migrated for years by plain Alembic starts clean this way.

    Example: rowstamp baseline --env production
    """
    from rowstamp.runtime.ledger_commands import baseline as record

    done = record(project_config(ctx, env), force=force)
    shown = ", ".join(done.revisions)
    echo(
        f"Recorded {len(done.revisions)} revision(s) as baseline in the ledger of "
        f"{done.environment} ({done.url}): {shown}",
        markup=False,
    )


def history(ctx: typer.Context) -> None:
    """``rowstamp history --ledger``: the steps applied to the database, newest first."""
    from rowstamp.runtime.ledger_commands import ledger_history

    found = ledger_history(project_config(ctx))
    echo(f"{found.environment}: {found.url}", markup=False)
    for entry in reversed(found.entries):
        echo(entry_line(entry, found.messages.get(entry.revision, "")), markup=False)
    if not found.entries:
        echo("The ledger is empty: nothing was applied since it exists (see: rowstamp baseline).")


def entry_line(entry: Entry, message: str = "") -> str:
    """One ledger row: when, what, how it ended, how long, who, from which commit."""
    when = entry.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    took = f"{entry.seconds:.2f} s" if entry.seconds is not None else "-"
    commit = f"  commit {entry.git_commit[:12]}" if entry.git_commit else ""
    note = f"  ({entry.note})" if entry.note else ""
    about = f"  {message}" if message else ""
    return (
        f"{when}  {entry.direction:<9} {entry.revision}{about}  {entry.status}  {took}  "
        f"{entry.who}{commit}{note}"
    )
