"""Alembic's MySQL and MariaDB implementations, with one reflection slip corrected,
``Float(precision=p)`` compared by width (``float_width``) and the statements inside
``op.online_alter`` pinned to its algorithm (``mysql_online``).

SQLAlchemy reads index and unique-constraint names of MySQL tables from ``SHOW
CREATE TABLE``, where a backtick inside a name is written twice, and keeps it
doubled: the index ``ix_back`tick_created_at`` comes back as
``ix_back``tick_created_at``, so every autogenerate would drop and re-add it.
Alembic lets a dialect correct reflected indexes before comparing them
(``correct_for_autogen_constraints``); these subclasses, registered for the same
dialect names, undo the doubling first. Kept apart from ``mysql.py`` because it
imports Alembic, which an application using only the models never loads;
registered by importing it, as ``rowstamp.autogen.impl`` does.
"""

from __future__ import annotations

from typing import Any

from alembic.ddl import mysql as alembic_mysql

from rowstamp.engines.float_width import FloatWidthComparison
from rowstamp.engines.mysql_online import PinnedAlters

__all__: list[str] = []


class _UnescapedNames:
    """Undo the doubled backticks in reflected names, then let Alembic correct the rest."""

    def correct_for_autogen_constraints(
        self,
        conn_unique_constraints: Any,
        conn_indexes: Any,
        metadata_unique_constraints: Any,
        metadata_indexes: Any,
    ) -> None:
        for item in [*conn_unique_constraints, *conn_indexes]:
            if item.name and "``" in item.name:
                item.name = item.name.replace("``", "`")
        super().correct_for_autogen_constraints(  # type: ignore[misc]
            conn_unique_constraints, conn_indexes, metadata_unique_constraints, metadata_indexes
        )


# Alembic's own class names, so its "Context impl MySQLImpl." log line reads as always.
class MySQLImpl(PinnedAlters, FloatWidthComparison, _UnescapedNames, alembic_mysql.MySQLImpl):
    __dialect__ = "mysql"


class MariaDBImpl(PinnedAlters, FloatWidthComparison, _UnescapedNames, alembic_mysql.MariaDBImpl):
    __dialect__ = "mariadb"
