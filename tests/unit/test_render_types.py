"""The ``render_item`` hook changes only the types it means to (issue 15 item 8)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy.types import TypeDecorator

from rowstamp.autogen.render import make_render_item
from rowstamp.compat import render_type


class Encrypted(TypeDecorator[str]):
    """A project's decorator whose ``__init__`` takes no ``length``."""

    impl = sa.String(100)
    cache_ok = True

    def __init__(self) -> None:
        super().__init__()


class Wrapped(TypeDecorator[Any]):
    impl = sa.Numeric(10, 2)
    cache_ok = True


def _render(type_: sa.types.TypeEngine[Any], hook: bool) -> tuple[str, set[str]]:
    opts: dict[str, Any] = {"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op."}
    if hook:
        opts["render_item"] = make_render_item(None)
    context = AutogenContext(MigrationContext.configure(dialect_name="sqlite", opts=opts))
    return render_type(type_, context), set(context.imports)


def test_a_project_decorator_renders_as_its_impl() -> None:
    assert _render(Encrypted(), hook=True) == ("sa.String(length=100)", set())
    assert _render(Wrapped(), hook=True) == ("sa.Numeric(precision=10, scale=2)", set())


def test_a_project_decorator_keeps_its_variants() -> None:
    type_ = Encrypted().with_variant(sa.Text(), "postgresql")
    rendered = "sa.String(length=100).with_variant(sa.Text(), 'postgresql')"
    assert _render(type_, hook=True) == (rendered, set())


@pytest.mark.parametrize(
    "type_",
    [sa.Interval(), sa.PickleType(), sa.String(50), sa.Numeric(5, 1), sa.Enum("a", "b", name="e")],
    ids=repr,
)
def test_other_types_render_as_alembic_renders_them(type_: sa.types.TypeEngine[Any]) -> None:
    assert _render(type_, hook=True) == _render(type_, hook=False)
