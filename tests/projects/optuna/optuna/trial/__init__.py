"""Trimmed: only ``TrialState`` (see PROVENANCE.md)."""

from optuna.trial._state import TrialState

__all__ = ["TrialState"]
