"""Golden SQL of ``op.create_moddatetime_trigger`` / ``op.drop_moddatetime_trigger`` per
engine: PostgreSQL's trigger on contrib's C function, version 1's trigger elsewhere.
Migrations are history: a change here changes what a written migration does.
``ROWSTAMP_UPDATE_GOLDEN=1`` records a changed file (and still fails)."""

from __future__ import annotations

import pytest

from rowstamp.engines import for_dialect
from rowstamp.engines.ddl import TriggerSpec
from rowstamp.engines.moddatetime import c_create_statements, c_drop_statements
from tests.unit.engines.test_golden_sql import DIALECTS, GOLDEN, _check

SPECS = {
    "users": TriggerSpec("users", None, version=1, now=None),
    "quoted_other_schema": TriggerSpec('Order "x"', "audit", version=1, now=None),
    "renamed_quoted_column": TriggerSpec("runs", None, version=1, now=None, column="Modified's"),
}


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("case", sorted(SPECS))
def test_c_trigger_sql_is_pinned(dialect_name: str, case: str) -> None:
    dialect = DIALECTS[dialect_name]
    support = for_dialect(dialect)
    spec = SPECS[case]
    statements = [*c_create_statements(support, spec, None), *c_drop_statements(support, spec)]
    sql = ";\n\n".join(str(s.compile(dialect=dialect)).strip() for s in statements) + ";\n"
    _check(GOLDEN / dialect_name / f"c_trigger_moddatetime_{case}.sql", sql)
