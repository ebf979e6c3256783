"""Unfinished backfills as ``rowstamp_backfill`` records them, in words.

A killed ``op.backfill`` keeps the batches it committed: its revision is not
applied, but part of its rows are changed. Every report about the database
(``rowstamp status``, ``rowstamp doctor``, the line the next run prints about the
killed one) must say so, or a user who reads "rolled back" believes the table is
as before. They all read the progress table here, with one query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, inspect, select

from rowstamp.runtime.backfill import PROGRESS_TABLE, progress_table

__all__ = ["Unfinished", "unfinished_backfills"]


@dataclass(frozen=True)
class Unfinished:
    """One backfill that started and has not ended: what it changed so far, and when."""

    table: str
    revision: str | None
    """The revision whose ``op.backfill`` it is (None: started outside a rowstamp run)."""
    rows_walked: int
    rows_updated: int
    rows_total: int | None
    """The rows to walk, counted when it (last) started; None: not counted yet."""
    last_key: list[object] | None
    """The last key committed; None: no batch committed yet."""
    started_at: datetime
    last_batch_at: datetime

    @property
    def key(self) -> str:
        return json.dumps(self.last_key)

    @property
    def how_far(self) -> str:
        """``15 of 60 rows walked (25%), 15 updated``."""
        walked = f"{self.rows_walked} rows walked"
        if self.rows_total:
            share = 100 * self.rows_walked / self.rows_total
            walked = f"{self.rows_walked} of {self.rows_total} rows walked ({share:.0f}%)"
        return f"{walked}, {self.rows_updated} updated"

    @property
    def when(self) -> str:
        """``last batch 2026-11-26 11:37:40 UTC, started 11:37:37 UTC``."""
        last = self.last_batch_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        fmt = "%H:%M:%S UTC" if self.started_at.date() == self.last_batch_at.date() else None
        started = self.started_at.strftime(fmt or "%Y-%m-%d %H:%M:%S UTC")
        return f"last batch {last}, started {started}"

    def describe(self) -> str:
        """One line: ``items (revision b3): 15 of 60 rows walked (25%), ... started ...``."""
        revision = f"revision {self.revision}" if self.revision else "revision unknown"
        through = f", through key {self.key}" if self.last_key is not None else ""
        return f"{self.table} ({revision}): {self.how_far}{through}; {self.when}"

    def kept(self) -> str:
        """What a report of the run that stopped in it says: the batches are not undone."""
        if self.last_key is None:  # stopped counting, or in its first batch
            return (
                f"its backfill of {self.table} had started but committed no batch; everything "
                "the run did before the backfill started is kept"
            )
        return (
            f"its backfill of {self.table} committed {self.rows_walked} rows (through key "
            f"{self.key}) before it stopped; they are kept, and so is everything the run did "
            "before the backfill started"
        )


def unfinished_backfills(connection: Connection, *, exists: bool | None = None) -> list[Unfinished]:
    """Every row of the progress table, oldest first; none when there is no table.

    ``exists`` is what the caller's own catalog read already knows about the table,
    so it is not asked again."""
    if exists is None:
        exists = inspect(connection).has_table(PROGRESS_TABLE)
    if not exists:
        return []
    progress = progress_table()
    rows = connection.execute(select(progress).order_by(progress.c.started_at)).all()
    return [
        Unfinished(
            table=row.table_name,
            revision=row.revision,
            rows_walked=int(row.rows_walked),
            rows_updated=int(row.rows_updated),
            rows_total=None if row.rows_total is None else int(row.rows_total),
            last_key=json.loads(row.last_key),
            started_at=row.started_at,
            last_batch_at=row.last_batch_at,
        )
        for row in rows
    ]
