"""What the trigger operations run: the engine module's statements, compiled per dialect.

Nothing here queries the database, so ``alembic upgrade --sql`` works offline.
"""

from __future__ import annotations

from alembic.operations import Operations

import rowstamp.autogen.render  # noqa: F401 - autogenerate can write what runs here
from rowstamp.autogen.ops import CreateUpdatedAtTriggerOp, DropUpdatedAtTriggerOp
from rowstamp.engines import for_dialect

__all__: list[str] = []


@Operations.implementation_for(CreateUpdatedAtTriggerOp)
def _create(operations: Operations, operation: CreateUpdatedAtTriggerOp) -> None:
    support = for_dialect(operations.get_context().dialect)
    for statement in support.create_statements(operation.spec()):
        operations.execute(statement)


@Operations.implementation_for(DropUpdatedAtTriggerOp)
def _drop(operations: Operations, operation: DropUpdatedAtTriggerOp) -> None:
    support = for_dialect(operations.get_context().dialect)
    for statement in support.drop_statements(operation.spec()):
        operations.execute(statement)
