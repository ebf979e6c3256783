"""``rowstamp doctor``: the guide's checks on a live database, as a table or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from rowstamp.cli.common import EnvOption, echo, project_config

if TYPE_CHECKING:
    from rowstamp.runtime.doctor import Diagnosis

__all__ = ["doctor", "doctor_lines"]

_STYLE = {"ok": "green", "warn": "yellow", "fail": "red"}


def doctor(
    ctx: typer.Context,
    env: EnvOption = None,
    output: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text, or json for tools.")
    ] = "text",
) -> None:
    """Check that the guide holds on the database; exit 1 on any fail.

    At head with one head, the five columns and each updated_at trigger (fired
    in a transaction that is rolled back, with the session time zone at +05:00 to
    prove it writes UTC), no drift from the models, the migration lock free, the
    backup directory and client tools of protected environments, squawk. Nothing
    is changed.

    Example: rowstamp doctor --env production --format json
    """
    from rowstamp.runtime.doctor import diagnose

    diagnosis = diagnose(project_config(ctx, env))
    if output == "json":
        typer.echo(json.dumps(diagnosis.as_json(), indent=2))
    else:
        for line in doctor_lines(diagnosis):
            echo(line)
    if not diagnosis.ok:
        raise typer.Exit(1)


def doctor_lines(diagnosis: Diagnosis) -> list[str]:
    """The report: one line per finding (status, check, what), a fix under each fail."""
    from rowstamp.cli.markup import escape

    width = max((len(f.check) for f in diagnosis.findings), default=0)
    lines = [escape(f"{diagnosis.environment}: {diagnosis.url}")]
    for f in diagnosis.findings:
        status = f"[{_STYLE[f.status]}]{f.status:<4}[/]"
        lines.append(f"{status}  {f.check:<{width}}  {escape(f.detail)}")
        if f.fix:
            lines.append(f"      {'':<{width}}  fix: {escape(f.fix)}")
    counts = {s: sum(f.status == s for f in diagnosis.findings) for s in _STYLE}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    lines.append(("passed: " if diagnosis.ok else "failed: ") + summary)
    return lines
