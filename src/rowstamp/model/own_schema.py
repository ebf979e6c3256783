"""The project's models as they were before rowstamp: a copy of a ``MetaData`` without
rowstamp's five columns (under the names each model's ``MetadataSpec`` gives them), their
indexes and constraints, and with the names the project's own naming convention gives.

``rowstamp test`` builds an adopted project's scratch database from it, as at the
baseline (``test_baseline_schema = models``), instead of replaying a history whose old
revisions may import today's models and query them (mlflow's ``session.query(SqlMetric)``
fails once ``SqlMetric`` carries columns the database does not have yet).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.sql.naming import conv

from rowstamp.compat import convention_name, drop_table_column
from rowstamp.model.columns import ROLE_KEY

__all__ = ["without_rowstamp"]


def without_rowstamp(
    metadata: MetaData, naming_convention: Mapping[str, Any] | None = None
) -> MetaData:
    """A copy of ``metadata`` without what rowstamp adds to the models.

    A constraint named like one before it on the same table is left out: an old
    revision that builds ``CheckConstraint(SqlRun.source_type.in_(...), name=...)`` at
    import (mlflow's cfd24bdc0731) attaches a copy to the live model's table each time
    Alembic loads it, and no engine takes two constraints of one name on a table.

    Names the convention gave (``uq_<table>_<columns>``) are given again by
    ``naming_convention`` (default: the metadata's own), so an unnamed UNIQUE is unnamed
    again under SQLAlchemy's default convention; explicit names are kept.
    """
    convention = dict(naming_convention or metadata.naming_convention)
    copy = MetaData(schema=metadata.schema, naming_convention=convention)
    tables = [table.to_metadata(copy) for table in metadata.sorted_tables]
    for original, table in zip(metadata.sorted_tables, tables, strict=True):
        ours = [column for column in table.columns if ROLE_KEY in column.info]
        for index in list(table.indexes):
            if any(column in ours for column in index.columns):
                table.indexes.discard(index)
        named: set[tuple[type, str]] = set()
        for constraint in list(table.constraints):
            key = (type(constraint), str(constraint.name))
            if any(column in ours for column in getattr(constraint, "columns", ())) or (
                constraint.name is not None and key in named
            ):
                table.constraints.discard(constraint)
            named.add(key)
        for column in ours:
            drop_table_column(table, column)
        for item in [*table.constraints, *table.indexes]:
            _rename(item, original, table)
    return copy


def _rename(item: Any, original: Table, table: Table) -> None:
    """Give ``item`` the copy's convention name when the original's convention named it."""
    if isinstance(item.name, conv) and item.name == convention_name(item, original):
        item.name = convention_name(item, table)
