"""Alembic's PostgreSQL implementation, with one reflection slip corrected,
``Float(precision=p)`` compared by width (``float_width``), and statements retried
after a lock timeout inside ``op.lock_retries`` (``postgresql_safe``).

To leave a ``SERIAL`` column's default out of the comparison, Alembic looks up the
sequence named in ``nextval('<name>'::regclass)``, but takes ``<name>`` from the
SQL literal without undoing its doubled quotes: for a table called ``o'brien`` it
asks for the relation ``"o''brien_id_seq"``, which does not exist, and every
autogenerate and ``rowstamp check`` fails. This subclass, registered for the same
dialect name, hands Alembic the default with the literal's quotes undone and puts
the original back if Alembic keeps it. Kept apart from ``postgresql.py`` because
it imports Alembic, which an application using only the models never loads;
registered by importing it, as ``rowstamp.autogen.impl`` does.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.ddl import postgresql as alembic_postgresql

from rowstamp.engines.float_width import FloatWidthComparison
from rowstamp.engines.postgresql_safe import RetryingImpl

__all__: list[str] = []

_NEXTVAL = re.compile(r"nextval\('(?P<name>(?:[^']|'')+)'::regclass\)")


# Alembic's own class name, so its "Context impl PostgresqlImpl." log line reads as always.
class PostgresqlImpl(RetryingImpl, FloatWidthComparison, alembic_postgresql.PostgresqlImpl):
    __dialect__ = "postgresql"

    def autogen_column_reflect(self, inspector: Any, table: Any, column_info: Any) -> None:
        default = column_info.get("default")
        match = _NEXTVAL.fullmatch(default) if isinstance(default, str) else None
        quoted = match is not None and "''" in match["name"]
        if match is not None and quoted:
            name = match["name"].replace("''", "'")
            column_info["default"] = f"nextval('{name}'::regclass)"
        super().autogen_column_reflect(inspector, table, column_info)  # type: ignore[no-untyped-call]
        if quoted and "default" in column_info:  # not the column's own sequence: keep it as it was
            column_info["default"] = default
