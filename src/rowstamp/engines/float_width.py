"""``Float(precision=p)`` compared as the engine stores it, for Alembic's type comparison.

``p`` is the SQL standard's binary precision: PostgreSQL, MySQL and MariaDB store
``FLOAT(1..24)`` as a single-precision float (``REAL``, ``FLOAT``) and
``FLOAT(25..53)`` as a double (``DOUBLE PRECISION``, ``DOUBLE``), and reflect that
type, not the ``p`` it came from. Alembic compares the words, so a model's
``Float(precision=53)`` showed as ``DOUBLE -> FLOAT(53)`` on every run on MariaDB
(``REAL -> FLOAT(24)`` on PostgreSQL), and model match could never pass. The
implementations in ``postgresql_alembic`` and ``mysql_alembic`` compare the width
instead; anything else is left to Alembic.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import FLOAT, Double, Float, TypeEngine

__all__ = ["FloatWidthComparison", "same_float_width"]

_SINGLE_MAX_PRECISION = 24
"""The largest binary precision stored as a single-precision float."""


def same_float_width(reflected: TypeEngine[Any], declared: TypeEngine[Any]) -> bool | None:
    """Whether a declared generic ``Float(precision=p)`` is the reflected float type;
    None when this rule does not decide (no ``p``, a dialect's own float type, a
    MySQL ``FLOAT(M,D)`` with decimal digits, or a type that is not a float)."""
    precision = getattr(declared, "precision", None)
    if type(declared) not in (Float, FLOAT) or precision is None:
        return None
    if not isinstance(reflected, Float) or getattr(reflected, "scale", None) is not None:
        return None
    declared_single = bool(precision <= _SINGLE_MAX_PRECISION)
    return declared_single != isinstance(reflected, Double)


class FloatWidthComparison:
    """An Alembic ``DefaultImpl`` mix-in: ``compare_type`` sees ``FLOAT(53)`` as ``DOUBLE``."""

    def compare_type(self, inspector_column: Any, metadata_column: Any) -> bool:
        same = same_float_width(inspector_column.type, metadata_column.type)
        if same is not None:
            return not same
        return bool(super().compare_type(inspector_column, metadata_column))  # type: ignore[misc]
