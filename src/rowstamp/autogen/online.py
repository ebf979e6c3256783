"""``op.online_alter``: the ``ALTER TABLE`` statements of a block pinned to an algorithm.

On MySQL and MariaDB, autogenerate wraps each change to a table that already
exists in a block that names how the server must make it::

    with op.online_alter(algorithm="INPLACE", lock="NONE"):
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.alter_column("email", existing_type=sa.String(length=255), nullable=False)

Every ``ALTER TABLE``, ``CREATE INDEX`` and ``DROP INDEX`` run inside it gets
``ALGORITHM=INPLACE, LOCK=NONE`` (``engines/mysql_online.py``). The algorithm is
written in the file, not chosen when it runs, so the migration means the same
forever: a server that cannot make the change that way refuses it at once instead of
copying the table, and the run stops with one line saying so. Which algorithm each
operation gets is an engine fact; an operation that copies the table keeps its plain
form (and the ``table-copy`` lint warning). The block does nothing on other engines,
so the file still runs on SQLite and PostgreSQL.

A foreign key added to an existing table is the one exception to the block: it is
written ``op.create_foreign_key_online`` (``online_fk``), after the batch that
precedes it, since it needs ``foreign_key_checks`` off and its rows checked apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import Operations, ops
from sqlalchemy import Connection

from rowstamp.autogen.online_fk import OnlineForeignKeyOp
from rowstamp.autogen.ops import TopLevelOps
from rowstamp.engines import for_dialect
from rowstamp.engines.copies import PinsAlgorithms
from rowstamp.engines.mysql_online import ALGORITHMS, IMPL_ATTRIBUTE, Online, weakest
from rowstamp.errors import RowstampError

__all__ = ["OnlineAlterOp", "pin_online_alters"]


@contextmanager
def _pinned(operations: Operations, online: Online) -> Iterator[None]:
    impl = operations.get_context().impl
    before = getattr(impl, IMPL_ATTRIBUTE, None)
    setattr(impl, IMPL_ATTRIBUTE, online)
    try:
        yield
    finally:
        setattr(impl, IMPL_ATTRIBUTE, before)


@Operations.register_operation("online_alter")
class OnlineAlterOp(ops.OpContainer):
    """Operations whose statements run with ``ALGORITHM=<algorithm>[, LOCK=<lock>]`` on
    MySQL/MariaDB (autogenerate builds it; the migration holds the ``with`` block)."""

    def __init__(self, operations: list[ops.MigrateOperation], online: Online) -> None:
        super().__init__(operations)
        self.online = online

    @classmethod
    def online_alter(
        cls, operations: Operations, *, algorithm: str, lock: str | None = None
    ) -> AbstractContextManager[None]:
        """Run the block's ``ALTER TABLE`` statements with this algorithm (and lock) on
        MySQL/MariaDB; a server that cannot refuses them instead of copying the table."""
        if algorithm not in ALGORITHMS or lock not in (None, "NONE"):
            raise RowstampError(
                f"op.online_alter(algorithm={algorithm!r}, lock={lock!r}) is not an online form",
                f"give algorithm= one of {', '.join(ALGORITHMS)} and lock=None or 'NONE'; "
                "for a change that copies the table, leave it outside the block",
            )
        return _pinned(operations, Online(algorithm, lock))

    def reverse(self) -> TopLevelOps:
        """The reversed operations, unpinned: autogenerate pins the downgrade by itself."""
        return TopLevelOps([op.reverse() for op in reversed(self.ops)])


@renderers.dispatch_for(OnlineAlterOp)
def _render(autogen_context: AutogenContext, op: OnlineAlterOp) -> list[str]:
    prefix = str(autogen_context.opts.get("alembic_module_prefix", "op."))
    lock = f", lock={op.online.lock!r}" if op.online.lock else ""
    block = f"with {prefix}online_alter(algorithm={op.online.algorithm!r}{lock}):"
    lines = [line for child in op.ops for line in render_op(autogen_context, child)]
    return [block, *lines, ""]  # Alembic's printer indents the block and ends it at ""


def _table(op: ops.MigrateOperation) -> tuple[str | None, str] | None:
    if isinstance(op, ops.CreateForeignKeyOp):  # the one op that calls its table "source"
        return op.kw.get("source_schema"), op.source_table
    name = getattr(op, "table_name", None)
    return None if name is None else (getattr(op, "schema", None), str(name))


def _tables(op: ops.MigrateOperation) -> set[tuple[str | None, str] | None]:
    """The tables ``op`` changes (None: one it cannot name, such as raw SQL)."""
    if isinstance(op, ops.ModifyTableOps):
        return {(op.schema, op.table_name)}
    if isinstance(op, ops.OpContainer):
        return {table for child in op.ops for table in _tables(child)}
    return {_table(op)}


def _leaves(op: ops.MigrateOperation) -> list[ops.MigrateOperation]:
    if isinstance(op, ops.OpContainer):
        return [leaf for child in op.ops for leaf in _leaves(child)]
    return [op]


def _form(support: PinsAlgorithms, op: ops.MigrateOperation) -> Online | None:
    return weakest([support.online_form(leaf) for leaf in _leaves(op)])


def _runs(
    support: PinsAlgorithms, batch: ops.ModifyTableOps
) -> list[tuple[Online | None, list[ops.MigrateOperation]]]:
    """The batch's operations in order, grouped into runs that take the same form."""
    runs: list[tuple[Online | None, list[ops.MigrateOperation]]] = []
    for op in batch.ops:
        form = _form(support, op)
        if runs and runs[-1][0] == form:
            runs[-1][1].append(op)
        else:
            runs.append((form, [op]))
    return runs


def _online_foreign_key(op: ops.MigrateOperation) -> OnlineForeignKeyOp | None:
    if isinstance(op, ops.CreateForeignKeyOp) and not isinstance(op, OnlineForeignKeyOp):
        return OnlineForeignKeyOp.from_op(op)
    return None


def _split(batch: ops.ModifyTableOps) -> list[ops.MigrateOperation]:
    """The batch in order, with each foreign key it adds taken out as an online one."""
    parts: list[ops.MigrateOperation] = []
    run: list[ops.MigrateOperation] = []
    for op in batch.ops:
        online = _online_foreign_key(op)
        if online is None:
            run.append(op)
            continue
        if run:
            parts.append(ops.ModifyTableOps(batch.table_name, run, schema=batch.schema))
            run = []
        parts.append(online)
    if run:
        parts.append(ops.ModifyTableOps(batch.table_name, run, schema=batch.schema))
    return parts


def _pinned_ops(
    support: PinsAlgorithms, operations: list[ops.MigrateOperation]
) -> list[ops.MigrateOperation]:
    fresh = {_table(o) for o in operations if isinstance(o, (ops.CreateTableOp, ops.DropTableOp))}
    result: list[ops.MigrateOperation] = []
    for op in operations:
        tables = _tables(op)
        if not tables or None in tables or tables & fresh:
            result.append(op)  # a table created or dropped here has no rows to protect
        elif isinstance(op, ops.ModifyTableOps):
            for part in _split(op):
                if not isinstance(part, ops.ModifyTableOps):
                    result.append(part)
                    continue
                for form, run in _runs(support, part):
                    block = ops.ModifyTableOps(part.table_name, run, schema=part.schema)
                    _append(result, block, form)
        else:
            online = _online_foreign_key(op)
            if online is not None:
                result.append(online)
            else:
                _append(result, op, _form(support, op))
    return result


def _append(
    result: list[ops.MigrateOperation], op: ops.MigrateOperation, form: Online | None
) -> None:
    """``op`` pinned to ``form``, in the block before it when that has the same form."""
    if form is None:
        result.append(op)
    elif result and isinstance(result[-1], OnlineAlterOp) and result[-1].online == form:
        result[-1].ops.append(op)
    else:
        result.append(OnlineAlterOp([op], form))


def pin_online_alters(connection: Connection, script: ops.MigrationScript) -> None:
    """Wrap the changes to existing tables in ``op.online_alter`` blocks, in upgrade and
    downgrade alike, where the engine pins algorithms (MySQL, MariaDB)."""
    support = for_dialect(connection.dialect)
    if not isinstance(support, PinsAlgorithms):
        return
    for container in [*script.upgrade_ops_list, *script.downgrade_ops_list]:
        container.ops = _pinned_ops(support, list(container.ops))
