"""Dialect-neutral SQL constructs that rowstamp renders into migrations.

A migration generated on SQLite must also run on PostgreSQL, so migrations never
hold one engine's "now" text: they hold ``utc_now(version=1)``, compiled by each
engine module. ``version`` pins the meaning: a later rowstamp adds version 2
without changing what an existing migration does.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from rowstamp.errors import UnsupportedEngineError

__all__ = ["UTC_NOW_VERSION", "expression_problem", "utc_now"]

UTC_NOW_VERSION = 1
"""The newest meaning of ``utc_now``; new migrations render this number."""


class utc_now(FunctionElement[Any]):
    """The database's current time in UTC, as the engine's timestamp column expects it."""

    type = DateTime(timezone=True)
    inherit_cache = True
    name = "utc_now"

    def __init__(self, version: int = UTC_NOW_VERSION) -> None:
        if version not in (1,):
            raise UnsupportedEngineError(
                f"utc_now(version={version}) is newer than this rowstamp",
                "upgrade rowstamp to run this migration",
            )
        self.version = version
        super().__init__()


@compiles(utc_now)
def _utc_now_unknown(element: utc_now, compiler: SQLCompiler, **kw: Any) -> str:
    from rowstamp.engines import for_dialect

    return for_dialect(compiler.dialect).utc_now_sql(compiler, element.version, **kw)


# What may not appear anywhere in an expression spliced into a trigger body: the end
# of a statement, comments (MySQL's # too), and $-quoting, which could close the
# $rowstamp$ quote around PostgreSQL's function body.
_FORBIDDEN = {
    ";": "';'",
    "--": "a comment",
    "/*": "a comment",
    "#": "a comment",
    "$": "'$' (dollar quoting)",
    "\\": "a backslash",
}
_STATEMENT_WORDS = frozenset(
    {
        "alter",
        "begin",
        "call",
        "commit",
        "copy",
        "create",
        "declare",
        "delete",
        "do",
        "drop",
        "execute",
        "grant",
        "insert",
        "into",
        "lock",
        "merge",
        "perform",
        "raise",
        "return",
        "revoke",
        "rollback",
        "select",
        "set",
        "truncate",
        "update",
        "values",
        "with",
    }
)
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\w+|\S")


def expression_problem(sql: str) -> str | None:
    """Why ``sql`` is not one SQL expression (``DATABASE_TIMESTAMP_UTC`` goes into
    trigger bodies and defaults as it is), or None when it is one."""
    for text, what in _FORBIDDEN.items():
        if text in sql:
            return f"{what} is not allowed in one SQL expression"
    depth = 0
    for token in _TOKENS.findall(sql):
        if token in {"'", '"'}:
            return "a quote is not closed"
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth < 0:
            return "a ')' closes nothing"
        if depth == 0 and token.lower() in _STATEMENT_WORDS:
            return f"{token!r} starts a statement, not an expression"
    return "a '(' is not closed" if depth else None
