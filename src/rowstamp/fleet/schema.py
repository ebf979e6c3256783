"""The tenant schema of one run: how ``env.py`` migrates one schema of a database.

Schema-per-tenant PostgreSQL keeps one version table (and one ledger, one migration
lock) per schema. A run with ``RunOptions.schema`` sets the session's ``search_path``
to that schema, so the models' unqualified tables land there, and Alembic's
``version_table_schema`` to it, so the revision is read and written there too: the
Alembic cookbook's recipe, carried by the run context instead of ``-x tenant=``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from rowstamp.engines.tenants import set_search_path
from rowstamp.runtime.options import RunOptions

__all__ = ["schema_options", "use_schema"]


def use_schema(connection: Connection, schema: str | None) -> None:
    """Make ``schema`` the session's schema (nothing without one); committed at once, so
    a later rollback of the run's own transaction does not undo it."""
    if schema is None:
        return
    ours = not connection.in_transaction()
    set_search_path(connection, schema)
    if ours and connection.in_transaction():
        connection.commit()


def schema_options(run: RunOptions) -> dict[str, Any]:
    """``context.configure`` options of a run on one tenant schema."""
    return {} if run.schema is None else {"version_table_schema": run.schema}
