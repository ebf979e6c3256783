"""What autogenerate writes for rowstamp's operations, columns and defaults.

Every rendered call spells out the values that shape its SQL (``version``, an
explicit ``now``), and defaults are rendered as dialect-neutral constructs, so a
migration generated on SQLite runs unchanged on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import String
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql.elements import False_, True_

from rowstamp.autogen.ops import (
    CreateUpdatedAtTriggerOp,
    DropUpdatedAtTriggerOp,
    EnsureUpdatedAtTriggerOp,
    _UpdatedAtTriggerOp,
)
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
    args.append(f"version={op.version!r}")
    if op.now is not None:
        args.append(f"now={op.now!r}")
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


def make_render_item(timestamp_utc: str | None) -> RenderItem:
    """A ``render_item`` hook; ``timestamp_utc`` is the ``DATABASE_TIMESTAMP_UTC`` override."""

    def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
        if kind == "type" and isinstance(obj, UTCDateTime):
            autogen_context.imports.add("from sqlalchemy.dialects import mysql")
            sa = _sa_prefix(autogen_context)
            return (
                f"{sa}DateTime(timezone=True)"
                ".with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')"
            )
        if kind == "type" and type(obj) is String and obj.length is None:
            # MySQL/MariaDB refuse VARCHAR without a length; pin 255 there (the guide's
            # own User.name is String()), so models need no edit to switch engines.
            autogen_context.imports.add("from sqlalchemy.dialects import mysql")
            sa = _sa_prefix(autogen_context)
            return f"{sa}String().with_variant(mysql.VARCHAR(length=255), 'mysql', 'mariadb')"
        if kind == "server_default" and isinstance(obj, DefaultClause):
            return _render_default(obj.arg, autogen_context, timestamp_utc)
        return False

    return render_item


def _render_default(arg: Any, autogen_context: AutogenContext, timestamp_utc: str | None
                    ) -> str | bool:  # fmt: skip
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
