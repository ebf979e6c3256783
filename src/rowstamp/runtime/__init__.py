"""Applying migrations: what ``alembic/env.py`` calls, the lock, protected environments,
backups, rehearsals, progress, the state left by a failure, and the database's status."""
