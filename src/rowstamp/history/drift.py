"""``rowstamp drift``: what was changed by hand in a live database, against its history.

``rowstamp check`` compares the models with a database. This compares a database
with the history that built it: the history is replayed, through the project's own
env.py, up to the revision the database says it is at, on a scratch database of the
same engine; then the two catalogs (``engines.catalog``: one query per kind on each
side) are compared. What differs is what no migration did: a column added by hand, a
trigger function rewritten in place, an index dropped during an incident. The live
database is only read (SQLite: opened read-only), and its transaction rolled back.
Alembic's version table and the ledger are bookkeeping, not schema: they are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from rowstamp.engines import for_dialect, for_name
from rowstamp.engines.base import EDITED_FUNCTION
from rowstamp.engines.catalog import Catalog, kind_name
from rowstamp.errors import DatabaseUnreachableError, DatabaseUrlError, RowstampError, first_line
from rowstamp.history.ledger import own_tables
from rowstamp.runtime.config import project_settings, run_options
from rowstamp.runtime.options import RunOptions
from rowstamp.settings import RowstampSettings
from rowstamp.testing.base import CheckFailed, MigrationRun
from rowstamp.testing.scratch import ENGINE_OF_BACKEND, scratch_databases, scratch_engine
from rowstamp.urls import mask_secrets, mask_url

__all__ = ["Difference", "HistoryDrift", "compare", "find_history_drift"]

_SHORT = 80
"""A definition longer than this is said to differ, not shown (it would not fit a line)."""
_BODIES = ("function", "procedure")


@dataclass(frozen=True)
class Difference:
    """One object that is not what the history made: only in the database
    (``expected`` None), only in the history (``found`` None), or defined otherwise."""

    kind: str
    name: str
    found: str | None
    expected: str | None

    def __str__(self) -> str:
        what = f"{self.kind} {self.name}"
        if self.expected is None:
            return f"{what} exists in the database but not in its history (added by hand?)"
        if self.found is None:
            return f"{what} is in the history but not in the database (dropped by hand?)"
        if self.kind in _BODIES:
            return f"{what} body differs from the history's (changed by hand?)"
        if max(len(self.found), len(self.expected)) > _SHORT:
            return f"{what} definition differs from the history's (changed by hand?)"
        return (
            f"{what} differs from the history's: {self.found or '-'} in the database, "
            f"{self.expected or '-'} in the history"
        )


@dataclass(frozen=True)
class HistoryDrift:
    """A live database compared with its history replayed to the same revisions."""

    url: str
    """The live database, masked."""
    engine: str
    revisions: tuple[str, ...]
    """Where the database is (``alembic_version``), hence where the history was replayed to."""
    compared: int
    """Objects the history made (columns and constraints count one each)."""
    differences: list[Difference]


def find_history_drift(
    config: Config, url: str | None = None, scratch_url: str | None = None
) -> HistoryDrift:
    """Compare the database at ``url`` (default: the environment's ``DATABASE_URL``) with
    its history, replayed on a scratch database of the same engine (on the server
    ``scratch_url`` names: an admin URL; default ``TEST_*_URL``, else a private one)."""
    settings = _live_settings(config, url)
    scripts = ScriptDirectory.from_config(config)
    version_table = config.get_main_option("version_table") or "alembic_version"
    bookkeeping = own_tables(config)
    with _read_only(settings) as connection:
        support = for_dialect(connection.dialect)
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        revisions = tuple(context.get_current_heads())
        live = _schema(support.catalog_objects(connection), bookkeeping)
    where = mask_url(settings.url)
    if not revisions:
        raise RowstampError(
            f"{where} is at no revision (alembic_version is empty or missing): there is "
            "no history to compare it with",
            "upgrade it, or record the revision its schema is at with alembic stamp REV",
        )
    _check_known(scripts, revisions, where)
    engine = ENGINE_OF_BACKEND.get(settings.url.get_backend_name(), support.name)
    history = _replayed(config, settings, engine, revisions, scratch_url, bookkeeping)
    return HistoryDrift(where, support.name, revisions, len(history), compare(live, history))


def compare(database: Catalog, history: Catalog) -> list[Difference]:
    """Every entry that differs, by name; the columns, constraints, indexes and
    triggers of a table that is only on one side are that table's line, not lines of
    their own."""
    only = (database.keys() - history.keys()) | (history.keys() - database.keys())
    whole = {name.split(".")[-1] for kind, name in only if kind_name(kind) == "table"}
    on_whole = _on_tables(whole)
    shown = {
        (kind, name)
        for kind, name in only
        if kind_name(kind) == "table"
        or not on_whole(kind, name, database.get((kind, name)) or history.get((kind, name)))
    }
    changed = {key for key in database.keys() & history.keys() if database[key] != history[key]}
    return [
        Difference(kind_name(kind), name, database.get((kind, name)), history.get((kind, name)))
        for kind, name in sorted(shown | changed, key=lambda key: (key[1], key[0]))
    ]


def _live_settings(config: Config, url: str | None) -> RowstampSettings:
    if url is None:
        return run_options(config).required_settings()
    try:
        make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUrlError(
            f"--url {mask_secrets(url)} is not a database URL",
            "write it like postgresql+psycopg://user@host/db",
        ) from None
    return project_settings(config, RunOptions.of(config).environment, database_url=url)


@contextmanager
def _read_only(settings: RowstampSettings) -> Iterator[Connection]:
    """A connection that only reads: SQLite's file opened read-only (a missing file is
    not created), and whatever happened rolled back."""
    support = for_name(settings.url.get_backend_name())
    engine = create_engine(support.read_only_url(settings.url), poolclass=NullPool)
    try:
        try:
            connection = engine.connect()
        except (DBAPIError, TypeError) as exc:
            raise DatabaseUnreachableError(
                f"cannot connect to {mask_url(settings.url)}: "
                f"{mask_secrets(first_line(exc), settings.url)}",
                "check the URL, and that the server is running",
            ) from None
        with connection:
            try:
                yield connection
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def _check_known(scripts: ScriptDirectory, revisions: tuple[str, ...], where: str) -> None:
    for revision in revisions:
        try:
            known = scripts.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise RowstampError(
                f"{where} is at revision {revision}, which is not in this project's history",
                "check out the code that was deployed there, then run rowstamp drift again",
            )


def _replayed(
    config: Config,
    settings: RowstampSettings,
    engine: str,
    revisions: tuple[str, ...],
    scratch_url: str | None,
    bookkeeping: Collection[str],
) -> Catalog:
    """The catalog the history gives at ``revisions``, on a new scratch database."""
    admin = _admin_url(scratch_url, engine)
    with ExitStack() as stack:
        make = stack.enter_context(scratch_databases(engine, admin))
        try:
            url = stack.enter_context(make())
        except (DBAPIError, TypeError) as exc:
            where = mask_url(admin) if admin is not None else f"the {engine} scratch server"
            detail = mask_secrets(first_line(exc), *([admin] if admin is not None else []))
            raise DatabaseUnreachableError(
                f"cannot make a scratch database on {where}: {detail}",
                "check --scratch-url: an admin URL of a server of the database's engine",
            ) from None
        scratch = scratch_engine(url)
        stack.callback(scratch.dispose)
        # the scratch run's settings name the scratch database: nothing reaches the live one
        scratch_settings = settings.with_url(url.render_as_string(hide_password=False))
        RunOptions.of(config).but(settings=scratch_settings).install(config)
        run = MigrationRun(config, scratch)
        try:
            for revision in revisions:
                run.upgrade(revision)
        except CheckFailed as exc:
            raise RowstampError(
                f"the history does not replay on a scratch {engine} database: {exc}",
                "rowstamp test shows the same failure; fix the history first",
            ) from None
        with scratch.connect() as connection:
            replayed = for_dialect(connection.dialect).catalog_objects(connection)
    return _schema(replayed, bookkeeping)


def _admin_url(scratch_url: str | None, engine: str) -> URL | None:
    if scratch_url is None:
        return None
    try:
        admin = make_url(scratch_url)
    except (ArgumentError, ValueError):
        raise DatabaseUrlError(
            f"--scratch-url {mask_secrets(scratch_url)} is not a database URL",
            "give an admin URL of a server, like postgresql+psycopg://postgres@host/postgres",
        ) from None
    if engine == "sqlite" or ENGINE_OF_BACKEND.get(admin.get_backend_name()) != engine:
        needed = "none: its scratch database is a file" if engine == "sqlite" else engine
        raise RowstampError(
            f"--scratch-url {mask_url(admin)} is not a server of the database's engine ({engine})",
            f"give one of the same engine ({needed}), or leave --scratch-url out",
        )
    return admin


def _schema(catalog: Catalog, bookkeeping: Collection[str]) -> Catalog:
    """``catalog`` without the bookkeeping tables and what is on them; a trigger function
    whose body is not rowstamp's is a function like any other here (its body is compared)."""
    on_bookkeeping = _on_tables(bookkeeping)
    return {
        ("function" if kind == EDITED_FUNCTION else kind, name): definition
        for (kind, name), definition in catalog.items()
        if not on_bookkeeping(kind, name, definition)
        and not (kind_name(kind) == "table" and name.split(".")[-1] in bookkeeping)
    }


def _on_tables(tables: Collection[str]) -> Callable[[str, str, str | None], bool]:
    """Whether a catalog entry (not a table) belongs to one of ``tables``: named
    ``[schema.]table.part`` (columns, constraints; PostgreSQL's triggers, MariaDB's
    indexes), an index or trigger ``ON`` it, or a sequence PostgreSQL named after it."""
    on = [
        re.compile(rf"\bON\s+(?:[^\s.(]+\.)?[`\"\[]?{re.escape(t)}[`\"\]]?(?=[\s(]|$)", re.I)
        for t in tables
    ]

    def belongs(kind: str, name: str, definition: str | None) -> bool:
        parts, said = name.split("."), kind_name(kind)
        return said != "table" and (
            any(part in tables for part in parts[:-1])
            or (said == "sequence" and any(parts[-1].startswith(f"{t}_") for t in tables))
            or (said in ("index", "trigger") and any(p.search(definition or "") for p in on))
        )

    return belongs
