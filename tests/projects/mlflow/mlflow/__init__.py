"""Trimmed: mlflow's package root imports the whole library; this copy keeps only its
SQL store's models and Alembic history, and what they import (see PROVENANCE.md)."""
