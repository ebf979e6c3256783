"""The project as Alembic sees it: its ``Config``, its settings, and the run options
the ``Config`` carries to env.py.

The settings come from the application's loader named in alembic.ini
(``[rowstamp] settings = app.core.config:get_settings``), for the environment the
caller named, and are loaded once per ``Config``: they are a value handed to env.py,
not something it reads again.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from rowstamp.errors import SettingsError
from rowstamp.runtime.env import connect
from rowstamp.runtime.options import RunOptions, debug_requested
from rowstamp.settings import RowstampSettings, SettingsLoader

__all__ = [
    "BASELINE_OPTION",
    "SETTINGS_OPTION",
    "adoption_baseline",
    "current_heads",
    "load_config",
    "load_reference",
    "project_settings",
    "rowstamp_option",
    "run_options",
]

SETTINGS_OPTION = "settings"
"""``[rowstamp] settings = module:function`` in alembic.ini: the app's settings loader."""

BASELINE_OPTION = "baseline"
"""``[rowstamp] baseline = <revision>`` in alembic.ini: the last revision written before
the project adopted rowstamp; it and its ancestors are the project's own history."""


def load_config(path: Path | str | None = None, options: RunOptions | None = None) -> Config:
    """Alembic's ``Config`` for ``path`` (default ``$ALEMBIC_CONFIG`` or ``./alembic.ini``),
    carrying ``options`` to env.py (default: Alembic's logging off, ``$ROWSTAMP_DEBUG``)."""
    ini = Path(path or os.environ.get("ALEMBIC_CONFIG") or "alembic.ini")
    if not ini.is_file():
        raise SettingsError(
            f"no Alembic configuration at {ini}",
            "run from the project root (where alembic.ini is) or pass --config",
        )
    config = Config(str(ini))
    # The CLI reports what happened itself; Alembic's INFO lines would repeat it.
    (options or RunOptions(configure_logger=False, debug=debug_requested())).install(config)
    for entry in reversed(config.get_prepend_sys_paths_list() or []):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    return config


def rowstamp_option(config: Config, name: str) -> str:
    """alembic.ini's ``[rowstamp] name``, stripped; empty when it or the section is missing."""
    if not config.file_config.has_section("rowstamp"):
        return ""
    return (config.get_section_option("rowstamp", name) or "").strip()


def adoption_baseline(config: Config) -> str | None:
    """The revision ``[rowstamp] baseline`` names, or None for a project that started
    with rowstamp (every revision is rowstamp's)."""
    return rowstamp_option(config, BASELINE_OPTION) or None


def load_reference(option: str, target: str, what_to_do: str) -> Any:
    """The object an alembic.ini ``[rowstamp]`` option names as ``module:attribute``
    (dotted attributes allowed); one line naming the option when it cannot be loaded."""
    module_name, _, attribute = target.strip().partition(":")
    try:
        value: Any = importlib.import_module(module_name)
        for part in filter(None, attribute.split(".")):
            value = getattr(value, part)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SettingsError(
            f"cannot load alembic.ini [rowstamp] {option} = {target}: {exc}", what_to_do
        ) from None
    return value


def project_settings(
    config: Config, environment: str | None = None, *, database_url: str | None = None
) -> RowstampSettings:
    """The settings of ``environment`` (default: ``$ENVIRONMENT``, else development),
    through the application's loader named in alembic.ini (on ``database_url`` when
    given)."""
    target = config.get_section_option("rowstamp", SETTINGS_OPTION)
    if not target or ":" not in target:
        raise SettingsError(
            f"alembic.ini has no [rowstamp] {SETTINGS_OPTION} = module:function",
            "add it, e.g. settings = app.core.config:get_settings",
        )
    loader: SettingsLoader[RowstampSettings] = load_reference(
        SETTINGS_OPTION, target, "fix alembic.ini"
    )
    if database_url is not None:
        return loader(environment, database_url=database_url)
    return loader(environment)


def run_options(config: Config) -> RunOptions:
    """``config``'s run options with their settings, loaded once (and installed)."""
    options = RunOptions.of(config)
    if options.settings is not None:
        return options
    return options.but(settings=project_settings(config, options.environment)).install(config)


def current_heads(config: Config) -> tuple[str, ...]:
    """Revisions the database is at (empty before the first migration)."""
    with connect(run_options(config)) as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())
