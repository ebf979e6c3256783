"""PostgreSQL's edited-function check knows rowstamp's own bodies, also those of a
trigger function that sets a column a model renamed from ``updated_at``."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.dialects import postgresql

from rowstamp.engines.ddl import CreateUpdatedAtFunction, TriggerSpec
from rowstamp.engines.postgresql_functions import edited as _edited
from rowstamp.engines.postgresql_functions import function_name

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
QUOTE = DIALECT.identifier_preparer.quote


def _written(spec: TriggerSpec) -> tuple[str, str]:
    """(function name, body) as the migration creates them."""
    sql = str(CreateUpdatedAtFunction(spec).compile(dialect=DIALECT))
    body = re.search(r"\$rowstamp\$(.*)\$rowstamp\$", sql, re.DOTALL)
    assert body is not None
    return function_name(spec.now, spec.column, spec.version), body[1]


@pytest.mark.parametrize(
    "spec",
    [
        TriggerSpec("t", None, version=1, now=None),
        TriggerSpec("t", None, version=1, now="CURRENT_TIMESTAMP"),
        TriggerSpec("t", None, version=1, now=None, column="modified_at"),
        TriggerSpec("t", None, version=1, now="CURRENT_TIMESTAMP", column='Modified "At"'),
        TriggerSpec("t", None, version=2, now=None),
        TriggerSpec("t", None, version=2, now="CURRENT_TIMESTAMP", column='Modified "At"'),
        TriggerSpec("t", None, version=3, now=None),
        TriggerSpec("t", None, version=3, now="CURRENT_TIMESTAMP", column='Modified "At"'),
    ],
    ids=["default", "now", "renamed", "renamed-quoted", "v2", "v2-renamed-quoted", "v3", "v3-rq"],
)
def test_rowstamps_own_bodies_are_not_edited(spec: TriggerSpec) -> None:
    name, body = _written(spec)
    assert not _edited(name, body, QUOTE)
    assert _edited(name, body.replace("NEW.", "NEW.x_", 1), QUOTE)


def test_each_renamed_column_has_a_function_of_its_own() -> None:
    names = {function_name(None), function_name(None, "modified_at"), function_name(None, "b")}
    assert len(names) == 3 and function_name(None) == "set_updated_at"


def test_each_version_has_functions_of_its_own() -> None:
    """Replacing a shared function's body would change every other table's trigger."""
    assert function_name(None, version=2) == "set_updated_at_v2"
    assert function_name("now()", version=2) != function_name("now()")
    assert re.fullmatch(r"set_updated_at_v2_[0-9a-f]{8}", function_name(None, "m", 2))
    assert function_name(None, version=3) == "set_updated_at_v3"
    assert len({function_name("now()", version=v) for v in (1, 2, 3)}) == 3
