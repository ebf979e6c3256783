"""Trimmed: only the stage and status names the models and the history use."""
