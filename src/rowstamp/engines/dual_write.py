"""The dual-write trigger of a safe column rename, as constructs each engine compiles.

While a column is renamed safely, the old application writes the old column and the
new application the new one, so the two must hold the same value whichever is
written. The trigger keeps them in sync on every ``INSERT`` and ``UPDATE``:

- an ``INSERT`` that gives the new column a value copies it to the old one, else the
  old column's value goes to the new one;
- an ``UPDATE`` that changes the new column copies it to the old one, else the old
  column's value goes to the new one (so the old code's writes reach the new column).

Each engine builds this its own way (PostgreSQL: one ``BEFORE INSERT OR UPDATE``
trigger and its function; MySQL/MariaDB: two ``BEFORE`` triggers with one ``SET``
each; SQLite: two ``AFTER`` triggers that update the row, as SQLite cannot assign to
``NEW``). The engine modules register their statements here (``register``), and the
rename operation asks for them by engine, never by dialect name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.sql.ddl import ExecutableDDLElement

from rowstamp.engines.base import EngineSupport, bounded_name
from rowstamp.errors import UnsupportedEngineError

__all__ = [
    "DUAL_WRITE_PREFIX",
    "DUAL_WRITE_VERSIONS",
    "CreateDualWriteFunction",
    "CreateDualWriteTrigger",
    "DropDualWriteFunction",
    "DropDualWriteTrigger",
    "DualWriteSpec",
    "create_statements",
    "drop_statements",
    "register",
]

DUAL_WRITE_VERSIONS = frozenset({1})
"""The trigger forms this rowstamp knows; a rename operation pins one (``version=``)."""

DUAL_WRITE_PREFIX = "rowstamp_rename_"
"""How the names of the dual-write triggers and functions start (rowstamp's own objects)."""


class DualWriteSpec:
    """Everything that shapes the SQL of one table's dual-write trigger."""

    def __init__(
        self, table_name: str, schema: str | None, old: str, new: str, *, version: int
    ) -> None:
        self.table_name = table_name
        self.schema = schema
        self.old = old
        self.new = new
        self.version = version

    def name(self, limit: int, event: str | None = None) -> str:
        """A trigger's or function's name: the table, both columns and the event,
        shortened deterministically to the engine's ``limit``."""
        parts = [DUAL_WRITE_PREFIX.rstrip("_"), self.table_name, self.old, self.new] + (
            [event] if event else []
        )
        return bounded_name("_".join(parts), limit)


class _DualWriteDDL(ExecutableDDLElement):
    inherit_cache = False

    def __init__(self, spec: DualWriteSpec, event: str | None = None) -> None:
        self.spec = spec
        self.event = event
        """``insert`` or ``update`` where an engine needs one trigger per event."""


class CreateDualWriteFunction(_DualWriteDDL):
    """Create (or replace with the same pinned body) the trigger's function."""


class DropDualWriteFunction(_DualWriteDDL):
    """Drop the trigger's function."""


class CreateDualWriteTrigger(_DualWriteDDL):
    """Create the dual-write trigger (for ``event``) if it is missing."""


class DropDualWriteTrigger(_DualWriteDDL):
    """Drop the dual-write trigger (for ``event``) if it is present."""


Plan = Callable[[DualWriteSpec], Sequence[ExecutableDDLElement]]
_CREATE: dict[type[EngineSupport], Plan] = {}
_DROP: dict[type[EngineSupport], Plan] = {}


def register(support: type[EngineSupport], create: Plan, drop: Plan) -> None:
    """Name the statements that create and drop the trigger on ``support``'s engine
    (and its subclasses: MariaDB's are MySQL's)."""
    _CREATE[support] = create
    _DROP[support] = drop


def _plan(plans: dict[type[EngineSupport], Plan], support: EngineSupport) -> Plan:
    for cls in type(support).__mro__:
        if cls in plans:
            return plans[cls]
    raise UnsupportedEngineError(
        f"op.rename_column_safely has no dual-write trigger for {support.name}",
        "rename the column in an expand and a contract revision of your own",
    )


def create_statements(
    support: EngineSupport, spec: DualWriteSpec
) -> Sequence[ExecutableDDLElement]:
    """The statements that create the trigger on ``support``'s engine, in order."""
    return _plan(_CREATE, support)(spec)


def drop_statements(support: EngineSupport, spec: DualWriteSpec) -> Sequence[ExecutableDDLElement]:
    """The statements that drop the trigger on ``support``'s engine, in order."""
    return _plan(_DROP, support)(spec)
