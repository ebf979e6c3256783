"""Trimmed to the SQL store's models and Alembic history (see PROVENANCE.md)."""
