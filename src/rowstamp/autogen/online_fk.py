"""``op.create_foreign_key_online``: a foreign key added to a live MySQL/MariaDB table
without copying it, its existing rows checked apart.

``op.create_foreign_key`` on MySQL/MariaDB copies the table while it checks the rows
(``foreign_key_checks`` on), and writers wait for the whole copy. This operation takes
Alembic's arguments, and on those engines adds the key ``ALGORITHM=INPLACE,
LOCK=NONE`` with ``foreign_key_checks`` off for that one statement, then finds a row
that breaks it with one anti-join query; if there is one it drops the key again and
stops the upgrade in one line (``engines/mysql_foreign_keys.py``). On other engines it
is ``op.create_foreign_key``, so the file runs everywhere. Autogenerate writes it for
tables that already exist when it compares with MySQL or MariaDB; what it does is in
the file, not in the installed version of rowstamp.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from rowstamp.engines.mysql_foreign_keys import add_foreign_key_online
from rowstamp.engines.mysql_online import PinnedAlters

__all__ = ["OnlineForeignKeyOp"]


@Operations.register_operation("create_foreign_key_online", "create_foreign_key")
class OnlineForeignKeyOp(ops.CreateForeignKeyOp):
    """``op.create_foreign_key`` whose existing rows are checked apart on MySQL/MariaDB,
    so the key is added in place instead of by a table copy."""

    rows_checked_apart = True
    """Read by ``engines/mysql_copies.py``: this foreign key does not copy the table."""

    @classmethod
    def from_op(cls, op: ops.CreateForeignKeyOp) -> OnlineForeignKeyOp:
        return cls(
            op.constraint_name,
            op.source_table,
            op.referent_table,
            op.local_cols,
            op.remote_cols,
            **op.kw,
        )


@Operations.implementation_for(OnlineForeignKeyOp)
def _create_foreign_key_online(operations: Operations, operation: OnlineForeignKeyOp) -> None:
    impl = operations.impl
    if isinstance(impl, PinnedAlters):
        add_foreign_key_online(impl, operation.to_constraint())
    else:
        impl.add_constraint(operation.to_constraint())


@renderers.dispatch_for(OnlineForeignKeyOp)
def _render(autogen_context: AutogenContext, op: OnlineForeignKeyOp) -> str:
    plain = renderers.dispatch(ops.CreateForeignKeyOp)(autogen_context, op)
    return str(plain).replace("create_foreign_key(", "create_foreign_key_online(", 1)
