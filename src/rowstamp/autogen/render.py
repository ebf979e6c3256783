"""What autogenerate writes for rowstamp's operations, columns and defaults.

Every rendered call spells out the values that shape its SQL (``version``, an
explicit ``now``), and defaults are rendered as dialect-neutral constructs, so a
migration generated on SQLite runs unchanged on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import methodcaller
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from sqlalchemy import String
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql.elements import False_, True_
from sqlalchemy.types import TypeDecorator, TypeEngine

from rowstamp.autogen.ops import (
    AddColumnsOp,
    ConcurrentIndexesOp,
    CreateUpdatedAtTriggerOp,
    DropUpdatedAtTriggerOp,
    EnsureUpdatedAtTriggerOp,
    FillNullsOp,
    ReplaceUpdatedAtTriggerOp,
    TopLevelOps,
    _UpdatedAtTriggerOp,
)
from rowstamp.compat import render_column, render_server_default, render_type, variant_mapping
from rowstamp.engines import EngineSupport, type_variants
from rowstamp.model.types import UTCDateTime
from rowstamp.sql import utc_now

__all__ = ["make_render_item"]

RenderItem = Callable[[str, Any, AutogenContext], "str | bool"]


def _op_prefix(autogen_context: AutogenContext) -> str:
    return str(autogen_context.opts.get("alembic_module_prefix", "op."))


def _sa_prefix(autogen_context: AutogenContext) -> str:
    return str(autogen_context.opts.get("sqlalchemy_module_prefix", "sa."))


def _render_call(name: str, op: _UpdatedAtTriggerOp, autogen_context: AutogenContext) -> str:
    args = [repr(op.table_name)]
    if op.schema is not None:
        args.append(f"schema={op.schema!r}")
    if isinstance(op, ReplaceUpdatedAtTriggerOp):
        args.append(f"from_version={op.from_version!r}")
    args.append(f"version={op.version!r}")
    if op.now is not None:
        args.append(f"now={op.now!r}")
    if op.column is not None:
        args.append(f"column={op.column!r}")
    if isinstance(op, ReplaceUpdatedAtTriggerOp) and op.from_columns is not None:
        args.append(f"from_columns={list(op.from_columns)!r}")
    if op.columns is not None:  # version 4: its SQL names them
        args.append(f"columns={list(op.columns)!r}")
    return f"{_op_prefix(autogen_context)}{name}({', '.join(args)})"


@renderers.dispatch_for(CreateUpdatedAtTriggerOp)
def _render_create(autogen_context: AutogenContext, op: CreateUpdatedAtTriggerOp) -> str:
    return _render_call("create_updated_at_trigger", op, autogen_context)


@renderers.dispatch_for(DropUpdatedAtTriggerOp)
def _render_drop(autogen_context: AutogenContext, op: DropUpdatedAtTriggerOp) -> str:
    return _render_call("drop_updated_at_trigger", op, autogen_context)


@renderers.dispatch_for(EnsureUpdatedAtTriggerOp)
def _render_ensure(autogen_context: AutogenContext, op: EnsureUpdatedAtTriggerOp) -> str:
    return _render_call("ensure_updated_at_trigger", op, autogen_context)


@renderers.dispatch_for(ReplaceUpdatedAtTriggerOp)
def _render_replace(autogen_context: AutogenContext, op: ReplaceUpdatedAtTriggerOp) -> str:
    return _render_call("replace_updated_at_trigger", op, autogen_context)


@renderers.dispatch_for(AddColumnsOp)
def _render_add_columns(autogen_context: AutogenContext, op: AddColumnsOp) -> list[str]:
    head = f"{_op_prefix(autogen_context)}add_columns({op.table_name!r}, ["
    columns = [f"    {render_column(c, autogen_context)}," for c in op.columns]
    tail = f"], schema={op.schema!r}, version={op.version!r})"
    return [head, *columns, tail if op.schema else f"], version={op.version!r})"]


@renderers.dispatch_for(TopLevelOps)
def _render_top_level(autogen_context: AutogenContext, op: TopLevelOps) -> list[str]:
    return [line for child in op.ops for line in render_op(autogen_context, child)]


@renderers.dispatch_for(ConcurrentIndexesOp)
def _render_concurrent(autogen_context: AutogenContext, op: ConcurrentIndexesOp) -> list[str]:
    lines = [line for child in op.ops for line in render_op(autogen_context, child)]
    block = f"with {_op_prefix(autogen_context)}get_context().autocommit_block():"
    return [block, *lines, ""]  # Alembic's printer indents the block and ends it at ""


@renderers.dispatch_for(FillNullsOp)
def _render_fill_nulls(autogen_context: AutogenContext, op: FillNullsOp) -> list[str]:
    sa, column = _sa_prefix(autogen_context), op.column_name
    schema = f", schema={op.schema!r}" if op.schema else ""
    default = render_server_default(op.default, autogen_context)
    if isinstance(getattr(op.default, "arg", None), str):  # typed: --sql renders it as a literal
        default = f"{sa}literal({default})"
    return [
        f"_table = {sa}table({op.table_name!r}, {sa}column({column!r}){schema})",
        f"{_op_prefix(autogen_context)}execute(_table.update()"
        f".where(_table.c[{column!r}].is_(None)).values({{{column!r}: {default}}}))",
    ]


def make_render_item(timestamp_utc: str | None) -> RenderItem:
    """A ``render_item`` hook; ``timestamp_utc`` is the ``DATABASE_TIMESTAMP_UTC`` override."""

    rendered: dict[tuple[str, str], tuple[str, list[str]]] = {}

    def with_variants(portable: str, kind: str, autogen_context: AutogenContext) -> str:
        """Each type asked of every engine once per run, not once per column."""
        key = (portable, _sa_prefix(autogen_context))
        if key not in rendered:
            rendered[key] = _with_variants(portable, methodcaller(kind), autogen_context)
        source, imports = rendered[key]
        autogen_context.imports.update(imports)
        return source

    def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
        if kind == "type" and isinstance(obj, UTCDateTime):
            return with_variants("DateTime(timezone=True)", "timestamp_type", autogen_context)
        if kind == "type" and type(obj) is String and obj.length is None:
            # MySQL/MariaDB refuse VARCHAR without a length; the engine pins one there
            # (the guide's own User.name is String()), so models need no edit to switch.
            return with_variants("String()", "unsized_string_type", autogen_context)
        if kind == "type" and _project_decorator(obj):
            # Alembic writes app.models.x.Encrypted(length=100): no import, and arguments
            # read off the impl that the decorator's own __init__ may not take.
            return _render_decorator(obj, autogen_context)
        if kind == "server_default" and isinstance(obj, DefaultClause):
            return _render_default(obj.arg, autogen_context, timestamp_utc)
        return False

    return render_item


def _project_decorator(type_: Any) -> bool:
    """A ``TypeDecorator`` of the project or a third-party library (SQLAlchemy's own,
    ``Interval`` or ``PickleType``, render as ``sa.`` types already)."""
    module = type(type_).__module__
    return isinstance(type_, TypeDecorator) and not module.startswith(("sqlalchemy.", "rowstamp."))


def _render_decorator(type_: TypeDecorator[Any], autogen_context: AutogenContext) -> str:
    """The decorator's ``impl``, with its ``with_variant`` types as Alembic writes them."""
    source = render_type(type_.impl_instance, autogen_context)
    for dialect, variant in sorted(variant_mapping(type_).items()):
        source += f".with_variant({render_type(variant, autogen_context)}, {dialect!r})"
    return source


def _with_variants(
    portable: str,
    kind: Callable[[EngineSupport], TypeEngine[Any] | None],
    autogen_context: AutogenContext,
) -> tuple[str, list[str]]:
    """``sa.<portable>`` with each engine's own form pinned by ``with_variant``, and the
    imports those forms need."""
    source = f"{_sa_prefix(autogen_context)}{portable}"
    imports = []
    for variant, dialects in type_variants(kind):
        names = ", ".join(repr(name) for name in dialects)
        dialect, written = _type_source(variant)
        imports.append(f"from sqlalchemy.dialects import {dialect}")
        source += f".with_variant({written}, {names})"
    return source, imports


def _type_source(type_: TypeEngine[Any]) -> tuple[str, str]:
    """A dialect's type as Alembic writes one: ``mysql.DATETIME(fsp=6)``, and its module."""
    dialect = type(type_).__module__.split(".")[2]  # sqlalchemy.dialects.<dialect>.types
    return dialect, f"{dialect}.{type_!r}"


def _render_default(
    arg: Any, autogen_context: AutogenContext, timestamp_utc: str | None
) -> str | bool:
    sa = _sa_prefix(autogen_context)
    if isinstance(arg, True_):
        return f"{sa}true()"
    if isinstance(arg, False_):
        return f"{sa}false()"
    if isinstance(arg, utc_now):
        if timestamp_utc is not None:
            return f"{sa}text({timestamp_utc!r})"
        autogen_context.imports.add("from rowstamp.sql import utc_now")
        return f"utc_now(version={arg.version!r})"
    return False
