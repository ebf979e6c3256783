"""The guide's "always review auto-generated code", as rules a machine applies first.

Each rule is one small function whose docstring says which failure it prevents.
A rule flags an operation that needs a human; a flagged operation that a human
has reviewed is acknowledged in the migration file, on the line above it::

    # rowstamp: allow drop-column -- nothing reads users.nickname since v2.3
    op.drop_column("users", "nickname")

Errors fail ``rowstamp lint``; warnings are shown but pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alembic.operations import ops
from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint

from rowstamp.autogen.ops import CreateUpdatedAtTriggerOp
from rowstamp.history.phases import declared_phase
from rowstamp.model.columns import METADATA_COLUMNS
from rowstamp.review.acknowledgements import Finding, Severity, acknowledge, unexplained_acks
from rowstamp.review.contract_ops import column_drop, contract_change
from rowstamp.review.describe import table_of
from rowstamp.review.reader import MigrationFile, RecordedOp

if TYPE_CHECKING:
    from rowstamp.review.backfill_offer import BackfillOffer

__all__ = ["RULES", "Review", "Rule", "review_migration"]


@dataclass(frozen=True)
class Rule:
    """A rule's id, severity and check; the check's docstring is the failure it prevents."""

    id: str
    severity: Severity
    check: Callable[[_Context], Iterator[tuple[RecordedOp | None, str]]]

    @property
    def prevents(self) -> str:
        return (self.check.__doc__ or "").strip().splitlines()[0]


@dataclass
class _Context:
    migration: MigrationFile
    upgrade: list[RecordedOp]
    new_tables: set[str] = field(default_factory=set)

    def on_existing_tables(self, *kinds: type[ops.MigrateOperation]) -> Iterator[RecordedOp]:
        for item in self.upgrade:
            if isinstance(item.op, kinds) and table_of(item.op) not in self.new_tables:
                yield item


RULES: list[Rule] = []


def _rule(
    rule_id: str, severity: Severity
) -> Callable[
    [Callable[[_Context], Iterator[tuple[RecordedOp | None, str]]]],
    Callable[[_Context], Iterator[tuple[RecordedOp | None, str]]],
]:
    def register(
        check: Callable[[_Context], Iterator[tuple[RecordedOp | None, str]]],
    ) -> Callable[[_Context], Iterator[tuple[RecordedOp | None, str]]]:
        RULES.append(Rule(rule_id, severity, check))
        return check

    return register


@_rule("drop-table", "error")
def _drop_table(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """Deleting a table and every row in it by accident."""
    for item in ctx.upgrade:
        if isinstance(item.op, ops.DropTableOp):
            yield item, "drops the table and all its rows; back it up or move the data first"


@_rule("drop-column", "error")
def _drop_column(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """Deleting a column's data, and breaking code still deployed that reads it."""
    for item in ctx.upgrade:
        if (dropping := column_drop(item.op)) is not None:
            yield item, f"{dropping}; deploy code that no longer reads it first"


@_rule("type-change", "error")
def _type_change(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A type change that fails on existing values, truncates them, or rewrites the table."""
    for item in ctx.on_existing_tables(ops.AlterColumnOp):
        assert isinstance(item.op, ops.AlterColumnOp)
        if item.op.modify_type is not None:
            yield (
                item,
                (
                    f"changes the type of {item.op.column_name}: existing values may not convert "
                    "and PostgreSQL may rewrite the table under a lock"
                ),
            )


@_rule("not-null-without-default", "error")
def _not_null(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A NOT NULL column or constraint that fails as soon as the table has rows."""
    for item in ctx.on_existing_tables(ops.AddColumnOp, ops.AlterColumnOp):
        op = item.op
        if isinstance(op, ops.AddColumnOp):
            if not op.column.nullable and op.column.server_default is None:
                yield (
                    item,
                    (
                        f"adds NOT NULL column {op.column.name} without a server default: fails on "
                        "a table with rows; add server_default= or fill it in steps"
                    ),
                )
        elif (
            isinstance(op, ops.AlterColumnOp)
            and op.modify_nullable is False
            and op.existing_nullable is not False
            and not _has_server_default(op)
        ):
            yield (
                item,
                (
                    f"makes {op.column_name} NOT NULL without a default: fails if any row "
                    "holds NULL; update those rows first, in this migration or an earlier one"
                ),
            )


def _has_server_default(op: ops.AlterColumnOp) -> bool:
    """Whether the column keeps or gets a server default: ``False`` leaves it as it was,
    ``None`` drops it. Compared, never truth-tested: a SQL expression (``sa.text()``,
    ``utc_now()``) has no truth value."""
    modified = op.modify_server_default
    default = op.existing_server_default if modified is False else modified
    return default is not None and default is not False


@_rule("index-locks-table", "error")
def _index_locks(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """An index build that blocks every write to a live table while it runs (PostgreSQL)."""
    for item in ctx.on_existing_tables(ops.CreateIndexOp):
        assert isinstance(item.op, ops.CreateIndexOp)
        if not item.op.kw.get("postgresql_concurrently"):
            yield (
                item,
                (
                    f"builds index {item.op.index_name} on an existing table while blocking writes "
                    "on PostgreSQL; use postgresql_concurrently=True inside op.get_context()"
                    ".autocommit_block()"
                ),
            )


@_rule("unique-on-existing-table", "error")
def _unique(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A unique constraint that fails on duplicates already in the table."""
    for item in ctx.on_existing_tables(ops.CreateIndexOp, ops.CreateUniqueConstraintOp):
        op = item.op
        if isinstance(op, ops.CreateUniqueConstraintOp) or (
            isinstance(op, ops.CreateIndexOp) and op.unique
        ):
            name = getattr(op, "constraint_name", None) or getattr(op, "index_name", None)
            yield (
                item,
                (
                    f"adds unique {name} to a table that has rows: it fails on duplicates; check "
                    "for them first"
                ),
            )


@_rule("foreign-key-validates", "error")
def _foreign_key(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A foreign key whose validation scans the table under a lock (PostgreSQL)."""
    for item in ctx.on_existing_tables(ops.CreateForeignKeyOp):
        assert isinstance(item.op, ops.CreateForeignKeyOp)
        if not item.op.kw.get("postgresql_not_valid"):
            yield (
                item,
                (
                    f"adds foreign key {item.op.constraint_name} to an existing table, validating "
                    "every row under a lock on PostgreSQL; add postgresql_not_valid=True, then "
                    "VALIDATE CONSTRAINT in a later migration"
                ),
            )


@_rule("rename-as-drop-add", "error")
def _rename(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A rename that autogenerate wrote as drop + add, which loses the data."""
    dropped: dict[str, RecordedOp] = {}
    for item in ctx.upgrade:
        if isinstance(item.op, ops.DropColumnOp):
            dropped.setdefault(f"column:{table_of(item.op)}", item)
        elif isinstance(item.op, ops.DropTableOp):
            dropped.setdefault("table", item)
    for item in ctx.upgrade:
        op = item.op
        if isinstance(op, ops.AddColumnOp) and f"column:{table_of(op)}" in dropped:
            gone = dropped[f"column:{table_of(op)}"].op
            assert isinstance(gone, ops.DropColumnOp)
            yield (
                item,
                (
                    f"adds {op.column.name} and drops {gone.column_name}: if this is a rename, use "
                    f"op.alter_column(..., new_column_name=...) so the data stays"
                ),
            )
        elif isinstance(op, ops.CreateTableOp) and "table" in dropped:
            yield (
                item,
                (
                    f"creates {op.table_name}, drops {table_of(dropped['table'].op)}: if this is "
                    "a rename, use op.rename_table() so the data stays"
                ),
            )


@_rule("contract-in-expand", "error")
def _contract_in_expand(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """An expand revision that breaks the code still deployed while it runs."""
    if declared_phase(ctx.migration.phase) is None:
        yield None, f'phase = {ctx.migration.phase!r} is not a phase; write phase = "contract"'
    elif declared_phase(ctx.migration.phase) == "expand":
        for item in ctx.upgrade:
            if change := contract_change(item.op):
                yield (
                    item,
                    f"{change} in an expand revision, which runs before the deploy while the old "
                    'code still uses it; move it to a contract revision (phase = "contract")',
                )


@_rule("empty-upgrade", "error")
def _empty_upgrade(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A migration that changes nothing (``pass``), recorded as if it did."""
    if not ctx.migration.is_merge and "upgrade" not in ctx.migration.errors and not ctx.upgrade:
        yield None, "upgrade() does nothing; write the change or delete the file"


@_rule("empty-downgrade", "error")
def _empty_downgrade(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A migration that cannot be rolled back in an emergency (``pass`` in downgrade())."""
    migration = ctx.migration
    if migration.is_merge or "downgrade" in migration.errors or migration.downgrade:
        return
    if ctx.upgrade:
        yield None, "downgrade() does nothing; write the steps that undo upgrade()"


@_rule("cannot-run", "error")
def _cannot_run(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """A migration that fails on every database (an undefined name, a failed import)."""
    for direction in sorted(ctx.migration.broken):
        yield None, f"{ctx.migration.errors[direction]}; fix the file"


@_rule("unreadable", "warning")
def _unreadable(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """Operations a review cannot see because they need a live database."""
    for direction, error in ctx.migration.errors.items():
        if direction not in ctx.migration.broken:
            yield None, f"{error}; review that part by hand"


@_rule("several-tables", "warning")
def _several_tables(ctx: _Context) -> Iterator[tuple[RecordedOp | None, str]]:
    """Non-atomic migrations: one change per migration rolls back and reviews cleanly."""
    tables = sorted({t for item in ctx.upgrade if (t := table_of(item.op))})
    if len(_changes(tables, ctx)) > 1:
        yield (
            None,
            (
                f"changes {len(tables)} tables ({', '.join(tables)}); the guide asks for one "
                "change per migration"
            ),
        )


def _changes(tables: list[str], ctx: _Context) -> set[str]:
    """``tables`` grouped into changes, each named by one table: a table created in this
    migration with a foreign key to another one created here (a parent and its child)
    is part of the same change."""
    group = {table: table for table in tables}

    def root(table: str) -> str:
        while group[table] != table:
            table = group[table]
        return table

    for child, parent in _new_foreign_keys(ctx):
        if child in group and parent in group:
            group[root(child)] = root(parent)
    adopting = sorted(_adopting_rowstamp_columns(tables, ctx))
    for table in adopting[1:]:
        group[root(table)] = root(adopting[0])
    return {root(table) for table in tables}


def _adopting_rowstamp_columns(tables: list[str], ctx: _Context) -> set[str]:
    """Existing tables that this migration only gives rowstamp's five columns (their
    trigger and indexes): adopting rowstamp across a project's tables is one change."""
    adopting = set(tables) - ctx.new_tables
    for item in ctx.upgrade:
        op, table = item.op, table_of(item.op)
        if table not in adopting:
            continue
        if isinstance(op, ops.AddColumnOp) and op.column.name in METADATA_COLUMNS:
            continue
        indexed = {getattr(c, "name", c) for c in getattr(op, "columns", None) or ()}
        if isinstance(op, ops.CreateIndexOp) and indexed <= set(METADATA_COLUMNS):
            continue
        if isinstance(op, CreateUpdatedAtTriggerOp):
            continue
        adopting.discard(table)
    return adopting


def _new_foreign_keys(ctx: _Context) -> Iterator[tuple[str, str]]:
    """(child, parent) for each foreign key between two tables this migration creates."""
    for item in ctx.upgrade:
        op = item.op
        if isinstance(op, ops.CreateForeignKeyOp) and (child := table_of(op)):
            schema = op.kw.get("referent_schema")
            parent = f"{schema}.{op.referent_table}" if schema else op.referent_table
            if child in ctx.new_tables and parent in ctx.new_tables:
                yield child, parent
            continue
        if not isinstance(op, ops.CreateTableOp) or not (child := table_of(op)):
            continue
        keys: list[ForeignKey] = []
        for element in op.columns:
            if isinstance(element, Column):
                keys.extend(element.foreign_keys)
            elif isinstance(element, ForeignKeyConstraint):
                keys.extend(element.elements)
        for key in keys:
            parent = key.target_fullname.rpartition(".")[0]
            if parent in ctx.new_tables:
                yield child, parent


def review_migration(migration: MigrationFile) -> list[Finding]:
    """Every rule's findings on ``migration``, acknowledged where the file says so."""
    ctx = _Context(migration, migration.upgrade)
    ctx.new_tables = {
        t
        for item in migration.upgrade
        if isinstance(item.op, ops.CreateTableOp)
        if (t := table_of(item.op))
    }
    findings: list[Finding] = []
    for rule in RULES:
        for item, message in rule.check(ctx):
            line = migration.statement_start(item.line) if item else 0
            table = table_of(item.op) if item else None
            findings.append(Finding(rule.id, rule.severity, message, table, line))
    return acknowledge(migration, findings) + unexplained_acks(migration)


@dataclass(frozen=True)
class Review:
    """A migration with its findings, ready to print grouped by table."""

    migration: MigrationFile
    findings: list[Finding]
    offers: tuple[BackfillOffer, ...] = ()
    """Steps offered instead of a flagged operation (``review/backfill_offer.py``)."""

    def tables(self) -> list[tuple[str, list[tuple[RecordedOp, list[Finding]]]]]:
        """Upgrade operations grouped by table (in first-touched order), each with its flags."""
        groups: dict[str, list[tuple[RecordedOp, list[Finding]]]] = {}
        for item in self.migration.upgrade:
            line = self.migration.statement_start(item.line)
            table = table_of(item.op) or "(no table)"
            flags = [f for f in self.findings if f.line == line and f.table == table_of(item.op)]
            groups.setdefault(table, []).append((item, flags))
        return list(groups.items())

    @property
    def general(self) -> list[Finding]:
        """Findings about the whole file rather than one operation."""
        return [f for f in self.findings if f.line == 0 or f.rule == "ack-without-reason"]
