"""Trigger version 2 on MySQL/MariaDB: a session user variable marks writes untouched.

A user variable is the one piece of state a MySQL trigger can read that no other
session sees; it outlives transactions, so ``rowstamp.untouched`` sets it around
the writes and resets it before every commit, after every rollback and at the end,
so a pooled connection never carries it to another user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Connection, String, column, func, literal, select, table, text
from sqlalchemy.sql.elements import TextClause

__all__ = ["UNTOUCHED_VARIABLE", "MySQLUntouched"]

UNTOUCHED_VARIABLE = "@rowstamp_untouched"
"""The session variable a version 2 trigger reads: set, it leaves ``updated_at`` alone."""


def _info_schema(name: str, *columns: str) -> Any:
    # Lower-case names: information_schema columns match case-insensitively.
    return table(name, *(column(c) for c in columns), schema="information_schema")


class MySQLUntouched:
    """The version of each table's trigger, and the session mark version 2 reads."""

    if TYPE_CHECKING:  # EngineSupport's, which the support class also inherits

        def trigger_name(self, table_name: str) -> str: ...

    def trigger_versions(self, connection: Connection, schema: str | None) -> dict[str, int]:
        triggers = _info_schema(
            "TRIGGERS",
            "trigger_schema",
            "trigger_name",
            "event_object_table",
            "event_manipulation",
            "action_timing",
            "action_statement",
        )
        where = triggers.c.trigger_schema == (
            literal(schema, String) if schema is not None else func.database()
        )
        rows = connection.execute(
            select(
                triggers.c.trigger_name,
                triggers.c.event_object_table,
                triggers.c.action_statement,
            ).where(
                where,
                triggers.c.event_manipulation == "UPDATE",
                triggers.c.action_timing == "BEFORE",
            )
        )
        return {
            tbl: 2 if UNTOUCHED_VARIABLE in str(body) else 1
            for name, tbl, body in rows
            if name == self.trigger_name(tbl)
        }

    untouched_survives_transaction: ClassVar[bool] = True

    def mark_untouched(self) -> TextClause:
        return text(f"SET {UNTOUCHED_VARIABLE} = 1")

    def unmark_untouched(self) -> TextClause:
        return text(f"SET {UNTOUCHED_VARIABLE} = NULL")
