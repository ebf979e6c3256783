"""Acknowledgements: a reviewed exception to a rule, written in the migration file on the
line above the operation, with its reason::

    # rowstamp: allow drop-column -- nothing reads users.nickname since v2.3

A finding so acknowledged no longer fails ``rowstamp lint``; one without a reason is an
error of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from rowstamp.review.reader import MigrationFile

__all__ = ["ACK_PATTERN", "Finding", "Severity", "acknowledge", "unexplained_acks"]

Severity = Literal["error", "warning"]

ACK_PATTERN = re.compile(
    r"#\s*rowstamp:\s*allow\s+(?P<rules>[\w/,\- ]+?)\s*(?:--\s*(?P<reason>.*))?$"
)
"""``# rowstamp: allow RULE[, RULE] -- reason``: a reviewed exception, with its reason."""


@dataclass(frozen=True)
class Finding:
    """An operation (or the whole file, line 0) that needs a human's attention."""

    rule: str
    severity: Severity
    message: str
    table: str | None = None
    line: int = 0
    acknowledged: str | None = None
    """The reason given in the acknowledging comment, if a human reviewed it."""

    @property
    def failing(self) -> bool:
        return self.severity == "error" and self.acknowledged is None


def acknowledge(migration: MigrationFile, findings: list[Finding]) -> list[Finding]:
    """Mark the findings that the file acknowledges with a reason."""
    acks = _acks(migration)
    result = []
    for finding in findings:
        reason = _reason_for(finding, acks, migration)
        result.append(replace(finding, acknowledged=reason) if reason else finding)
    return result


def unexplained_acks(migration: MigrationFile) -> list[Finding]:
    """An acknowledgement without a reason is not a review: it is an error of its own."""
    return [
        Finding(
            "ack-without-reason",
            "error",
            f"'# rowstamp: allow {', '.join(rules)}' gives no reason; add one after '--'",
            line=line,
        )
        for line, (rules, reason) in sorted(_acks(migration).items())
        if not reason
    ]


def _acks(migration: MigrationFile) -> dict[int, tuple[list[str], str]]:
    acks = {}
    for number, text in enumerate(migration.lines, start=1):
        match = ACK_PATTERN.search(text)
        if match:
            rules = [r.strip() for r in match["rules"].split(",") if r.strip()]
            acks[number] = (rules, (match["reason"] or "").strip())
    return acks


def _reason_for(
    finding: Finding, acks: dict[int, tuple[list[str], str]], migration: MigrationFile
) -> str | None:
    if finding.line == 0:
        candidates = sorted(acks)
    else:
        candidates = [finding.line]
        above = finding.line - 1
        while above > 0 and migration.lines[above - 1].strip().startswith("#"):
            candidates.append(above)
            above -= 1
    for line in candidates:
        rules, reason = acks.get(line, ([], ""))
        if reason and finding.rule in rules:
            return reason
    return None
