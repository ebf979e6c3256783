"""Trimmed to ``dbmodels`` (see PROVENANCE.md)."""
