"""``rowstamp test``: every migration check on each engine, a table per engine.

The CLI registers :func:`test_command`; this module holds the logic so the
command stays a thin shell. Output is a rich table on a terminal and plain
aligned text everywhere else (CI logs); a failure line names the check, the
engine, the revision and the failing statement.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from alembic.config import Config
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from rowstamp.errors import RowstampError
from rowstamp.testing.runner import EngineReport, run_checks, write_junit
from rowstamp.testing.scratch import ENGINE_OF_BACKEND, ENGINES
from rowstamp.urls import mask_secrets, mask_url

__all__ = ["parse_engines", "render_report", "test_command"]


def parse_engines(engines: Sequence[str], url: str | None) -> tuple[list[str], URL | None]:
    """Validate ``--engine``/``--url``; default: SQLite only, or the URL's engine."""
    target: URL | None = None
    if url:
        try:
            target = make_url(url)
        except ArgumentError:
            raise RowstampError(
                "--url is not a database URL", "write it like postgresql+psycopg://user@host/db"
            ) from None
        engine = ENGINE_OF_BACKEND.get(target.get_backend_name())
        if engine is None:
            raise RowstampError(
                f"--url {mask_url(target)} is on an engine rowstamp test does not support",
                f"use one of: {', '.join(ENGINES)}",
            )
        if engines and list(engines) != [engine]:
            raise RowstampError(
                f"--url {mask_url(target)} is a {engine} database but --engine says "
                f"{', '.join(engines)}",
                "give either --url or --engine, or the URL's engine",
            )
        return [engine], target
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise RowstampError(f"unknown engine {unknown[0]!r}", f"choose from: {', '.join(ENGINES)}")
    return list(dict.fromkeys(engines)) or ["sqlite"], None


def test_command(
    config: Config,
    engines: Sequence[str],
    url: str | None = None,
    junit_xml: str | None = None,
    echo: Callable[[str], None] | None = None,
    *,
    destroy_data: bool = False,
    skip: Sequence[str] = (),
) -> bool:
    """Run the checks but ``skip``, print a table per engine; True when everything passed."""
    names, target = parse_engines(engines, url)
    if destroy_data and target is None:
        raise RowstampError("--destroy-data applies only to --url", "give --url, or leave it out")
    reports: list[EngineReport] = []
    for engine in names:
        report = run_checks(config, engine, target, destroy_data=destroy_data, skip=skip)
        reports.append(report)
        render_report(report, echo)
    if junit_xml:
        write_junit(reports, junit_xml)
    return all(r.ok for r in reports)


def render_report(report: EngineReport, echo: Callable[[str], None] | None = None) -> None:
    """A table (check, revisions, time), then one line per failure."""
    rows = [
        (
            r.name,
            "FAILED" if not r.ok else "skipped" if r.skipped else "ok",
            str(r.revisions) if r.ok and not r.skipped else "-",
            f"{r.seconds:.2f} s",
        )
        for r in report.results
    ]
    title = f"{report.engine}: {'passed' if report.ok else 'FAILED'}"
    if echo is None and sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in ("check", "result", "revisions", "time"):
            table.add_column(column, justify="right" if column in {"revisions", "time"} else "left")
        for row in rows:
            style = {"FAILED": "bold red", "skipped": "yellow"}.get(row[1], "")
            table.add_row(*row, style=style)
        Console().print(table)
    else:
        out = echo or print
        out(title)
        widths = [
            max(len(row[i]) for row in [("check", "result", "revisions", "time"), *rows])
            for i in range(4)
        ]
        for row in [("check", "result", "revisions", "time"), *rows]:
            out(
                "  "
                + "  ".join(
                    cell.rjust(w) if i >= 2 else cell.ljust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
    out_line = echo or print
    for result in report.results:
        if result.failure is not None:
            out_line(f"FAILED {result.name} ({report.engine}): {mask_secrets(result.failure)}")
        elif result.skipped is not None:
            out_line(f"skipped {result.name} ({report.engine}): {result.skipped}")
