"""A database's catalog as the migration checks compare it, the same shape on every engine.

Every user object is an entry ``(kind, name) -> definition``: tables, views,
indexes, sequences, triggers and functions by name, and also each column (its type,
``NOT NULL`` and default) and each primary key, foreign key, unique and check
constraint, with what the engine says they are. A downgrade that forgets to undo a
type change, a default, a constraint or a function body then gives back a different
catalog, not just the same names. Columns and constraints are named
``<table>.<column>`` after their table's own entry, so a report can fold them into
a table that is there or gone as a whole. Each engine module reads its entries with
one catalog query per kind (``*_catalog``), never one per table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

__all__ = [
    "KIND_NAMES",
    "OWNED_KINDS",
    "Catalog",
    "CatalogBuilder",
    "column_definition",
    "folded",
    "kind_name",
    "plain_sql",
]

Catalog = dict[tuple[str, str], str]
"""``(kind, name) -> definition`` ("" where the name is all there is to compare)."""

KIND_NAMES = {
    "r": "table",
    "i": "index",
    "S": "sequence",
    "v": "view",
    "m": "materialized view",
    "p": "table",
    "I": "index",
    "base table": "table",
}
"""Catalog kinds as people say them (PostgreSQL's relkind letters, MySQL's table types)."""

OWNED_KINDS = ("column", "primary key", "foreign key", "unique constraint", "check constraint")
"""Kinds named ``<table>.<name>``: not listed one by one when their table came or went."""


def kind_name(kind: str) -> str:
    """A catalog kind as people say it (``r`` is a table)."""
    return KIND_NAMES.get(kind, kind)


def folded(keys: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """The columns and constraints among ``keys`` whose table is among them too: a
    report names the table that came or went, not each of its parts."""
    tables = {name for kind, name in keys if kind_name(kind) == "table"}
    return {
        (kind, name)
        for kind, name in keys
        if kind in OWNED_KINDS and any(name.startswith(f"{t}.") for t in tables)
    }


def plain_sql(text: object) -> str:
    """``text`` with its whitespace collapsed: a re-indented body is the same body."""
    return " ".join(str(text or "").split())


def column_definition(
    type_: object, not_null: bool, default: object = None, extra: str = ""
) -> str:
    """One column as compared: type, ``NOT NULL``, ``DEFAULT ...`` and engine extras."""
    parts = [plain_sql(type_)]
    if not_null:
        parts.append("NOT NULL")
    if default is not None and plain_sql(default):
        parts.append(f"DEFAULT {plain_sql(default)}")
    if plain_sql(extra):
        parts.append(plain_sql(extra))
    return " ".join(parts)


class CatalogBuilder:
    """Collects entries; two objects under one key (overloaded functions) keep both
    definitions, sorted, so the result does not depend on the order rows came in."""

    def __init__(self) -> None:
        self._entries: defaultdict[tuple[str, str], list[str]] = defaultdict(list)

    def add(self, kind: str, name: str, definition: object = "") -> None:
        self._entries[(kind, name)].append(plain_sql(definition))

    def build(self) -> Catalog:
        return {key: " | ".join(sorted(found)) for key, found in self._entries.items()}
