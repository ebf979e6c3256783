"""Alembic environment: Alembic's template, with the URL, options and error
handling supplied by rowstamp from the application's settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from app.core.config import get_settings
from app.db.base import Base
from rowstamp.runtime import env as migration

config = context.config
# Alembic's logging setup from alembic.ini, unless a caller (the rowstamp CLI) prints its own.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``--sql``) without connecting to the database."""
    context.configure(**migration.offline_options(config, get_settings(), target_metadata))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a connection to the environment's database."""
    settings = get_settings()
    with migration.connect(config, settings) as connection, migration.locked(connection, settings):
        migration.protect(config, settings, connection)  # production: confirm, verified backup
        context.configure(
            connection=connection, **migration.online_options(config, settings, target_metadata)
        )
        with context.begin_transaction():
            context.run_migrations()


with migration.user_errors():  # also for a model that fails to import: one line, no traceback
    import app.models  # noqa: F401 - imports every model module, filling Base.metadata

    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
