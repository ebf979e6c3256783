"""Alembic environment: Alembic's template, with the URL, options and error
handling supplied by rowstamp from the application's settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from app.core.config import get_settings
from app.db.base import Base
from rowstamp.runtime import env as migration
from rowstamp.runtime.options import RunOptions

config = context.config
options = RunOptions.of(config)  # what a caller (the rowstamp CLI, a test) asks of this run
# Alembic's logging setup from alembic.ini, unless a caller (the rowstamp CLI) prints its own.
if config.config_file_name is not None and options.configure_logger:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_offline(run: RunOptions) -> None:
    """Emit SQL to stdout (``--sql``) without connecting to the database."""
    context.configure(**migration.offline_options(run, target_metadata))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online(run: RunOptions) -> None:
    """Run migrations on a connection to the environment's database."""
    with migration.connect(run) as connection, migration.locked(connection, run):
        migration.protect(run, connection)  # production: confirm, verified backup
        context.configure(connection=connection, **migration.online_options(run, target_metadata))
        with context.begin_transaction():
            context.run_migrations()


# One line, no traceback, also for a model that fails to import or bad settings.
with migration.user_errors(options):
    import app.models  # noqa: F401 - imports every model module, filling Base.metadata

    run = RunOptions.from_alembic(context, get_settings)
    if context.is_offline_mode():
        run_migrations_offline(run)
    else:
        run_migrations_online(run)
