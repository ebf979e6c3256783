"""Trimmed: optuna's package root imports the whole library; this copy keeps only what
its RDB storage models and Alembic history import (see PROVENANCE.md)."""
