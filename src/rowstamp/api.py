"""The typed Python API behind the ``rowstamp`` command and the ``scripts/``.

Each function does one step of the guide's workflow on an Alembic ``Config``;
the CLI only parses arguments and prints what these return.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from alembic import command
from rowstamp.errors import RevisionError, RowstampError, SettingsError
from rowstamp.messages import check_message
from rowstamp.migration import DIRECTIVES_KEY, SKIP_EMPTY_KEY, connect
from rowstamp.settings import RowstampSettings
from rowstamp.summary import describe_operations

__all__ = [
    "NewRevision",
    "UpgradeResult",
    "apply_migrations",
    "current_heads",
    "load_config",
    "new_revision",
    "project_settings",
]

SETTINGS_OPTION = "settings"
"""``[rowstamp] settings = module:function`` in alembic.ini: the app's cached loader."""


@dataclass(frozen=True)
class NewRevision:
    """A migration file written by autogenerate."""

    revision: str
    message: str
    path: Path
    operations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UpgradeResult:
    """What an upgrade changed."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    applied: list[Script]


def load_config(path: Path | str | None = None) -> Config:
    """Alembic's ``Config`` for ``path`` (default ``$ALEMBIC_CONFIG`` or ``./alembic.ini``)."""
    ini = Path(path or os.environ.get("ALEMBIC_CONFIG") or "alembic.ini")
    if not ini.is_file():
        raise SettingsError(
            f"no Alembic configuration at {ini}",
            "run from the project root (where alembic.ini is) or pass --config",
        )
    config = Config(str(ini))
    # The CLI reports what happened itself; Alembic's INFO lines would repeat it.
    config.attributes["configure_logger"] = False
    for entry in reversed(config.get_prepend_sys_paths_list() or []):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    return config


def project_settings(config: Config) -> RowstampSettings:
    """The application's settings, through its cached loader named in alembic.ini."""
    target = config.get_section_option("rowstamp", SETTINGS_OPTION)
    if not target or ":" not in target:
        raise SettingsError(
            f"alembic.ini has no [rowstamp] {SETTINGS_OPTION} = module:function",
            "add it, e.g. settings = app.core.config:get_settings",
        )
    module_name, _, attribute = target.partition(":")
    try:
        loader: Callable[[], RowstampSettings] = getattr(
            importlib.import_module(module_name), attribute
        )
    except (ImportError, AttributeError) as exc:
        raise SettingsError(
            f"cannot load settings from {target}: {exc}", "fix alembic.ini"
        ) from None
    return loader()


@contextmanager
def _alembic_errors(hint: str = "") -> Iterator[None]:
    try:
        yield
    except CommandError as exc:
        text = str(exc)
        if "not up to date" in text:
            raise RevisionError(
                "the database is not at the newest revision, so autogenerate would repeat "
                "pending migrations",
                "apply them first: ./scripts/dev_migrate (or alembic upgrade head)",
            ) from None
        raise RevisionError(text.rstrip("."), hint) from None


def existing_messages(config: Config) -> dict[str, str]:
    """Revision id to message, for every revision in ``alembic/versions``."""
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("fix the migration files in alembic/versions"):
        return {s.revision: (s.doc or "") for s in scripts.walk_revisions()}


def new_revision(config: Config, message: str, *, allow_empty: bool = False) -> NewRevision:
    """Autogenerate a migration named by ``message``; no file is written on any failure.

    With ``allow_empty`` false, a migration with no operations is not written and
    ``NoChangesError`` says so.
    """
    from rowstamp.errors import NoChangesError

    text = check_message(message, existing_messages(config))
    config.attributes[SKIP_EMPTY_KEY] = not allow_empty
    config.attributes.pop(DIRECTIVES_KEY, None)
    with _alembic_errors():
        written = command.revision(config, message=text, autogenerate=True)
    script = written[0] if isinstance(written, list) and written else written
    if not isinstance(script, Script):
        raise NoChangesError(
            "autogenerate found no difference between the models and the database",
            "nothing was written; change a model first, or pass --empty for a hand-written one",
        )
    directives = config.attributes.get(DIRECTIVES_KEY) or []
    operations = describe_operations(directives[0].upgrade_ops) if directives else []
    return NewRevision(script.revision, text, Path(script.path), operations)


def current_heads(config: Config) -> tuple[str, ...]:
    """Revisions the database is at (empty before the first migration)."""
    settings = project_settings(config)
    with connect(config, settings) as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def apply_migrations(config: Config, target: str = "head") -> UpgradeResult:
    """Upgrade to ``target`` and report which revisions were applied."""
    before = current_heads(config)
    with _alembic_errors("check the revision with: alembic history"):
        command.upgrade(config, target)
    after = current_heads(config)
    return UpgradeResult(before, after, _applied(config, before, after))


def _applied(config: Config, before: tuple[str, ...], after: tuple[str, ...]) -> list[Script]:
    if set(before) == set(after):
        return []
    scripts = ScriptDirectory.from_config(config)
    lower = before or ("base",)
    try:
        revisions = list(scripts.iterate_revisions(after, lower))
    except CommandError as exc:  # pragma: no cover - only on an inconsistent history
        raise RowstampError(str(exc)) from None
    return [r for r in reversed(revisions) if isinstance(r, Script) and r.revision not in before]
