"""``rowstamp init --adopt`` in an existing Alembic project."""
