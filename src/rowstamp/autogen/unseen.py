"""What autogenerate does not see: server defaults and enum values.

Alembic leaves ``compare_server_default`` off (comparing expressions gives false
positives) and never compares enum values, so a changed default or a new enum
value in a model writes nothing into the migration. This Alembic comparator
changes nothing either: it notes, for the review, where the model and the
database disagree on *whether* a column has a default and on an enum's values.
It is an ``alembic.plugins`` entry point, so plain ``alembic revision --autogenerate``
logs the same notes (logger ``rowstamp``) that ``rowstamp new`` prints in its review.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from alembic.runtime.plugins import Plugin
from alembic.util import PriorityDispatchResult
from sqlalchemy import Enum

from rowstamp.runtime.options import RunOptions

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import ModifyTableOps
    from sqlalchemy import Column, Table

__all__ = ["PLUGIN", "setup"]

PLUGIN = "rowstamp.unseen_changes"

log = logging.getLogger("rowstamp")


def _has_default(column: Column[Any]) -> bool:
    default = column.server_default
    if default is None:
        return False
    arg = getattr(default, "arg", None)
    text = arg if isinstance(arg, str) else ("" if arg is None else "expression")
    return text.strip().upper() not in {"", "NULL"}


def _serial(column: Column[Any]) -> bool:
    return bool(column.primary_key) and column.autoincrement in (True, "auto")


def _enum_values(column: Column[Any]) -> set[str] | None:
    return set(column.type.enums) if isinstance(column.type, Enum) else None


def compare_blind_spots(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    table_name: str,
    conn_table: Table | None,
    metadata_table: Table | None,
) -> PriorityDispatchResult:
    """Note default and enum differences between an existing table and its model,
    in the run's ``RunState.notes``."""
    config = autogen_context.migration_context.config
    if conn_table is None or metadata_table is None or config is None:
        return PriorityDispatchResult.CONTINUE
    notes = RunOptions.of(config).state.notes
    first = len(notes)
    for column in metadata_table.columns:
        if column.name not in conn_table.columns or _serial(column):
            continue
        existing = conn_table.columns[column.name]
        if _has_default(column) != _has_default(existing):
            where = "the model" if _has_default(column) else "the database"
            notes.append(
                f"{table_name}.{column.name}: only {where} has a server default, and "
                "autogenerate does not compare defaults; add op.alter_column(..., "
                "server_default=...) by hand if that is a change"
            )
        wanted, present = _enum_values(column), _enum_values(existing)
        if wanted is not None and present is not None and wanted != present:
            missing = ", ".join(sorted(wanted - present)) or "none"
            notes.append(
                f"{table_name}.{column.name}: enum values differ (missing in the database: "
                f"{missing}); autogenerate does not change enums: write that step by hand"
            )
    for note in notes[first:]:
        log.info("%s", note)
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Alembic plugin entry: a table-level comparator that only takes notes."""
    plugin.add_autogenerate_comparator(compare_blind_spots, "table")
