"""Trimmed: only ``StudyDirection`` (see PROVENANCE.md)."""

from optuna.study._study_direction import StudyDirection

__all__ = ["StudyDirection"]
