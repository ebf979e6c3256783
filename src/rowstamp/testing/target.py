"""A database named to ``rowstamp test --url`` must be one the checks may destroy.

The checks downgrade it to base and drop every table. So the environment's own
database is refused always, and a database that holds anything (a table, a view,
a row in ``alembic_version``) unless ``--destroy-data`` says it may go. Both are
decided before the first statement runs on it.
"""

from __future__ import annotations

import contextlib
import os

from alembic.config import Config
from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, Inspector, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from rowstamp.engines import for_name
from rowstamp.errors import DatabaseUnreachableError, RowstampError, first_line
from rowstamp.history.ledger import own_tables
from rowstamp.urls import mask_secrets, mask_url

__all__ = ["check_target"]

_VERSION_TABLE = "alembic_version"


def check_target(config: Config, url: URL, *, destroy_data: bool = False) -> None:
    """Raise a one-line error unless the checks may run on ``url``."""
    _refuse_configured(config, url)
    if not destroy_data:
        _refuse_populated(url, own_tables(config))


def _refuse_configured(config: Config, url: URL) -> None:
    """The environment's ``DATABASE_URL``, from the project's settings or the process
    environment, compared as a database (server, port, name; SQLite: the real path)."""
    from rowstamp.runtime.config import run_options

    configured: list[tuple[str, URL]] = []
    try:
        settings = run_options(config).required_settings()
    except RowstampError:
        pass  # no settings to compare with; the emptiness check still applies
    else:
        configured.append((f"the {settings.environment} environment's DATABASE_URL", settings.url))
    if os.environ.get("DATABASE_URL"):
        with contextlib.suppress(ArgumentError):
            configured.append(("DATABASE_URL", make_url(os.environ["DATABASE_URL"])))
    identity = for_name(url.get_backend_name()).database_identity(url)
    for where, other in configured:
        if identity is not None and _identity(other) == identity:
            raise RowstampError(
                f"--url {mask_url(url)} is the database of {where}, and rowstamp test "
                "drops everything in the database it runs on",
                "give the URL of a scratch database, or leave out --url",
            )


def _identity(url: URL) -> tuple[str, ...] | None:
    try:
        return for_name(url.get_backend_name()).database_identity(url)
    except RowstampError:
        return None  # an engine rowstamp does not support is not the one under test


def _materialized_views(catalog: Inspector) -> list[str]:
    """PostgreSQL's materialized views hold data too; other engines have none."""
    try:
        return catalog.get_materialized_view_names()
    except NotImplementedError:
        return []


def _refuse_populated(url: URL, own: frozenset[str]) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            catalog = inspect(connection)
            tables, views = catalog.get_table_names(), catalog.get_view_names()
            views += _materialized_views(catalog)
            versions = 0
            if _VERSION_TABLE in tables:
                count = select(func.count()).select_from(table(_VERSION_TABLE))
                versions = int(connection.execute(count).scalar_one())
    except OperationalError as exc:
        raise DatabaseUnreachableError(
            f"cannot connect to --url {mask_url(url)}: {mask_secrets(first_line(exc), url)}",
            "check that the server is running and the URL is right",
        ) from None
    finally:
        engine.dispose()
    # An empty alembic_version (and the ledger of the runs) is what a finished rowstamp
    # test leaves: run again.
    held = [f"table {t}" for t in tables if t not in own] + [f"view {v}" for v in views]
    if versions:
        held.append(f"{_VERSION_TABLE} rows")
    if held:
        more = f" and {len(held) - 3} more" if len(held) > 3 else ""
        raise RowstampError(
            f"--url {mask_url(url)} is not empty ({', '.join(held[:3])}{more}), and rowstamp "
            "test would drop everything in it",
            "give an empty database, or add --destroy-data if its contents may be lost",
        )
