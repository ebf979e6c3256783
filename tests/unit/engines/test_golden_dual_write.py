"""Golden SQL of ``op.rename_column_safely``'s dual-write trigger, version 1, per engine.

Migrations are history: if this fails, an existing rename migration would now do
something else. Change the SQL only under a new version. To record a new golden
file on purpose: ROWSTAMP_UPDATE_GOLDEN=1 pytest tests/unit/engines/test_golden_dual_write.py
"""

from __future__ import annotations

import pytest

from rowstamp.engines import for_dialect
from rowstamp.engines.dual_write import DualWriteSpec, create_statements, drop_statements
from tests.unit.engines.test_golden_sql import DIALECTS, GOLDEN, _check

SPECS = {
    "people": DualWriteSpec("people", None, "name", "full_name", version=1),
    "quoted_schema": DualWriteSpec('Order "x"', "audit", "user", "Full Name", version=1),
    "long_name": DualWriteSpec("t" * 40, None, "c" * 30, "d" * 30, version=1),
}


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("case", sorted(SPECS))
def test_dual_write_sql_is_pinned(dialect_name: str, case: str) -> None:
    dialect = DIALECTS[dialect_name]
    support = for_dialect(dialect)
    spec = SPECS[case]
    statements = [*create_statements(support, spec), *drop_statements(support, spec)]
    sql = ";\n\n".join(str(s.compile(dialect=dialect)).strip() for s in statements) + ";\n"
    _check(GOLDEN / dialect_name / f"dual_write_v1_{case}.sql", sql)


def test_unknown_versions_and_steps_are_refused() -> None:
    import sqlalchemy as sa

    from rowstamp.autogen.rename_ops import RenameColumnSafelyOp
    from rowstamp.errors import RowstampError

    with pytest.raises(RowstampError, match="version 2 is newer than this rowstamp"):
        RenameColumnSafelyOp("t", "a", "b", type_=sa.Integer, step="expand", version=2)
    with pytest.raises(RowstampError, match="step='later', which is not a step"):
        RenameColumnSafelyOp("t", "a", "b", type_=sa.Integer, step="later", version=1)  # type: ignore[arg-type]
