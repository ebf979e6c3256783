"""What every ``rowstamp`` command shares: the global options, ``--env``, the
project's Alembic ``Config`` carrying them to env.py, and printing.

Nothing here is process state: the global options live on Typer's context of one
invocation, so an in-process run (Typer's ``CliRunner``) leaks nothing to the next.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "CliOptions",
    "EnvOption",
    "echo",
    "echo_lines",
    "options_of",
    "project_config",
    "revisions",
]

EnvOption = Annotated[
    str | None,
    typer.Option("--env", "-e", help="Environment (default: $ENVIRONMENT or development)."),
]
"""``--env``, accepted before the command and after it."""


@dataclass(frozen=True)
class CliOptions:
    """The options given before the command: ``rowstamp --env staging status``."""

    config: Path | None = None
    env: str | None = None
    debug: bool = False


def options_of(ctx: typer.Context) -> CliOptions:
    """This invocation's global options (defaults when the callback did not run)."""
    return ctx.obj if isinstance(ctx.obj, CliOptions) else CliOptions()


def project_config(ctx: typer.Context, env: str | None = None) -> Config:
    """The project's ``Config``, carrying the environment (``env``, else the global
    ``--env``) and ``--debug`` to the commands and env.py as ``RunOptions``."""
    from rowstamp.commands import load_config
    from rowstamp.runtime.options import RunOptions

    given = options_of(ctx)
    options = RunOptions(environment=env or given.env, debug=given.debug, configure_logger=False)
    return load_config(given.config, options)


def echo(line: str = "", *, markup: bool = True) -> None:
    """Print a line: styled (``cli.markup``) on a terminal, plain elsewhere."""
    if markup:
        from rowstamp.cli.markup import render, styles_for

        attributes, colours = styles_for(sys.stdout)
        line = render(line, attributes=attributes, colours=colours)
    print(line, flush=True)


def echo_lines(lines: list[str]) -> None:
    """Print lines of markup as ``echo`` prints each, in one call: a console per line
    cost more than the review of a thousand-table migration itself."""
    if lines:
        echo("\n".join(lines))


def revisions(heads: tuple[str, ...]) -> str:
    """Revisions as a user reads them; none is ``base``."""
    return ", ".join(heads) or "base (no migrations applied)"
