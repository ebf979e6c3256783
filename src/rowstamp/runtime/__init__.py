"""Applying migrations: what ``alembic/env.py`` calls, the lock, protected environments,
backups, rehearsals, progress, the state left by a failure, the database's status, and
the expand phase of a zero-downtime deploy (``upgrade --phase expand``)."""
