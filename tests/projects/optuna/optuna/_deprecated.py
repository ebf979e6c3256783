"""Trimmed: optuna's ``deprecated_class`` adds a warning and a docstring note to the old
distribution classes; the history only needs the classes (see PROVENANCE.md)."""

from __future__ import annotations

from typing import Any


def deprecated_class(
    deprecated_version: str,
    removed_version: str,
    name: str | None = None,
    text: str | None = None,
) -> Any:
    return lambda cls: cls
