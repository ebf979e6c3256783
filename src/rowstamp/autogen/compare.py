"""What autogenerate detects: tables whose trigger is missing or no longer wanted.

An Alembic plugin (entry point ``alembic.plugins``) with a table-level comparator,
so the trigger op lands right after its ``create_table`` and right before its
``drop_table``. Each schema's triggers are read once, in one catalog query.

It also refuses what a migration written now would carry to other engines and
fail there: a model's table name longer than any supported engine keeps, and a
``DATABASE_TIMESTAMP_UTC`` that gives no timestamp on this database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary, WeakSet

from alembic.util import PriorityDispatchResult

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import ModifyTableOps
    from alembic.runtime.plugins import Plugin
    from sqlalchemy import Table

    from rowstamp.engines.untouched import TriggerState

__all__ = [
    "NEW_TRIGGER_VERSION",
    "TIMESTAMP_OPTION",
    "TRIGGER_VERSION_SETTING",
    "existing_trigger_columns",
    "existing_trigger_version",
    "setup",
]

TIMESTAMP_OPTION = "rowstamp_timestamp_utc"
"""``context.configure`` option holding the ``DATABASE_TIMESTAMP_UTC`` override."""

NEW_TRIGGER_VERSION = 1
"""The version a new table's trigger gets unless ``trigger_version`` asks for another:
version 2's per-row read of its mark costs about 1.44x version 1's write time on
PostgreSQL and SQLite (docs/zero-downtime.md), a price only ``touch=False`` needs."""

TRIGGER_VERSION_SETTING = "trigger_version"
"""alembic.ini ``[rowstamp] trigger_version``: the version autogenerate keeps every
table's trigger at. Unset, new triggers get ``NEW_TRIGGER_VERSION`` and existing ones keep theirs
(each version does what the model asks), so a rowstamp upgrade changes no project's
``alembic check``; set, a table at another version is a change to generate."""

_triggers: WeakKeyDictionary[AutogenContext, dict[str | None, dict[str, TriggerState]]] = (
    WeakKeyDictionary()
)
_kept: WeakKeyDictionary[AutogenContext, dict[str | None, dict[str, set[str]]]] = (
    WeakKeyDictionary()
)
_checked: WeakSet[AutogenContext] = WeakSet()
_existing: WeakKeyDictionary[ModifyTableOps, TriggerState] = WeakKeyDictionary()


def existing_trigger_version(table_ops: ModifyTableOps) -> int | None:
    """The version of the trigger the compared table has: a batch block that rebuilds
    it (SQLite) puts back that version, not the newest, so nothing changes unasked."""
    state = _existing.get(table_ops)
    return None if state is None else state.version


def existing_trigger_columns(table_ops: ModifyTableOps) -> tuple[str, ...] | None:
    """The columns that fire the compared table's trigger, where it names them (version 4)."""
    state = _existing.get(table_ops)
    return None if state is None else state.columns


def _check_now_sql(autogen_context: AutogenContext) -> None:
    """Once per comparison: the pinned "now" must give a timestamp on this database,
    before a migration holding it is written."""
    now = autogen_context.opts.get(TIMESTAMP_OPTION)
    if now is None or autogen_context in _checked:
        return
    _checked.add(autogen_context)
    connection = autogen_context.connection
    assert connection is not None, "autogenerate compares only with a connection"
    from rowstamp.engines import for_dialect

    for_dialect(connection.dialect).check_now_sql(connection, now)


def _trigger_states(autogen_context: AutogenContext, schema: str | None) -> dict[str, TriggerState]:
    per_schema = _triggers.setdefault(autogen_context, {})
    if schema not in per_schema:
        connection = autogen_context.connection
        assert connection is not None, "autogenerate compares only with a connection"
        from rowstamp.engines import for_dialect

        support = for_dialect(connection.dialect)
        per_schema[schema] = support.trigger_states(connection, schema)
    return per_schema[schema]


def _fired_by(table: Table | None, column: str) -> tuple[str, ...] | None:
    """The columns whose update fires the model's version 4 trigger: all but the one it sets."""
    if table is None:
        return None
    return tuple(c.name for c in table.columns if c.name != column)


def _trigger_form(autogen_context: AutogenContext, version: int | None) -> int | None:
    """The version whose trigger ``version`` is on this engine (what reading it gives)."""
    connection = autogen_context.connection
    if version is None or connection is None:
        return version
    from rowstamp.engines import for_dialect

    return for_dialect(connection.dialect).trigger_form(version)


def _kept_by_on_update(autogen_context: AutogenContext, schema: str | None) -> dict[str, set[str]]:
    """Columns kept by ``ON UPDATE`` on a server without row triggers (none elsewhere)."""
    per_schema = _kept.setdefault(autogen_context, {})
    if schema not in per_schema:
        connection = autogen_context.connection
        assert connection is not None, "autogenerate compares only with a connection"
        from rowstamp.engines.no_triggers import kept_by_on_update

        per_schema[schema] = kept_by_on_update(connection, schema)
    return per_schema[schema]


def _wanted_version(autogen_context: AutogenContext) -> int | None:
    from rowstamp.autogen.ops import TRIGGER_VERSION
    from rowstamp.errors import SettingsError
    from rowstamp.runtime.config import rowstamp_option

    config = autogen_context.migration_context.config
    value = rowstamp_option(config, TRIGGER_VERSION_SETTING) if config is not None else ""
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= TRIGGER_VERSION:
        raise SettingsError(
            f"alembic.ini [rowstamp] {TRIGGER_VERSION_SETTING} = {value} is not a trigger "
            "version this rowstamp writes",
            f"set it to a number from 1 to {TRIGGER_VERSION}, or remove it",
        )
    return int(value)


def compare_updated_at_trigger(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    table_name: str,
    conn_table: Table | None,
    metadata_table: Table | None,
) -> PriorityDispatchResult:
    """Add or drop the table's ``updated_at`` trigger to match the model, or replace an
    older version's (reversible: the downgrade puts the old version back)."""
    # Imported here: Alembic loads this plugin module while alembic.operations,
    # which ops needs, may still be importing; and every `alembic` command loads it,
    # so rowstamp.model.columns (sqlalchemy.orm) and the engines wait until a comparison runs.
    from rowstamp.autogen.ops import (
        COLUMNS_VERSION,
        DEFAULT_COLUMN,
        CreateUpdatedAtTriggerOp,
        DropUpdatedAtTriggerOp,
        ReplaceUpdatedAtTriggerOp,
    )
    from rowstamp.model.columns import updated_at_column, wants_updated_at_trigger

    _check_now_sql(autogen_context)
    if metadata_table is not None:
        from rowstamp.engines import check_table_name

        check_table_name(table_name)
    wanted = metadata_table is not None and wants_updated_at_trigger(metadata_table)
    state = _trigger_states(autogen_context, schema).get(table_name)
    version = None if state is None else state.version
    column = updated_at_column(metadata_table) if metadata_table is not None else None
    sets = column or DEFAULT_COLUMN  # the column the trigger sets
    if version is None and conn_table is not None:
        kept = _kept_by_on_update(autogen_context, schema).get(table_name, set())
        if sets in kept:  # no triggers here: ON UPDATE keeps it
            version = _trigger_form(
                autogen_context, _wanted_version(autogen_context) or NEW_TRIGGER_VERSION
            )
    present = conn_table is not None and version is not None
    now = autogen_context.opts.get(TIMESTAMP_OPTION)
    if version is not None:
        _existing[modify_table_ops] = state or _state(version)
    wanted_version = _wanted_version(autogen_context)
    fired = _fired_by(metadata_table, sets)
    had = None if state is None else state.columns
    if wanted and present:
        assert version is not None
        target = _replacement_version(autogen_context, had, version, wanted_version, fired)
        if target is not None:
            replace = ReplaceUpdatedAtTriggerOp(
                table_name,
                schema=schema,
                from_version=version,
                version=target,
                now=now,
                column=column,
                from_columns=had,
                columns=fired if target == COLUMNS_VERSION else None,
            )
            modify_table_ops.ops.append(replace)
    if wanted == present:
        return PriorityDispatchResult.CONTINUE
    from rowstamp.autogen.c_trigger import c_trigger_instead

    kind = CreateUpdatedAtTriggerOp if wanted else DropUpdatedAtTriggerOp
    # a new trigger: the wanted version; a dropped one: the version it has
    new = (wanted_version or NEW_TRIGGER_VERSION) if wanted else (version or 1)
    names = (fired if wanted else had) if new == COLUMNS_VERSION else None
    operation = kind(table_name, schema=schema, version=new, now=now, column=column, columns=names)
    modify_table_ops.ops.append(c_trigger_instead(autogen_context, operation))
    return PriorityDispatchResult.CONTINUE


def _state(version: int) -> TriggerState:
    from rowstamp.engines.untouched import TriggerState

    return TriggerState(version)


def _replacement_version(
    autogen_context: AutogenContext,
    had: tuple[str, ...] | None,
    version: int,
    wanted_version: int | None,
    fired: tuple[str, ...] | None,
) -> int | None:
    """The version a present, wanted trigger is to be replaced by, or None: a stale
    column list first, at the version the trigger has (a version change then comes in
    a revision of its own); else the version ``trigger_version`` asks for."""
    if had is not None and set(had) != set(fired or ()):
        return version
    if _trigger_form(autogen_context, wanted_version) not in (None, version):
        return wanted_version
    return None


def setup(plugin: Plugin) -> None:
    """Entry point of the ``rowstamp.updated_at`` Alembic plugin."""
    plugin.add_autogenerate_comparator(compare_updated_at_trigger, "table")
