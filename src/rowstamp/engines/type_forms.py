"""A dialect's own column type, named instead of built.

A migration pins an engine's own type as text (``mysql.DATETIME(fsp=6)``), and writing
that text needs no type object. Building one imports its dialect package, which for
MySQL imports every MySQL driver module: about a tenth of a second that each
``alembic revision --autogenerate`` on PostgreSQL or SQLite paid for nothing
(``bench/whole_command.py``). ``tests/unit/engines/test_engine_registry.py`` holds
``source()`` to SQLAlchemy's own ``repr`` of the built type, the text Alembic writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from sqlalchemy.types import TypeEngine

__all__ = ["DialectType"]


@dataclass(frozen=True)
class DialectType:
    """``sqlalchemy.dialects.<dialect>.<name>(**arguments)``."""

    dialect: str
    name: str
    arguments: tuple[tuple[str, Any], ...] = ()

    def source(self) -> str:
        """The type as a migration writes it (``from sqlalchemy.dialects import <dialect>``)."""
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.arguments)
        return f"{self.dialect}.{self.name}({arguments})"

    def build(self) -> TypeEngine[Any]:
        """The type object, for a run on this engine (imports the dialect package)."""
        kind = getattr(import_module(f"sqlalchemy.dialects.{self.dialect}"), self.name)
        type_: TypeEngine[Any] = kind(**dict(self.arguments))
        return type_
