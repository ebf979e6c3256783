"""The offer of ``op.backfill`` under a NOT NULL column added to a table with rows.

``ADD COLUMN ... NOT NULL`` without a server default fails on a table that holds
rows (``not-null-without-default``), and autogenerate cannot know what the rows
should hold, so it never writes a backfill. The review says how to do it in steps
instead, with the column's own table, name and type: add it nullable, fill it with
``op.backfill`` in batches once the application writes it (``touch=False`` where
the table's trigger is version 2: filling a column changes no row for incremental
readers), first in the revision where autogenerate writes the NOT NULL (the model
says it already; safe DDL on PostgreSQL), so the rows are filled before it.

Whether the table holds rows is asked of the environment's database when it is
reachable: one catalog query for the tables that exist, and one query with an
``EXISTS`` per table (it stops at the first row, so a big table costs what a
small one does), and one catalog query per schema for the trigger versions.
Otherwise the offer says "if it holds rows".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from alembic.operations import ops
from sqlalchemy import Column, create_engine, exists, inspect, literal, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from rowstamp.engines import for_name
from rowstamp.errors import RowstampError
from rowstamp.review.describe import flatten
from rowstamp.runtime.options import RunOptions

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.types import TypeEngine

    from rowstamp.review.reader import MigrationFile
    from rowstamp.review.rules import Review
    from rowstamp.settings import RowstampSettings

__all__ = ["BackfillOffer", "offer_backfills"]

_Table = tuple[str | None, str]
"""(schema, table name)."""


@dataclass(frozen=True)
class BackfillOffer:
    """Steps that add ``column`` to ``table`` without failing on its rows."""

    line: int
    """The first line of the ``add_column`` statement the offer is about."""
    table: str
    schema: str | None
    column: Column[Any]
    holds_rows: bool | None
    """True: the database says so; None: unknown (not reachable, or not there yet)."""
    untouched: bool = True
    """Write ``touch=False``: the table's trigger is version 2, or its version is not
    known (a version 1 trigger refuses it in one line); False under a version 1
    trigger, or none."""

    @property
    def qualified(self) -> str:
        """``schema.table`` as ``describe.table_of`` names it."""
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def lines(self) -> list[str]:
        """The offer as the review prints it under the operation."""
        name, table = str(self.column.name), self.table
        kind, value = _type_code(self.column.type), _example_value(self.column.type)
        t, c = _quoted(table), _quoted(name)
        schema = f", schema={_quoted(self.schema)}" if self.schema else ""
        touch = ", touch=False" if self.untouched else ""  # leaves updated_at alone
        why = (
            f"{table} holds rows, so this fails on it"
            if self.holds_rows
            else f"if {table} holds rows, this fails on it"
        )
        return [
            f"offer: {why}; add {name} in steps, filling it with op.backfill "
            '(docs/zero-downtime.md, "Batched backfills"):',
            f"  1. here: op.add_column({t}, sa.Column({c}, {kind}, nullable=True){schema})",
            f"     then deploy code that writes {name}",
            f'  2. rowstamp new --phase contract "Fill {table} {name} and require it": '
            "autogenerate writes the NOT NULL (on PostgreSQL, for a table that exists, in the "
            "safe form: a validated CHECK first); first in its upgrade():",
            f"     op.backfill({t}, values={{{c}: {value}}}, "
            f'where="{name} IS NULL", batch_size=1000{schema}{touch})',
            f"  ({value} is an example: a constant, or an expression of the row's columns "
            "such as sa.column(...))",
        ]


def offer_backfills(config: Config, reviews: Sequence[Review]) -> list[Review]:
    """``reviews`` with a backfill offer under each NOT NULL column without a server
    default that a migration adds to a table it did not create."""
    found = [_candidates(review.migration) for review in reviews]
    tables = {(o.schema, o.table) for offers in found for o in offers}
    rows, versions = _tables_with_rows(config, tables) if tables else (None, None)
    out = []
    for review, offers in zip(reviews, found, strict=True):
        known = [
            replace(
                o,
                holds_rows=None if rows is None else rows.get((o.schema, o.table)),
                untouched=_untouched(versions, o),
            )
            for o in offers
        ]
        # an empty table in a reachable database takes the column as it is
        out.append(replace(review, offers=tuple(o for o in known if o.holds_rows is not False)))
    return out


def _candidates(migration: MigrationFile) -> list[BackfillOffer]:
    new = {
        (item.op.schema, item.op.table_name)
        for item in migration.upgrade
        if isinstance(item.op, ops.CreateTableOp)
    }
    offers = []
    for item in migration.upgrade:
        for op in flatten([item.op]):
            if not isinstance(op, ops.AddColumnOp) or (op.schema, op.table_name) in new:
                continue
            column = op.column
            if column.nullable or column.server_default is not None or column.computed:
                continue
            line = migration.statement_start(item.line)
            offers.append(BackfillOffer(line, op.table_name, op.schema, column, None))
    return offers


def _settings(config: Config) -> RowstampSettings | None:
    """The environment's settings; None when they cannot load (review runs without them)."""
    from rowstamp.runtime.config import project_settings

    options = RunOptions.of(config)
    if options.settings is not None:
        return options.settings
    try:
        return project_settings(config, options.environment)
    except RowstampError:
        return None


def _untouched(versions: dict[_Table, int] | None, offer: BackfillOffer) -> bool:
    """Whether the example writes ``touch=False`` (see ``BackfillOffer.untouched``)."""
    version = None if versions is None else versions.get((offer.schema, offer.table))
    return version is None or version >= 2


def _tables_with_rows(
    config: Config, tables: set[_Table]
) -> tuple[dict[_Table, bool | None] | None, dict[_Table, int] | None]:
    """For each table: holds rows, is empty (False), or is not in the database (None);
    and for each table there, its updated_at trigger's version (0: none), one catalog
    query per schema. None for both when the database cannot be reached."""
    settings = _settings(config)
    if settings is None:
        return None, None
    try:
        support = for_name(settings.url.get_backend_name())
        url = support.read_only_url(settings.url)
    except RowstampError:
        return None, None
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            schemas = {s for s, _ in tables}
            there = {
                (schema, name)
                for schema in schemas
                for name in inspector.get_table_names(schema)
                if (schema, name) in tables
            }
            if not there:
                return dict.fromkeys(tables), {}
            triggers = {s: support.trigger_versions(connection, s) for s in schemas}
            ordered = sorted(there, key=lambda t: (t[0] or "", t[1]))
            probe = select(
                *(
                    exists(select(literal(1)).select_from(table(name, schema=schema))).label(
                        f"t{i}"
                    )
                    for i, (schema, name) in enumerate(ordered)
                )
            )
            found = connection.execute(probe).one()
    except SQLAlchemyError:
        return None, None
    finally:
        engine.dispose()
    result: dict[_Table, bool | None] = dict.fromkeys(tables)
    result.update({t: bool(v) for t, v in zip(ordered, found, strict=True)})
    return result, {(s, n): triggers[s].get(n, 0) for s, n in there}


def _quoted(text: str) -> str:
    """A name as a migration file writes it: in double quotes."""
    return json.dumps(text)


def _type_code(kind: TypeEngine[Any]) -> str:
    """The column's type as a migration writes it (``sa.String(length=200)``)."""
    code = repr(kind)
    return f"sa.{code}" if type(kind).__module__.startswith("sqlalchemy") else code


def _example_value(kind: TypeEngine[Any]) -> str:
    """A constant of the column's type, for the example."""
    try:
        python = kind.python_type
    except NotImplementedError:
        return 'sa.text("...")'
    examples: dict[type, str] = {str: '""', bool: "False", int: "0", float: "0", Decimal: "0"}
    for base, example in examples.items():
        if issubclass(python, base):
            return example
    return 'sa.text("...")'
