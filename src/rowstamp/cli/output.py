"""How the ``rowstamp`` command shows results: lines of console markup (``cli.markup``).

``echo`` prints the styles on a terminal and plain text anywhere else (pipes, CI
logs), so these functions only decide the words and where emphasis goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rowstamp.cli.markup import escape

if TYPE_CHECKING:
    from rowstamp.commands import HistoryEntry
    from rowstamp.history.heads import Heads
    from rowstamp.review.acknowledgements import Finding
    from rowstamp.review.lint import LintReport
    from rowstamp.review.rules import Review
    from rowstamp.runtime.status import DatabaseStatus

__all__ = [
    "heads_lines",
    "history_lines",
    "lint_lines",
    "relative",
    "review_lines",
    "status_lines",
]

ACK_EXAMPLE = "# rowstamp: allow <rule> -- <why it is safe>"
_STYLE = {"error": "bold red", "warning": "yellow"}


def relative(path: Path, root: Path | None = None) -> str:
    """``path`` relative to ``root`` (default: the current directory) when inside it."""
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


def _flag(finding: Finding) -> str:
    if finding.acknowledged is not None:
        return f"[green]ok[/] {finding.rule} (acknowledged: {escape(finding.acknowledged)})"
    style = _STYLE[finding.severity]
    return f"[{style}]{finding.severity}[/] {finding.rule}: {escape(finding.message)}"


def review_lines(review: Review) -> list[str]:
    """The review report: operations grouped by table, each with its flags."""
    from rowstamp.review.describe import describe, table_of

    migration = review.migration
    lines = [
        f"[bold]Review of {escape(relative(migration.path))}[/] "
        f"({migration.revision}: {escape(migration.message)})"
    ]
    for table, items in review.tables():
        lines.append(f"  [bold]{escape(table)}[/]")
        for item, flags in items:
            line = migration.statement_start(item.line)
            lines.append(f"    line {line:<4} {escape(describe(item.op))}")
            lines.extend(f"      {_flag(f)}" for f in flags)
            for offer in review.offers:
                if offer.line == line and offer.qualified == table_of(item.op):
                    lines.extend(f"      {escape(text)}" for text in offer.lines())
    if not migration.upgrade and "upgrade" not in migration.broken:
        lines.append("  (upgrade() runs no operation)")
    lines.extend(f"  {_flag(f)}" for f in review.general)
    errors = sum(f.failing for f in review.findings)
    warnings = sum(f.severity == "warning" and f.acknowledged is None for f in review.findings)
    if errors or warnings:
        lines.append(
            f"{errors} error(s), {warnings} warning(s). After checking a flagged operation, "
            f"acknowledge it on the line above it: {escape(ACK_EXAMPLE)}"
        )
    else:
        lines.append("Nothing flagged; still read the file before committing it.")
    return lines


def lint_lines(report: LintReport) -> list[str]:
    """One line per finding (``path:line: severity rule: message``) and a summary."""
    lines = [f"[bold red]error[/] {escape(problem)}" for problem in report.problems]
    for result in report.results:
        where = relative(result.path)
        for finding in result.findings:
            if finding.acknowledged is not None:
                continue
            at = f"{where}:{finding.line}" if finding.line else where
            style = _STYLE[finding.severity]
            lines.append(
                f"{escape(at)}: [{style}]{finding.severity}[/] {finding.rule}: "
                f"{escape(finding.message)}"
            )
    errors, warnings = report.counts()
    acknowledged = sum(f.acknowledged is not None for r in report.results for f in r.findings)
    squawk = {"ran": "squawk ran", "off": "squawk off"}.get(
        report.squawk, f"squawk: {report.squawk}"
    )
    verdict = "[bold red]failed[/]" if not report.ok else "[green]passed[/]"
    lines.append(
        f"{verdict}: {len(report.results)} migration(s), {errors} error(s), "
        f"{warnings} warning(s), {acknowledged} acknowledged; {squawk}"
    )
    return lines


def history_lines(entries: list[HistoryEntry]) -> list[str]:
    """Newest first: revision, what it revises, message, when the file was written, marks."""
    lines = []
    for entry in entries:
        down = ", ".join(entry.down_revision) or "base"
        marks = [m for m, on in (("head", entry.is_head), ("current", entry.is_current)) if on]
        mark = f" [bold cyan]({', '.join(marks)})[/]" if marks else ""
        created = f"  {entry.created}" if entry.created else ""
        lines.append(f"{down} -> [bold]{entry.revision}[/]{mark}  {escape(entry.message)}{created}")
    return lines or ['No migrations yet: create one with rowstamp new "Create users table"']


def heads_lines(heads: Heads) -> list[str]:
    """The heads; when there are several, the files each branch added since the fork."""
    if not heads.multiple:
        if not heads.branches:
            return ["No migrations yet."]
        head = heads.branches[0].head
        return [f"One head: {head.revision} ({escape(head.doc or '')}). Nothing to merge."]
    fork = heads.fork
    where = f"{fork.revision} ({escape(fork.doc or '')})" if fork else "base"
    lines = [
        f"[bold red]{len(heads.branches)} heads[/]: branches that each added migrations "
        f"on top of {where}:"
    ]
    for branch in heads.branches:
        lines.append(f"  head [bold]{branch.head.revision}[/] {escape(branch.head.doc or '')}")
        lines.extend(
            f"    {escape(relative(Path(s.path)))}  {escape(s.doc or '')}" for s in branch.revisions
        )
    lines.append(
        "Alembic cannot upgrade to one head until they are joined. Check the branches do "
        "not change the same tables, then run: rowstamp merge"
    )
    return lines


def status_lines(status: DatabaseStatus) -> list[str]:
    """``rowstamp status``: the environment, its database, revision and tables (plain text)."""
    current = ", ".join(f"{r} ({status.messages.get(r, '?')})" for r in status.current) or "none"
    head = ", ".join(status.head) or "base (no migrations applied)"
    at_head = "" if status.at_head else " - NOT at head " + head
    lines = [
        f"Environment: {status.environment}",
        f"Database:    {status.url} ({status.engine})",
        f"Revision:    {current}{at_head}",
    ]
    last = status.last_applied
    if last is not None:
        when = last.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        took = f" ({last.seconds:.2f} s)" if last.seconds is not None else ""
        who = f"{last.os_user or '?'}@{last.client_host or '?'}"
        lines.append(f"Last applied: {last.revision} by {who} at {when}{took}")
    lines.extend(_pending_lines(status))
    if status.backfills:
        count = len(status.backfills)
        lines.append(f"Backfills:   {count} unfinished (rowstamp upgrade continues them)")
        lines.extend(f"  {backfill.describe()}" for backfill in status.backfills)
    lines.append(f"Tables:      {len(status.tables)}")
    for table in status.tables:
        columns = ", ".join(table.metadata_columns) or "no metadata columns"
        trigger = f"trigger {table.trigger}" if table.trigger else "no updated_at trigger"
        lines.append(f"  {table.name}: {columns}; {trigger}")
    return lines


def _pending_lines(status: DatabaseStatus) -> list[str]:
    """The pending revisions in the two runs of a zero-downtime deploy: before it
    (``--phase expand``) and after it (a plain upgrade)."""
    if not status.pending:
        return []
    counts = {p: sum(r.phase == p for r in status.pending) for p in ("expand", "contract")}
    lines = [f"Pending:     {counts['expand']} expand, {counts['contract']} contract"]
    for before, heading in (
        (True, "before the deploy (rowstamp upgrade --phase expand):"),
        (False, "after the deploy (rowstamp upgrade):"),
    ):
        group = [r for r in status.pending if r.before_deploy is before]
        if group:
            lines.append(f"  {heading}")
            lines.extend(f"    {r.revision}  {r.phase:<8}  {r.message}" for r in group)
    return lines
