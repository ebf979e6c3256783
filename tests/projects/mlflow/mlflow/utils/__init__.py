"""Trimmed to ``time`` and ``mlflow_tags`` (see PROVENANCE.md)."""
