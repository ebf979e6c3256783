"""SQLite's version 4 names the columns that fire it; reading versions recovers them
from the trigger's SQL as SQLite keeps it, in the same one catalog query."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy.dialects import sqlite

from rowstamp.engines import for_dialect
from rowstamp.engines.ddl import CreateUpdatedAtTrigger, TriggerSpec
from rowstamp.engines.sqlite_triggers import fired_by, trigger_state
from rowstamp.engines.untouched import TriggerState

COLUMNS = ("id", "user", 'Full "Name"', "update of", "ON", "begin")


def _sql(columns: tuple[str, ...], table: str = "t") -> str:
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]
    spec = TriggerSpec(table, None, version=4, now=None, columns=columns)
    return str(CreateUpdatedAtTrigger(spec).compile(dialect=dialect))


@pytest.mark.parametrize("table", ["t", "UPDATE OF x ON", 'a "b"'])
def test_the_columns_written_are_read_back(table: str) -> None:
    assert fired_by(_sql(COLUMNS, table)) == COLUMNS
    assert trigger_state(_sql(COLUMNS, table)) == TriggerState(4, COLUMNS)


def test_older_versions_name_no_columns() -> None:
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]
    for version in (1, 2, 3):
        spec = TriggerSpec("t", None, version=version, now=None)
        sql = str(CreateUpdatedAtTrigger(spec).compile(dialect=dialect))
        assert trigger_state(sql) == TriggerState(min(version, 2))


def test_rename_column_rewrites_the_list_and_drop_column_leaves_it() -> None:
    """What SQLite itself does to the list: RENAME COLUMN rewrites it (quoting a name
    that needs it), DROP COLUMN leaves the dropped name there (it does not check the
    ``UPDATE OF`` list), which compare then reports as a stale list."""
    support = for_dialect(sqlite.dialect())  # type: ignore[no-untyped-call]
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, updated_at TEXT)")
        db.execute("CREATE TABLE rowstamp_untouched (marked INTEGER NOT NULL)")
        db.execute(_sql(("id", "a", "b")))
        db.execute('ALTER TABLE t RENAME COLUMN a TO "new ""a"""')
        db.execute("ALTER TABLE t DROP COLUMN b")
        [(sql,)] = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
        assert support.trigger_name("t") in sql
    assert fired_by(sql) == ("id", 'new "a"', "b")
