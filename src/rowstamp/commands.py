"""The typed Python API behind the ``rowstamp`` command and the ``scripts/``.

Each function does one step of the guide's workflow on an Alembic ``Config``;
the CLI only parses arguments and prints what these return.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from alembic import command
from rowstamp.errors import RevisionError, RowstampError, SettingsError
from rowstamp.history.messages import check_message
from rowstamp.runtime.env import MigrationInterrupted, OneLineError, connect
from rowstamp.runtime.options import RunOptions, RunState, debug_requested
from rowstamp.settings import RowstampSettings, SettingsLoader

__all__ = [
    "HistoryEntry",
    "NewRevision",
    "UpgradeResult",
    "apply_migrations",
    "current_heads",
    "history",
    "load_config",
    "new_revision",
    "project_settings",
    "revert_migrations",
    "run_options",
]

SETTINGS_OPTION = "settings"
"""``[rowstamp] settings = module:function`` in alembic.ini: the app's cached loader."""


@dataclass(frozen=True)
class NewRevision:
    """A migration file written by autogenerate."""

    revision: str
    message: str
    path: Path
    blind_spots: list[str] = field(default_factory=list)
    """Differences autogenerate does not write (server defaults, enum values)."""


@dataclass(frozen=True)
class UpgradeResult:
    """What an upgrade changed."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    applied: list[Script]


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


def project_settings(config: Config, environment: str | None = None) -> RowstampSettings:
    """The settings of ``environment`` (default: ``$ENVIRONMENT``, else development),
    through the application's loader named in alembic.ini."""
    target = config.get_section_option("rowstamp", SETTINGS_OPTION)
    if not target or ":" not in target:
        raise SettingsError(
            f"alembic.ini has no [rowstamp] {SETTINGS_OPTION} = module:function",
            "add it, e.g. settings = app.core.config:get_settings",
        )
    module_name, _, attribute = target.partition(":")
    try:
        loader: SettingsLoader[RowstampSettings] = getattr(
            importlib.import_module(module_name), attribute
        )
    except (ImportError, AttributeError) as exc:
        raise SettingsError(
            f"cannot load settings from {target}: {exc}", "fix alembic.ini"
        ) from None
    return loader(environment)


def run_options(config: Config) -> RunOptions:
    """``config``'s run options with their settings, loaded once (and installed)."""
    options = RunOptions.of(config)
    if options.settings is not None:
        return options
    return options.but(settings=project_settings(config, options.environment)).install(config)


@contextmanager
def _alembic_errors(hint: str = "") -> Iterator[None]:
    try:
        yield
    except MigrationInterrupted:
        raise  # its own one line, and the CLI's exit code 130
    except OneLineError as exc:
        raise RowstampError(str(exc)) from None
    except CommandError as exc:
        text = str(exc)
        if "not up to date" in text:
            raise RevisionError(
                "the database is not at the newest revision, so autogenerate would repeat "
                "pending migrations",
                "apply them first: ./scripts/dev_migrate (or alembic upgrade head)",
            ) from None
        if "ultiple head" in text:
            hint = "join the branches first: rowstamp merge (see: rowstamp heads)"
        raise RevisionError(text.rstrip("."), hint) from None


def existing_messages(config: Config) -> dict[str, str]:
    """Revision id to message, for every revision in ``alembic/versions``."""
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("fix the migration files in alembic/versions"):
        return revision_messages(scripts)


def revision_messages(scripts: ScriptDirectory) -> dict[str, str]:
    """Revision id to message, for every revision ``scripts`` holds."""
    return {s.revision: (s.doc or "") for s in scripts.walk_revisions()}


def new_revision(config: Config, message: str, *, allow_empty: bool = False) -> NewRevision:
    """Autogenerate a migration named by ``message``; no file is written on any failure.

    With ``allow_empty`` false, a migration with no operations is not written and
    ``NoChangesError`` says so.
    """
    from rowstamp.errors import NoChangesError

    text = check_message(message, existing_messages(config))
    run = RunOptions.of(config).but(skip_empty=not allow_empty, state=RunState())
    with _alembic_errors(), run.applied(config):
        written = command.revision(config, message=text, autogenerate=True)
    script = written[0] if isinstance(written, list) and written else written
    notes = list(run.state.notes)
    if not isinstance(script, Script):
        if notes:
            raise NoChangesError(
                f"autogenerate wrote nothing, but it cannot see this: {notes[0]}",
                'nothing was written; write the step with: rowstamp new --empty "..."',
            )
        raise NoChangesError(
            "autogenerate found no difference between the models and the database",
            "nothing was written; change a model first, or pass --empty for a hand-written one",
        )
    return NewRevision(script.revision, text, Path(script.path), notes)


def current_heads(config: Config) -> tuple[str, ...]:
    """Revisions the database is at (empty before the first migration)."""
    with connect(run_options(config)) as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def apply_migrations(config: Config, target: str = "head") -> UpgradeResult:
    """Upgrade to ``target`` and report which revisions were applied."""
    before = current_heads(config)
    run = run_options(config).but(command="upgrade")
    with _alembic_errors("check the revision with: alembic history"), run.applied(config):
        command.upgrade(config, target)
    after = current_heads(config)
    return UpgradeResult(before, after, _applied(config, before, after))


def _applied(config: Config, before: tuple[str, ...], after: tuple[str, ...]) -> list[Script]:
    """Revisions reachable from ``after`` but not from ``before``, oldest first."""
    if set(before) == set(after):
        return []
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("check the history with: rowstamp history"):
        reached = [s for s in scripts.iterate_revisions(after, "base") if isinstance(s, Script)]
        known = (
            {s.revision for s in scripts.iterate_revisions(before, "base") if s}
            if (before)
            else set()
        )
    return [s for s in reversed(reached) if s.revision not in known]


@dataclass(frozen=True)
class HistoryEntry:
    """One revision of the history, as ``rowstamp history`` and ``current`` show it."""

    revision: str
    down_revision: tuple[str, ...]
    message: str
    path: Path
    created: str
    """The file's ``Create Date`` (when it was written; databases do not record when applied)."""
    is_head: bool
    is_current: bool


_CREATED = re.compile(r"^Create Date:\s*(?P<date>.+?)(?:\.\d+)?\s*$", re.MULTILINE)


def history(config: Config, current: tuple[str, ...] = ()) -> list[HistoryEntry]:
    """Every revision, newest first, marking the heads and the ``current`` ones."""
    scripts = ScriptDirectory.from_config(config)
    with _alembic_errors("fix the migration files in alembic/versions"):
        heads = set(scripts.get_heads())
        walked = [s for s in scripts.walk_revisions() if isinstance(s, Script)]
    unknown = sorted(set(current) - {s.revision for s in walked})
    if unknown:
        raise RevisionError(
            f"the database is at revision {', '.join(unknown)}, which no migration file defines",
            "restore its migration file (another branch? git log -- alembic/versions), or, once "
            "the schema is checked by hand, record the right one: alembic stamp --purge <revision>",
        )
    entries = []
    for script in walked:
        down = script.down_revision
        found = _CREATED.search(script.longdoc or "")
        entries.append(
            HistoryEntry(
                revision=script.revision,
                down_revision=tuple(down)
                if isinstance(down, list | tuple)
                else ((down,) if down else ()),
                message=script.doc or "",
                path=Path(script.path),
                created=found["date"] if found else "",
                is_head=script.revision in heads,
                is_current=script.revision in current,
            )
        )
    return entries


def revert_migrations(config: Config, target: str = "-1") -> UpgradeResult:
    """Downgrade to ``target`` (default: undo the newest applied migration)."""
    before = current_heads(config)
    if not before:
        raise RevisionError(
            "the database has no migration applied, so there is nothing to downgrade",
            "see: rowstamp current",
        )
    run = run_options(config).but(command="downgrade")
    try:
        with _alembic_errors("check the revision with: rowstamp history"), run.applied(config):
            command.downgrade(config, target)
    except RevisionError as exc:
        if "Ambiguous walk" not in str(exc):
            raise
        raise RevisionError(
            f"cannot go back {target} from {', '.join(before)}: it merges several branches",
            "name the revision to go back to (see: rowstamp history)",
        ) from None
    after = current_heads(config)
    undone = list(reversed(_applied(config, after, before)))
    return UpgradeResult(before, after, undone)
