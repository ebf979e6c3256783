"""What only a contract revision may do: the operations that break code still deployed.

During the expand phase the old application keeps running against the new schema,
so an expand revision may only add. Dropping or renaming a column or table, or
narrowing a type (a shorter ``String``, a smaller integer, fewer digits), breaks
reads or writes of the code that has not been replaced yet. So does the contract
step of ``op.rename_column_safely``, which drops the old column; its expand step
only adds.
"""

from __future__ import annotations

from alembic.operations import MigrateOperation, ops
from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger, String
from sqlalchemy.types import TypeEngine

from rowstamp.autogen.rename_ops import RenameColumnSafelyOp

__all__ = ["column_drop", "contract_change", "narrows"]


def _integer_rank(type_: TypeEngine[object]) -> int | None:
    """0 small, 1 integer, 2 big; a dialect's own type (``mysql.BIGINT``) by its generic base."""
    if not isinstance(type_, Integer):
        return None
    if isinstance(type_, BigInteger):
        return 2
    return 0 if isinstance(type_, SmallInteger) else 1


def _instance(type_: object) -> TypeEngine[object] | None:
    """A migration may name a type by its class (``existing_type=sa.BigInteger``)."""
    if isinstance(type_, type) and issubclass(type_, TypeEngine):
        return type_()
    return type_ if isinstance(type_, TypeEngine) else None


def narrows(old_type: object, new_type: object) -> bool:
    """Whether ``new_type`` holds fewer values than ``old_type``; False when either is unknown."""
    old, new = _instance(old_type), _instance(new_type)
    if old is None or new is None:
        return False
    if isinstance(old, String) and isinstance(new, String):
        return new.length is not None and (old.length is None or new.length < old.length)
    old_rank, new_rank = _integer_rank(old), _integer_rank(new)
    if old_rank is not None and new_rank is not None:
        return new_rank < old_rank
    if isinstance(old, Numeric) and isinstance(new, Numeric) and not isinstance(old, Integer):
        digits = [(t.precision, t.scale) for t in (old, new)]
        (old_p, old_s), (new_p, new_s) = digits
        return bool(
            (old_p is not None and new_p is not None and new_p < old_p)
            or (old_s is not None and new_s is not None and new_s < old_s)
        )
    return False


def column_drop(op: MigrateOperation) -> str | None:
    """What ``op`` says when it drops a column (the ``drop-column`` rule); None: it does not.
    The contract step of a safe rename drops one too, though its values live on."""
    if isinstance(op, ops.DropColumnOp):
        return f"drops column {op.column_name} and its data"
    if isinstance(op, RenameColumnSafelyOp) and op.step == "contract":
        return f"drops column {op.old} (its values live on in {op.new})"
    return None


def contract_change(op: MigrateOperation) -> str | None:
    """What ``op`` does that only a contract revision may do; None: an expand may do it."""
    if isinstance(op, ops.DropTableOp):
        return f"drops table {op.table_name}"
    if isinstance(op, ops.RenameTableOp):
        return f"renames table {op.table_name} to {op.new_table_name}"
    if isinstance(op, ops.DropColumnOp):
        return f"drops column {op.table_name}.{op.column_name}"
    if isinstance(op, RenameColumnSafelyOp) and op.step == "contract":
        return (
            f"drops column {op.table_name}.{op.old} (the contract step of its safe rename"
            f" to {op.new})"
        )
    if not isinstance(op, ops.AlterColumnOp):
        return None
    column = f"{op.table_name}.{op.column_name}"
    if op.modify_name is not None and op.modify_name != op.column_name:
        return f"renames column {column} to {op.modify_name}"
    if narrows(op.existing_type, op.modify_type):
        old, new = _instance(op.existing_type), _instance(op.modify_type)
        return f"narrows column {column} from {old!r} to {new!r}"
    return None
