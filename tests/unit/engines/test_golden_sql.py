"""Golden SQL: what each trigger operation version emits, per engine.

Migrations are history: if this test fails, an existing migration would now do
something else. Change the SQL only under a new operation version. To record a
new golden file on purpose: ROWSTAMP_UPDATE_GOLDEN=1 pytest tests/unit/engines/test_golden_sql.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import Column, CreateTable, MetaData, Table

from rowstamp.engines import for_dialect
from rowstamp.engines.ddl import TriggerSpec
from rowstamp.sql import utc_now
from tests.project import REPO

GOLDEN = REPO / "tests" / "golden"
DIALECTS: dict[str, Dialect] = {
    "mysql": mysql.dialect(paramstyle="named"),  # type: ignore[no-untyped-call]
    "postgresql": postgresql.dialect(paramstyle="named"),  # type: ignore[no-untyped-call]
    "sqlite": sqlite.dialect(),  # type: ignore[no-untyped-call]
}
SPECS = {
    "users": TriggerSpec("users", None, version=1, now=None),
    "reserved_word": TriggerSpec("user", None, version=1, now=None),
    "quoted_mixed_case": TriggerSpec('Order "x"', None, version=1, now=None),
    "other_schema": TriggerSpec("users", "audit", version=1, now=None),
    "long_name": TriggerSpec("t" * 70, None, version=1, now=None),
    "now_override": TriggerSpec("users", None, version=1, now="CURRENT_TIMESTAMP"),
    "renamed_column": TriggerSpec("runs", None, version=1, now=None, column="modified_at"),
    "renamed_quoted_column": TriggerSpec(
        "runs", None, version=1, now="CURRENT_TIMESTAMP", column="Modified At"
    ),
}


def _check(path: Path, sql: str) -> None:
    """Compare with the golden file; ``ROWSTAMP_UPDATE_GOLDEN=1`` records a changed one
    and still fails, so a run that rewrote a file can never pass."""
    recorded = path.read_text(encoding="utf-8") if path.is_file() else None
    if sql != recorded and os.environ.get("ROWSTAMP_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
        pytest.fail(f"recorded {path}; review it and run again without ROWSTAMP_UPDATE_GOLDEN")
    assert recorded is not None, f"no golden file {path}; record it with ROWSTAMP_UPDATE_GOLDEN=1"
    assert sql == recorded


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("case", sorted(SPECS))
def test_trigger_sql_is_pinned(dialect_name: str, case: str, version: int) -> None:
    dialect = DIALECTS[dialect_name]
    support = for_dialect(dialect)
    given = SPECS[case]
    spec = TriggerSpec(
        given.table_name, given.schema, version=version, now=given.now, column=given.column
    )
    statements = [*support.create_statements(spec), *support.drop_statements(spec)]
    sql = ";\n\n".join(str(s.compile(dialect=dialect)).strip() for s in statements) + ";\n"
    _check(GOLDEN / dialect_name / f"trigger_v{version}_{case}.sql", sql)


FIRED = ("id", "email", "user", 'Full "Name"')
"""The columns a version 4 trigger names in these cases: a reserved word and a quoted name."""


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("case", sorted(SPECS))
def test_version_4_sql_is_pinned(dialect_name: str, case: str) -> None:
    """SQLite: version 4's own form, ``AFTER UPDATE OF`` the columns (golden files);
    PostgreSQL and MariaDB: version 3's SQL byte for byte, the columns unused."""
    dialect = DIALECTS[dialect_name]
    support = for_dialect(dialect)
    given = SPECS[case]
    spec = TriggerSpec(
        given.table_name, given.schema, version=4, now=given.now, column=given.column, columns=FIRED
    )
    statements = [*support.create_statements(spec), *support.drop_statements(spec)]
    sql = ";\n\n".join(str(s.compile(dialect=dialect)).strip() for s in statements) + ";\n"
    if support.trigger_form(4) == 4:
        _check(GOLDEN / dialect_name / f"trigger_v4_{case}.sql", sql)
    else:
        assert sql == (GOLDEN / dialect_name / f"trigger_v3_{case}.sql").read_text(encoding="utf-8")


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
def test_metadata_column_defaults_are_pinned(dialect_name: str) -> None:
    table = Table(
        "t", MetaData(), Column("created_at", utc_now(1).type, server_default=utc_now(version=1))
    )
    sql = str(CreateTable(table).compile(dialect=DIALECTS[dialect_name])).strip() + ";\n"
    _check(GOLDEN / dialect_name / "utc_now_v1_default.sql", sql)


def test_unknown_versions_are_refused() -> None:
    from rowstamp.autogen.ops import CreateUpdatedAtTriggerOp
    from rowstamp.errors import RowstampError

    with pytest.raises(RowstampError, match="newer than this rowstamp"):
        utc_now(version=99)
    with pytest.raises(RowstampError, match="newer than this rowstamp"):
        CreateUpdatedAtTriggerOp("users", version=99)


def test_version_4_operations_pin_their_columns() -> None:
    """Version 4's SQL depends on its columns, so its operations must name them (and
    never the column the trigger sets, whose update would fire it again); other
    versions take none. Reversing a replacement swaps the two lists."""
    from rowstamp.autogen.ops import CreateUpdatedAtTriggerOp, ReplaceUpdatedAtTriggerOp
    from rowstamp.errors import RowstampError

    with pytest.raises(RowstampError, match="columns= is missing"):
        CreateUpdatedAtTriggerOp("users", version=4)
    with pytest.raises(RowstampError, match="columns= is given"):
        CreateUpdatedAtTriggerOp("users", version=1, columns=["id"])
    with pytest.raises(RowstampError, match="must list the columns"):
        CreateUpdatedAtTriggerOp("users", version=4, columns=["id", "updated_at"])
    with pytest.raises(RowstampError, match="from_columns= is missing"):
        ReplaceUpdatedAtTriggerOp("users", from_version=4, version=1)
    replace = ReplaceUpdatedAtTriggerOp(
        "users", from_version=4, version=4, from_columns=["id"], columns=["id", "name"]
    )
    back = replace.reverse()
    assert (back.from_columns, back.columns, back.columns_only) == (("id", "name"), ("id",), True)


@pytest.mark.parametrize("case", sorted(SPECS))
def test_mariadb_urls_emit_the_mysql_sql(case: str) -> None:
    """``mariadb://`` and ``mysql://`` URLs reach the same server kinds: same SQL, same file."""
    from sqlalchemy import create_engine

    dialect = create_engine("mariadb+pymysql://", paramstyle="named").dialect
    assert dialect.name == "mariadb"
    support = for_dialect(dialect)
    spec = SPECS[case]
    statements = [*support.create_statements(spec), *support.drop_statements(spec)]
    sql = ";\n\n".join(str(s.compile(dialect=dialect)).strip() for s in statements) + ";\n"
    assert sql == (GOLDEN / "mysql" / f"trigger_v1_{case}.sql").read_text(encoding="utf-8")
