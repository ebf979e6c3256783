"""Trimmed: optuna's storages package imports every storage; this copy keeps ``_rdb``."""
