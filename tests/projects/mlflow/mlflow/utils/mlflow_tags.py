"""Trimmed: only the tag names the history uses (see PROVENANCE.md)."""

MLFLOW_USER = "mlflow.user"
