"""``rowstamp doctor``'s checks of the models' tables: the metadata columns, and each
``updated_at`` trigger fired for real, in UTC whatever the session's time zone.

Columns and indexes are read with one catalog query per kind (SQLAlchemy's
``get_multi_*``), triggers with one more. The trigger test is the only thing doctor
writes, and it is rolled back: in one transaction, with the session's time zone set
well away from UTC, one row per table has its ``updated_at`` set to a time no trigger
writes (an empty table gets a made-up row first); the trigger must overwrite it with
the database's UTC time. DML only, never DDL; on MySQL/MariaDB a table whose engine
cannot roll back (MyISAM) is not touched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    bindparam,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from rowstamp.engines import EngineSupport
from rowstamp.engines.no_triggers import KEPT_BY_ON_UPDATE, kept_by_on_update
from rowstamp.errors import first_line
from rowstamp.model.columns import (
    declares_metadata_columns,
    metadata_columns,
    updated_at_column,
    wants_updated_at_trigger,
)
from rowstamp.model.contract import PAST, column_problems, sample_row
from rowstamp.runtime.doctor import Finding
from rowstamp.sql import utc_now

__all__ = ["EAST_OF_UTC", "table_findings"]

EAST_OF_UTC = 5
"""The session time zone (hours east of UTC) the trigger test runs in: a trigger that
writes local time instead of UTC is then this far off."""

_TOLERANCE = dt.timedelta(minutes=10)
"""How far a fired trigger's time may be from the database's UTC "now" read after it;
every real time zone is further off than this when the session is at +05:00."""

_NO_ROLLBACK = "its storage engine cannot roll back"

_ON_UPDATE_FIX = (
    "application connections must set time_zone = '+00:00' (docs/engines.md, Capabilities)"
)
_TRIGGER_FIX = 'put the trigger back with a migration: rowstamp new "restore updated_at triggers"'


def table_findings(
    connection: Connection, support: EngineSupport, models: MetaData | None, lock_timeout: float
) -> list[Finding]:
    """The columns, trigger and UTC findings of every model table."""
    if models is None:
        return [Finding("columns", "warn", "env.py configures no target_metadata: no models")]
    tables = list(models.sorted_tables)
    findings: list[Finding] = []
    sound: list[Table] = []
    itself: dict[str, str] = {}  # a column each version 4 trigger names (SQLite)
    wrong = 0
    for schema, in_schema in _by_schema(tables).items():
        inspector = inspect(connection)
        columns = inspector.get_multi_columns(schema=schema)
        indexes = inspector.get_multi_indexes(schema=schema)
        with_trigger = support.trigger_states(connection, schema)
        kept = kept_by_on_update(connection, schema)
        for table in in_schema:
            key = (schema, table.name)
            problems = (
                column_problems(table, columns[key], indexes.get(key, []))
                if key in columns
                else [f"{table.name}: the table does not exist"]
            )
            wrong += bool(problems)
            findings += [_column_fix(table, p) for p in problems]
            if key not in columns or not _wants_trigger(table):
                continue
            if (updated_at_column(table) or "updated_at") in kept.get(table.name, ()):
                detail = f"{table.name}: {KEPT_BY_ON_UPDATE}"
                findings.append(Finding("trigger", "warn", detail, _ON_UPDATE_FIX))
            elif table.name not in with_trigger:
                name = support.trigger_name(table.name)
                detail = f"{table.name}: has no updated_at trigger ({name})"
                findings.append(Finding("trigger", "fail", detail, _TRIGGER_FIX))
            elif problems:
                detail = f"{table.name}: not exercised (its columns are not right)"
                findings.append(Finding("trigger", "warn", detail))
            else:
                sound.append(table)
                named = with_trigger[table.name].columns
                if named:
                    itself[table.fullname] = named[0]
    if len(tables) > wrong:
        right = len(tables) - wrong
        verb = "has" if right == 1 else "have"
        counted = _tables(right, "other " if wrong else "")
        detail = f"{counted} {verb} the five columns as the models say"
        findings.insert(0, Finding("columns", "ok", detail))
    connection.rollback()
    return findings + _exercise(connection, support, sound, lock_timeout, itself)


def _tables(count: int, other: str = "") -> str:
    return f"{count} {other}table" + ("s" if count != 1 else "")


def _by_schema(tables: list[Table]) -> dict[str | None, list[Table]]:
    grouped: defaultdict[str | None, list[Table]] = defaultdict(list)
    for table in tables:
        grouped[table.schema].append(table)
    return dict(grouped)


def _wants_trigger(table: Table) -> bool:
    return wants_updated_at_trigger(table) or not declares_metadata_columns(table)


def _column_fix(table: Table, problem: str) -> Finding:
    return Finding(
        "columns",
        "fail",
        problem,
        f'write the migration that puts it right: rowstamp new "fix {table.name} columns"',
    )


def _exercise(
    connection: Connection,
    support: EngineSupport,
    tables: list[Table],
    lock_timeout: float,
    itself: dict[str, str],
) -> list[Finding]:
    """Fire each trigger in a transaction that is rolled back, the session at +05:00.

    One ``UPDATE`` per table, and one query reads back what every trigger wrote. No
    savepoint per table (two round trips each): a statement that fails (a made-up row
    refused, a row locked by another session) ends that transaction; its table is a
    warning, and the others are tried again in a new one."""
    written: dict[str, dt.datetime | str] = {}
    remaining = list(tables)
    now = dt.datetime.now(dt.UTC)
    while remaining:
        table: Table | None = None
        updated: list[Table] = []
        with connection.begin() as transaction:
            try:
                skipped = support.non_transactional_tables(connection)
                support.configure_session(connection, lock_timeout)  # PostgreSQL: no long wait
                with support.east_of_utc(connection, EAST_OF_UTC):
                    now = _utc(connection.execute(select(utc_now())).scalar())
                    while remaining:
                        table = remaining.pop(0)
                        fire = itself.get(table.fullname)
                        why = (
                            _NO_ROLLBACK
                            if table.name in skipped
                            else _fire(connection, table, fire)
                        )
                        if why:
                            written[table.name] = why
                        else:
                            updated.append(table)
                    table = None
                    written.update(_read_back(connection, updated))
            except DBAPIError as exc:
                if table is None:
                    raise
                written[table.name] = first_line(exc)
                remaining[:0] = updated  # rolled back with the failure: again, in a new one
            finally:
                transaction.rollback()
    return _judge(written, now)


def _picked(connection: Connection, table: Table) -> tuple[str, str]:
    """The table, quoted, and a WHERE clause for its row(s) with the smallest first key
    column: through a derived table, which MySQL needs to read the table an ``UPDATE``
    changes. SQL text with quoted names: compiling a construct per table cost more than
    the statement."""
    preparer = connection.dialect.identifier_preparer
    name = preparer.format_table(table)
    key = preparer.quote(table.primary_key.columns.values()[0].name)
    return name, f"{key} = (SELECT m FROM (SELECT min({key}) AS m FROM {name}) AS rowstamp_pick)"


def _fire(connection: Connection, table: Table, itself: str | None = None) -> str | None:
    """Set ``updated_at`` to ``PAST`` in one row (a made-up one in an empty table), and
    ``itself`` to itself: a version 4 trigger fires only on a column it names; None
    when done, else why the table is not exercised."""
    if not table.primary_key.columns:
        return "no primary key"
    stamp = _stamp(table)
    name, where = _picked(connection, table)
    quote = connection.dialect.identifier_preparer.quote
    also = f", {quote(itself)} = {quote(itself)}" if itself else ""
    change = text(f"UPDATE {name} SET {quote(stamp.name)} = :past{also} WHERE {where}")
    change = change.bindparams(bindparam("past", PAST, type_=stamp.type))
    if connection.execute(change).rowcount:
        return None
    values = sample_row(table)
    if values is None:
        return "empty table"
    roles = metadata_columns(table)
    values.update({roles[r]: PAST for r in ("created_at", "updated_at") if r in roles})
    connection.execute(table.insert().values(values))
    connection.execute(change)
    return None


def _read_back(connection: Connection, tables: list[Table]) -> dict[str, dt.datetime]:
    """What each trigger wrote, a hundred tables to a query (SQLite's ``UNION`` limit)."""
    quote = connection.dialect.identifier_preparer.quote
    found: dict[str, dt.datetime] = {}
    for start in range(0, len(tables), 100):
        chunk = tables[start : start + 100]
        reads = []
        for number, table in enumerate(chunk):
            name, where = _picked(connection, table)
            stamp = quote(_stamp(table).name)
            reads.append(f"SELECT {number} AS k, max({stamp}) AS v FROM {name} WHERE {where}")
        query = text(" UNION ALL ".join(reads)).columns(k=Integer(), v=_stamp(chunk[0]).type)
        found.update({chunk[k].name: _utc(v) for k, v in connection.execute(query).all()})
    return found


def _stamp(table: Table) -> Column[Any]:
    return table.c[metadata_columns(table).get("updated_at", "updated_at")]


def _judge(written: dict[str, dt.datetime | str], now: dt.datetime) -> list[Finding]:
    findings, fired = [], 0
    for name, stored in written.items():
        if isinstance(stored, str):
            findings.append(Finding("trigger", "warn", f"{name}: not exercised ({stored})"))
            continue
        if stored <= PAST:
            detail = f"{name}: an UPDATE left updated_at unchanged (the trigger did not fire)"
            findings.append(Finding("trigger", "fail", detail, _TRIGGER_FIX))
            continue
        fired += 1
        if abs(stored - now) > _TOLERANCE:
            hours = (stored - now).total_seconds() / 3600
            detail = (
                f"{name}: with the session at +{EAST_OF_UTC:02d}:00 the trigger wrote updated_at "
                f"{stored:%Y-%m-%d %H:%M:%S} while the database's UTC time is "
                f"{now:%Y-%m-%d %H:%M:%S} ({hours:+.1f} h): it writes local time, not UTC"
            )
            fix = "put rowstamp's trigger back (see: rowstamp check), which writes UTC"
            findings.append(Finding("utc", "fail", detail, fix))
    if fired:
        findings.insert(0, Finding("trigger", "ok", f"fires on {_tables(fired)}"))
    if fired and not any(f.check == "utc" for f in findings):
        zone = f"+{EAST_OF_UTC:02d}:00"
        findings.insert(1, Finding("utc", "ok", f"UTC with the session at {zone}"))
    return findings


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
