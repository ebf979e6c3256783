"""One typed run context: what a caller asks of a run through ``alembic/env.py``.

Alembic carries a caller's wishes into ``env.py`` only through
``Config.attributes``; rowstamp keeps all of them in one frozen ``RunOptions``
under one key, instead of a string key per wish. What the run itself finds or
does (its progress, the engine it migrates, the notes autogenerate leaves) is
mutable, so it lives beside the options in a ``RunState`` that every copy of
the options shares: the caller reads it back after the command returns.

A plain ``alembic upgrade`` has no rowstamp caller: ``RunOptions.from_alembic``
completes the defaults once per run, loading the settings for ``$ENVIRONMENT``
and reading the command and ``-x`` arguments from Alembic's context.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

    from alembic.config import Config
    from alembic.operations.ops import MigrationScript
    from alembic.runtime.environment import EnvironmentContext
    from sqlalchemy import Connection, Engine, MetaData

    from rowstamp.runtime.backup import Backup
    from rowstamp.runtime.ledger_run import LedgerRun
    from rowstamp.runtime.progress import Progress, Step
    from rowstamp.settings import RowstampSettings, SettingsLoader

__all__ = [
    "CONNECTION_KEY",
    "OPTIONS_KEY",
    "RunOptions",
    "RunState",
    "alembic_environment",
    "debug_requested",
]

OPTIONS_KEY = "rowstamp.run_options"
"""The one ``Config.attributes`` key rowstamp uses."""

CONNECTION_KEY = "connection"
"""Alembic's cookbook key for a connection handed to env.py (pytest-alembic uses it
too, with an Engine); accepted from outside, never set by rowstamp."""


@dataclass
class RunState:
    """What a run found and did, for the caller and the failure report."""

    progress: Progress | None = None
    """The steps of the current ``env.py`` run (online runs only)."""
    engine: Engine | None = None
    """The engine migrated: a failure report reads the state left through it."""
    notes: list[str] = field(default_factory=list)
    """Differences autogenerate does not write (``rowstamp.autogen.unseen``)."""
    target_metadata: MetaData | None = None
    """The models env.py migrated to: the status report reads rowstamp's columns there."""
    ledger: LedgerRun | None = None
    """This run's ledger writer (online upgrades, downgrades and stamps)."""
    directives: list[MigrationScript] = field(default_factory=list)
    """What autogenerate renders, after every hook: ``rowstamp new`` reviews these."""


@dataclass(frozen=True)
class RunOptions:
    """What the caller of an Alembic command wants from ``env.py``."""

    settings: RowstampSettings | None = None
    """The environment's settings; None: ``from_alembic`` loads them for ``environment``."""
    environment: str | None = None
    """The environment named by the caller (``--env``); None: ``$ENVIRONMENT``, else
    development. Only used when ``settings`` is None."""
    command: str | None = None
    """The Alembic command running (``upgrade``, ``downgrade``, ...); None: the one
    Alembic was asked to run."""
    debug: bool = False
    """Let exceptions and their tracebacks through instead of one-line errors."""
    configure_logger: bool = True
    """Let env.py set up logging from alembic.ini (the rowstamp CLI prints its own lines)."""
    skip_empty: bool = False
    """An autogenerate that finds no change writes no file."""
    scratch: bool = False
    """The database is a scratch copy (a rehearsal, ``rowstamp test``): no backup, no prompt."""
    confirmed: bool = False
    """The caller already confirmed a downgrade of a protected environment."""
    no_backup: str | None = None
    """The reason given for migrating a protected environment without a backup."""
    verify_restore: bool = False
    """Also prove the backup by restoring it."""
    backup: Backup | None = None
    """A verified backup the caller took just before (a rehearsal's), used instead of a new one."""
    printer: Callable[[Step], None] | None = None
    """Called with each step the run finishes (the CLI prints it)."""
    say: Callable[[str], None] | None = None
    """Called with each line a long step reports as it goes (a backfill's progress);
    None: the ``rowstamp`` logger only, which plain ``alembic`` shows."""
    connection: Connection | Engine | None = None
    """Migrate on this connection or engine instead of one to the settings' URL."""
    accept_edited: tuple[str, ...] = ()
    """Applied revisions whose edit the caller accepts (``--accept-edited``, ``-x
    accept-edited=REV[,REV]``): the upgrade logs it in the ledger instead of refusing."""
    accept_reason: str | None = None
    """Why the edit is accepted (``--reason``, ``-x reason=TEXT``), kept in the ledger."""
    phase: str = "expand"
    """The phase a new revision declares (``rowstamp new --phase``): the template's ``phase``."""
    schema: str | None = None
    """Migrate this schema of the database (a tenant's, ``rowstamp fleet``): it is the
    session's ``search_path`` and Alembic's ``version_table_schema``, so each schema has
    its own version table, ledger and migration lock (``rowstamp.fleet.schema``)."""
    state: RunState = field(default_factory=RunState, compare=False, repr=False)

    @classmethod
    def of(cls, config: Config) -> RunOptions:
        """The options installed on ``config``; defaults (installed, so the state is
        shared) when no rowstamp caller installed any."""
        options = config.attributes.get(OPTIONS_KEY)
        if isinstance(options, RunOptions):
            return options
        return cls(debug=debug_requested()).install(config)

    def install(self, config: Config) -> RunOptions:
        """Make these the options of ``config``'s runs; returns them."""
        config.attributes[OPTIONS_KEY] = self
        return self

    def but(self, **changes: Any) -> RunOptions:
        """A copy with ``changes``, sharing this run's state."""
        return replace(self, **changes)

    def required_settings(self) -> RowstampSettings:
        """The settings; a run's options have them (``from_alembic`` loads them)."""
        if self.settings is None:
            raise RuntimeError("RunOptions without settings: call RunOptions.from_alembic")
        return self.settings

    @classmethod
    def from_alembic(
        cls, context: ModuleType, load_settings: SettingsLoader[RowstampSettings]
    ) -> RunOptions:
        """This ``env.py`` run's options: the caller's, completed from Alembic's context.

        ``load_settings`` is the application's ``get_settings``, used only when no
        caller passed settings. The command, the connection handed in under
        ``"connection"`` and the ``-x no-backup``/``confirm``/``accept-edited``/``reason``
        arguments of a plain ``alembic`` run are read here, once; ``-x phase=expand``
        limits the upgrade to the expand phase (``rowstamp.runtime.phase_option``).
        """
        from sqlalchemy import Connection, Engine

        from rowstamp.runtime.phase_option import PHASE_ARGUMENT, limit_to_phase

        config: Config = context.config
        options = cls.of(config)
        settings = options.settings
        if settings is None:
            settings = load_settings(options.environment)
        environment = alembic_environment()
        x: dict[str, str] = context.get_x_argument(as_dictionary=True)
        given = config.attributes.get(CONNECTION_KEY)
        command = options.command or _command(environment)
        limit_to_phase(environment, x.get(PHASE_ARGUMENT))
        return options.but(
            settings=settings,
            command=command,
            connection=options.connection
            if options.connection is not None
            else (given if isinstance(given, Connection | Engine) else None),
            no_backup=options.no_backup if options.no_backup is not None else x.get("no-backup"),
            confirmed=options.confirmed or x.get("confirm") == settings.environment,
            accept_edited=options.accept_edited
            or tuple(r.strip() for r in x.get("accept-edited", "").split(",") if r.strip()),
            accept_reason=options.accept_reason
            if options.accept_reason is not None
            else x.get("reason"),
        )

    @contextmanager
    def applied(self, config: Config) -> Iterator[RunOptions]:
        """Install these options for one Alembic command, then restore the previous ones."""
        previous = config.attributes.get(OPTIONS_KEY)
        self.install(config)
        try:
            yield self
        finally:
            if previous is None:
                config.attributes.pop(OPTIONS_KEY, None)
            else:
                config.attributes[OPTIONS_KEY] = previous


def alembic_environment() -> EnvironmentContext | None:
    """The ``EnvironmentContext`` running ``env.py`` now, else None: its ``context_opts``
    hold the command's step function (``fn``) and target. Alembic offers it only
    through a private proxy (``rowstamp.compat.current_environment``)."""
    from alembic.runtime.environment import EnvironmentContext

    from rowstamp.compat import current_environment

    environment = current_environment()
    return environment if isinstance(environment, EnvironmentContext) else None


def _command(environment: EnvironmentContext | None) -> str | None:
    """The command Alembic runs, named by its step function (``upgrade``'s is ``upgrade``)."""
    if environment is None:
        return None
    return getattr(environment.context_opts.get("fn"), "__name__", None)


def debug_requested() -> bool:
    """``ROWSTAMP_DEBUG=1``: how a plain ``alembic`` run (or any caller) asks for tracebacks."""
    return os.environ.get("ROWSTAMP_DEBUG", "").lower() in {"1", "true", "yes"}
