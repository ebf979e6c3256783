"""rowstamp's five columns for SQLModel (``pip install rowstamp[sqlmodel]``).

A SQLModel class cannot inherit a ``DeclarativeBase``, so ``MetadataColumns`` is out
of reach there. ``MetadataModel`` gives SQLModel table models the same columns:
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

from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, field_validator
from sqlalchemy import Column, FetchedValue, Text, false, true
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from rowstamp.errors import RowstampError
from rowstamp.model.columns import (
    METADATA_COLUMNS,
    ROLE_KEY,
    UPDATED_AT_MARK,
    SoftDeletable,
)
from rowstamp.model.types import UTCDateTime
from rowstamp.sql import utc_now

__all__ = ["MetadataCreate", "MetadataModel", "MetadataPublic", "MetadataUpdate"]


class _AfterModelColumns(SQLModelMetaclass):
    """Puts the five columns after the model's own, as ``sort_order`` does for
    declarative models (SQLModel makes plain ``Column``s, which have no ``sort_order``):
    declarative adds a class's columns in the order of its ``__dict__``. Marks each
    with its role, as ``MetadataColumns`` does."""

    def __init__(
        cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any
    ) -> None:
        for column_name in METADATA_COLUMNS:
            column = cls.__dict__.get(column_name)
            if isinstance(column, Column):
                column.info = {**column.info, ROLE_KEY: column_name}
                delattr(cls, column_name)
                setattr(cls, column_name, column)
        super().__init__(name, bases, namespace, **kw)


class MetadataModel(SoftDeletable, SQLModel, metaclass=_AfterModelColumns):
    """Base of SQLModel table models: ``class Hero(MetadataModel, table=True)``.

    ``created_at``/``updated_at`` are ``None`` on a new object until it is flushed:
    the ORM leaves them out of the ``INSERT`` and the database fills them in.
    """

    __rowstamp_active__: ClassVar[str | None] = "is_active"

    is_active: bool = Field(
        default=True, nullable=False, index=True, sa_column_kwargs=dict(server_default=true())
    )
    is_flagged: bool = Field(
        default=False, nullable=False, index=True, sa_column_kwargs=dict(server_default=false())
    )
    notes: str | None = Field(default=None, sa_type=Text, sa_column_kwargs={})
    created_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        nullable=False,
        index=True,
        sa_column_kwargs=dict(server_default=utc_now()),
    )
    updated_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs=dict(
            server_default=utc_now(),
            server_onupdate=FetchedValue(),
            info={UPDATED_AT_MARK: True},
        ),
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        for name in METADATA_COLUMNS:
            for klass in cls.__mro__:
                if klass in MetadataModel.__mro__:
                    continue  # rowstamp's own fields, and SQLModel's
                if name in vars(klass).get("__annotations__", {}):
                    raise RowstampError(
                        f"{cls.__name__}.{name}: the model declares its own {name} "
                        f"({vars(klass)['__annotations__'][name]}), which would silently "
                        f"replace rowstamp's {name}",
                        f"rename the model's field (sa_column_kwargs={{'name': ...}} keeps "
                        f"its column name only if that is not {name}), or do not inherit "
                        "MetadataModel for this table",
                    )
        super().__init_subclass__(**kwargs)


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
