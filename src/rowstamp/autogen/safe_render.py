"""What autogenerate writes for the safe DDL operations (``safe_ops``): every value
that shapes the SQL, the retry policy included, spelled out in the file."""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op

from rowstamp.autogen.safe_ops import (
    AddNotNullCheckOp,
    AutocommitOps,
    DropNotNullCheckOp,
    LockRetriesOps,
    ValidateConstraintOp,
    _ConstraintOp,
)

__all__: list[str] = []


def _prefix(autogen_context: AutogenContext) -> str:
    return str(autogen_context.opts.get("alembic_module_prefix", "op."))


def _call(name: str, op: _ConstraintOp, autogen_context: AutogenContext, *more: str) -> str:
    args = [repr(op.constraint_name), repr(op.table_name), *more]
    if op.schema is not None:
        args.append(f"schema={op.schema!r}")
    return f"{_prefix(autogen_context)}{name}({', '.join(args)})"


@renderers.dispatch_for(ValidateConstraintOp)
def _render_validate(autogen_context: AutogenContext, op: ValidateConstraintOp) -> str:
    return _call("validate_constraint", op, autogen_context)


@renderers.dispatch_for(AddNotNullCheckOp)
def _render_add_check(autogen_context: AutogenContext, op: AddNotNullCheckOp) -> str:
    return _call("add_not_null_check", op, autogen_context, repr(op.column_name))


@renderers.dispatch_for(DropNotNullCheckOp)
def _render_drop_check(autogen_context: AutogenContext, op: DropNotNullCheckOp) -> str:
    return _call("drop_not_null_check", op, autogen_context)


def _block(head: str, children: list[str]) -> list[str]:
    """A ``with`` block; Alembic's printer indents after the ``:`` and ends it at ``""``."""
    return [head, *children, ""] if children else []


@renderers.dispatch_for(LockRetriesOps)
def _render_lock_retries(autogen_context: AutogenContext, op: LockRetriesOps) -> list[str]:
    lines = [line for child in op.ops for line in render_op(autogen_context, child)]
    head = (
        f"with {_prefix(autogen_context)}lock_retries("
        f"timeout={op.timeout!r}, attempts={op.attempts!r}, pause={op.pause!r}):"
    )
    return _block(head, lines)


@renderers.dispatch_for(AutocommitOps)
def _render_autocommit(autogen_context: AutogenContext, op: AutocommitOps) -> list[str]:
    lines = [line for child in op.ops for line in render_op(autogen_context, child)]
    return _block(f"with {_prefix(autogen_context)}get_context().autocommit_block():", lines)
