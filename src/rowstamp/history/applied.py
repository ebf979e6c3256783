"""What the ledger says is applied, and the rows written outside a migration step.

``rowstamp baseline`` fills the ledger of a database that ran Alembic before the
ledger existed: one ``baseline`` row per applied revision, with the checksum of its
file as it is now, so ``verify`` has something to compare with from then on. An
accepted edit (``--accept-edited``) is an ``accept`` row carrying the new checksum.
``rowstamp status`` shows the last step applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from rowstamp.history.checksum import checksum
from rowstamp.history.ledger import Entry, Ledger, file_sha

__all__ = ["APPLYING", "accept_edited", "applied_rows", "last_applied", "write_baseline"]

APPLYING = ("upgrade", "baseline", "stamp")
"""Directions of a ``done`` row after which its revision is applied."""


def applied_rows(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Per revision the ledger shows applied now, the row that applied it last."""
    applied: dict[str, Entry] = {}
    for entry in entries:
        if entry.status != "done":
            continue
        if entry.direction in ("downgrade", "unstamp"):
            applied.pop(entry.revision, None)
        elif entry.direction in APPLYING:
            applied[entry.revision] = entry
    return applied


def accept_edited(
    connection: Connection,
    ledger: Ledger,
    revision: str,
    reason: str,
    checksum: str,
    *,
    file_sha: str | None = None,
    facts: Mapping[str, Any] | None = None,
) -> int:
    """Record that the edit of applied ``revision`` is accepted, and why: an ``accept``
    row whose ``checksum`` (the file's now) is what ``verify`` compares with from now
    on. ``facts`` are the run's who/where columns. Returns the row's id."""
    now = datetime.now(UTC)
    return ledger.append(
        connection,
        revision=revision,
        direction="accept",
        status="done",
        checksum=checksum,
        file_sha=file_sha,
        started_at=now,
        finished_at=now,
        seconds=0.0,
        note=reason,
        **dict(facts or {}),
    )


def write_baseline(
    connection: Connection,
    ledger: Ledger,
    revisions: Sequence[tuple[str, Path]],
    note: str,
    facts: Mapping[str, Any] | None = None,
) -> None:
    """A ``baseline`` row (status done) for each (revision, file), in the order given
    (oldest first, so the rows keep the history's order), with the file's checksum now."""
    ledger.create(connection)
    now = datetime.now(UTC)
    for revision, path in revisions:
        ledger.append(
            connection,
            revision=revision,
            direction="baseline",
            status="done",
            checksum=checksum(path),
            file_sha=file_sha(path),
            started_at=now,
            finished_at=now,
            note=note,
            **dict(facts or {}),
        )


def last_applied(connection: Connection, ledger: Ledger) -> Entry | None:
    """The newest upgrade step that finished, or None (no ledger, or nothing applied
    through it): one query, however long the ledger."""
    if not ledger.exists(connection):
        return None
    c = ledger.table.c
    newest = (
        select(ledger.table)
        .where(c.direction == "upgrade", c.status == "done")
        .order_by(c.id.desc())
        .limit(1)
    )
    row = connection.execute(newest).first()
    return Entry(**row._mapping) if row is not None else None
