"""``rowstamp drift``: a live database against its own history, one line per difference."""

from __future__ import annotations

from typing import Annotated

import typer

from rowstamp.cli.common import EnvOption, echo, project_config, revisions

__all__ = ["drift"]


def drift(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            metavar="URL",
            help="The database to compare (default: the environment's DATABASE_URL). Only read.",
        ),
    ] = None,
    scratch_url: Annotated[
        str | None,
        typer.Option(
            "--scratch-url",
            metavar="ADMIN_URL",
            help="An admin URL of a server of the same engine to replay the history on "
            "(default: TEST_POSTGRESQL_URL / TEST_MARIADB_URL, else a private server).",
        ),
    ] = None,
    env: EnvOption = None,
) -> None:
    """Find what was changed by hand in a database: its history, replayed on a scratch
    database to the revision it is at, against what it holds.

    Tables, columns (type, NOT NULL, default), keys, constraints, indexes, triggers and
    function bodies. Exit 1 when anything differs. Models against the database:
    rowstamp check.

    Example: rowstamp drift --url postgresql://app@db.internal/app
    """
    from rowstamp.history.drift import find_history_drift
    from rowstamp.urls import mask_secrets

    result = find_history_drift(project_config(ctx, env), url, scratch_url)
    for difference in result.differences:
        echo(mask_secrets(str(difference), *([url] if url else [])), markup=False)
    at = revisions(result.revisions)
    if result.differences:
        echo(
            f"drift: {len(result.differences)} difference(s) between {result.url} and its "
            f"history at {at}",
            markup=False,
        )
        raise typer.Exit(1)
    echo(
        f"no drift: {result.url} is what its history makes at {at} "
        f"({result.compared} objects compared on a scratch {result.engine} database)",
        markup=False,
    )
