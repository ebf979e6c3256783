"""rowstamp's five columns for SQLModel (``pip install rowstamp[sqlmodel]``).

A SQLModel class cannot inherit a ``DeclarativeBase``, so ``MetadataColumns`` is out
of reach there. ``MetadataModel`` gives SQLModel table models the same columns
(``metadata_model()`` makes a base that renames or omits some, as ``MetadataSpec``):
server defaults, indexes, ``sort_order`` after the model's own fields, the
``updated_at`` trigger mark, and soft delete (it is a ``SoftDeletable``). Each field
is built from ``sa_type``/``sa_column_kwargs``, never a shared ``sa_column``, so
SQLModel makes a fresh column for every table.

The API schemas follow SQLModel's own pattern (``HeroPublic``, ``HeroCreate``,
``HeroUpdate``): ``MetadataPublic`` to read, ``MetadataCreate``/``MetadataUpdate``
with only ``is_flagged`` and ``notes``, because the database owns the timestamps
and soft delete owns ``is_active``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from pydantic import AwareDatetime, field_validator
from sqlalchemy import Column, FetchedValue, Text, false, true
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from rowstamp.errors import RowstampError
from rowstamp.model.columns import ROLE_KEY, UPDATED_AT_MARK, MetadataSpec, SoftDeletable
from rowstamp.model.types import UTCDateTime
from rowstamp.sql import utc_now

__all__ = [
    "MetadataCreate",
    "MetadataModel",
    "MetadataPublic",
    "MetadataUpdate",
    "metadata_model",
]


class _AfterModelColumns(SQLModelMetaclass):
    """Puts the five columns after the model's own, as ``sort_order`` does for
    declarative models (SQLModel makes plain ``Column``s, which have no ``sort_order``):
    declarative adds a class's columns in the order of its ``__dict__``. Marks each
    with its role, as ``MetadataColumns`` does, and refuses a model's own field of the
    same name."""

    def __init__(
        cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any
    ) -> None:
        columns: dict[str, str] = getattr(cls, "__rowstamp_columns__", {})
        if "__rowstamp_columns__" not in namespace:
            _refuse_own_columns(cls)
        for role, column_name in columns.items():
            column = cls.__dict__.get(column_name)
            if isinstance(column, Column):
                column.info = {**column.info, ROLE_KEY: role}
                delattr(cls, column_name)
                setattr(cls, column_name, column)
        super().__init__(name, bases, namespace, **kw)


def _field(role: str, trigger: bool) -> tuple[Any, Any]:
    """The annotation and a fresh ``Field`` of one role."""
    if role == "is_active":
        return bool, Field(
            default=True, nullable=False, index=True, sa_column_kwargs={"server_default": true()}
        )
    if role == "is_flagged":
        return bool, Field(
            default=False, nullable=False, index=True, sa_column_kwargs={"server_default": false()}
        )
    if role == "notes":
        return str | None, Field(default=None, sa_type=Text)
    stamp: dict[str, Any] = {"server_default": utc_now()}
    if role == "updated_at":
        stamp.update(
            server_onupdate=FetchedValue(), info={UPDATED_AT_MARK: True} if trigger else {}
        )
    return datetime | None, Field(
        default=None,
        sa_type=UTCDateTime,
        nullable=False,
        index=role == "created_at",
        sa_column_kwargs=stamp,
    )


def metadata_model(
    *,
    rename: Mapping[str, str] | None = None,
    omit: Collection[str] = (),
    trigger: bool = True,
    name: str = "MetadataModel",
) -> type[SQLModel]:
    """A base of SQLModel table models whose columns follow a ``MetadataSpec``.

    ``class LoginBase(metadata_model(rename={"is_active": "is_live"}))`` for the models
    whose own ``is_active`` means something else; ``MetadataModel`` is
    ``metadata_model()``. Give each base the project's registry the usual SQLModel
    way (``class Base(metadata_model(...), registry=...)``).
    """
    spec = MetadataSpec(rename=dict(rename or {}), omit=omit, trigger=trigger)
    columns = spec.columns()
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__doc__": "rowstamp's metadata columns for SQLModel table models.",
        "__module__": __name__,
        "__annotations__": annotations,
        "__rowstamp_active__": columns.get("is_active"),
        "__rowstamp_columns__": columns,
    }
    for role, column_name in columns.items():
        annotations[column_name], namespace[column_name] = _field(role, trigger)
    base = cast("type[SQLModel]", _AfterModelColumns(name, (SoftDeletable, SQLModel), namespace))
    return base


def _refuse_own_columns(cls: type[Any]) -> None:
    """A table model's own field named like one of its base's columns would silently
    replace rowstamp's."""
    base: type[Any] = next(k for k in cls.__mro__[1:] if "__rowstamp_columns__" in vars(k))
    for role, name in vars(base)["__rowstamp_columns__"].items():
        for klass in cls.__mro__:
            if klass in base.__mro__:
                continue  # rowstamp's own fields, and SQLModel's
            declared = vars(klass).get("__annotations__", {}).get(name)
            if declared is not None:
                raise RowstampError(
                    f"{cls.__name__}.{name}: the model declares its own {name} ({declared}), "
                    f"which would silently replace rowstamp's {role}",
                    f"say what {cls.__name__} wants: inherit "
                    f"metadata_model(rename={{{role!r}: '<other name>'}}) or "
                    f"metadata_model(omit={{{role!r}}}) instead of {base.__name__}",
                )


if TYPE_CHECKING:

    class MetadataModel(SoftDeletable, SQLModel):
        """Base of SQLModel table models: ``class Hero(MetadataModel, table=True)``."""

        is_active: bool
        is_flagged: bool
        notes: str | None
        created_at: datetime | None
        updated_at: datetime | None

else:
    MetadataModel = metadata_model()
    """Base of SQLModel table models with all five columns: ``class Hero(MetadataModel,
    table=True)``. ``created_at``/``updated_at`` are ``None`` on a new object until it
    is flushed: the ORM leaves them out of the ``INSERT`` and the database fills them in."""


class MetadataPublic(SQLModel):
    """The five fields as the API returns them: ``class HeroPublic(HeroBase, MetadataPublic)``."""

    is_active: bool = True
    is_flagged: bool = False
    notes: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @field_validator("created_at", "updated_at")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class MetadataCreate(SQLModel):
    """What a client may send when creating a row: the general flag and notes."""

    is_flagged: bool = False
    notes: str | None = None


class MetadataUpdate(SQLModel):
    """A partial update: every field optional; apply ``model_dump(exclude_unset=True)``."""

    is_flagged: bool | None = None
    notes: str | None = None
