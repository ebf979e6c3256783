"""rowstamp inside a project's own ``env.py`` (``rowstamp init --adopt``, or by hand).

A project that adopts rowstamp keeps its ``env.py``: its hooks (``include_object``,
``process_revision_directives``, ``render_item``, ``compare_type`` ...) are part of how
its history was written. Three calls add what rowstamp's own ``env.py`` does, each
reporting a user error in one line (Alembic's ``FAILED:``), as rowstamp's does:

- ``connect()`` in place of the project's ``engine.connect()``: the connection to the
  URL of rowstamp's settings, or the one a caller hands in (``rowstamp test``, a
  rehearsal), under the migration lock, with protection and one-line errors;
- ``options(**kwargs)`` around the project's ``context.configure`` keywords: rowstamp's
  autogenerate plugins and options added, each project hook kept and run first;
- ``file_config(...)`` for ``logging.config.fileConfig(...)``: the rowstamp CLI prints
  its own lines, so Alembic's INFO lines would repeat them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, MetaData

from alembic import context
from rowstamp.history.ledger import own_tables
from rowstamp.runtime import env as migration
from rowstamp.runtime.options import RunOptions

__all__ = ["connect", "file_config", "options"]

_CHAINED = ("render_item", "process_revision_directives", "on_version_apply")
"""Hooks where both the project's and rowstamp's run: the project's first."""


def _run() -> RunOptions:
    """This run's options, settings loaded through alembic.ini's ``[rowstamp] settings``."""
    from rowstamp.runtime.config import project_settings

    config = context.config

    def load(environment: str | None = None, *, database_url: str | None = None) -> Any:
        return project_settings(config, environment, database_url=database_url)

    return RunOptions.from_alembic(context, load)


@contextmanager
def connect() -> Iterator[Connection]:
    """The connection to migrate on, as rowstamp's own ``env.py`` makes it.

    The URL is rowstamp's settings' (``DATABASE_URL``), never the project's
    ``sqlalchemy.url``: ``rowstamp test`` and rehearsals hand in scratch databases,
    and a migration must not then reach the project's real one.
    """
    with migration.user_errors(RunOptions.of(context.config)):
        run = _run()
        with migration.connect(run) as connection, migration.locked(connection, run):
            migration.protect(run, connection)
            yield connection


def file_config(fname: Any, *args: Any, **kwargs: Any) -> None:
    """``logging.config.fileConfig``, unless the caller prints its own lines (rowstamp CLI)."""
    from logging.config import fileConfig

    if RunOptions.of(context.config).configure_logger:
        fileConfig(fname, *args, **kwargs)


def options(**project: Any) -> dict[str, Any]:
    """``context.configure`` keywords: the project's, with rowstamp's added.

    A project value wins over rowstamp's (``render_as_batch``, ``include_name`` ...),
    except the hooks in ``_CHAINED``, where the project's runs first and rowstamp's after
    it, and ``compare_type``: ``True`` (Alembic's default) is rowstamp's comparison,
    which corrects what Alembic misses per engine; a function of the project's is asked
    first, rowstamp's when it returns None. Offline, the URL is rowstamp's settings'.
    """
    with migration.user_errors(RunOptions.of(context.config)):
        return _merged(_run(), project)


def _merged(run: RunOptions, project: dict[str, Any]) -> dict[str, Any]:
    metadata = project.get("target_metadata")
    if not isinstance(metadata, MetaData):
        metadata = MetaData()
    if context.is_offline_mode():
        project.pop("url", None)
        ours = migration.offline_options(run, metadata)
    else:
        ours = migration.online_options(run, metadata)
    merged = {**ours, **project}
    for name in _CHAINED:
        if name in ours and name in project and project[name] is not None:
            merged[name] = _chain(name, project[name], ours[name])
    if project.get("include_name") is not None:
        merged["include_name"] = migration.without_ledger(
            project["include_name"], own_tables(context.config)
        )
    compare = project.get("compare_type")
    if compare is True:
        merged["compare_type"] = ours["compare_type"]
    elif callable(compare):
        merged["compare_type"] = _first_opinion(compare, ours["compare_type"])
    plugins = project.get("autogenerate_plugins")
    if plugins is not None:
        merged["autogenerate_plugins"] = [*plugins, *migration.AUTOGENERATE_PLUGINS]
    return merged


def _first_opinion(first: Callable[..., Any], then: Callable[..., Any]) -> Callable[..., Any]:
    """A comparison hook: ``first``'s answer, ``then``'s where ``first`` has none (None)."""

    def compare(*args: Any) -> Any:
        answer = first(*args)
        return then(*args) if answer is None else answer

    return compare


def _chain(name: str, first: Callable[..., Any], then: Callable[..., Any]) -> Callable[..., Any]:
    """Both hooks; ``render_item`` stops at the first that renders (returns not False)."""
    if name == "render_item":

        def render_item(*args: Any) -> Any:
            rendered = first(*args)
            return rendered if rendered is not False else then(*args)

        return render_item

    def both(*args: Any, **kwargs: Any) -> None:
        first(*args, **kwargs)
        then(*args, **kwargs)

    return both
