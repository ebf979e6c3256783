"""Pydantic v2 fields matching the metadata columns, for API schemas.

Three shapes, because clients and the database own different fields:

- ``MetadataFields`` (read): all five fields, read straight from ORM objects.
- ``MetadataCreate`` / ``MetadataUpdate`` (write): only ``is_flagged`` and ``notes``.
  ``created_at``/``updated_at`` belong to the database (server default and
  trigger), and ``is_active`` changes through ``rowstamp.model.softdelete``
  (``soft_delete``/``restore``), so a client that sends any of them gets a
  validation error instead of a silently ignored field. A project that does let
  clients toggle the flag declares ``is_active`` on that one schema.

A model whose ``MetadataSpec`` renames or leaves out columns gets the same three
shapes under its own names from ``metadata_schemas(Model)``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model, field_validator
from sqlalchemy import Table

from rowstamp.model.columns import metadata_columns

__all__ = [
    "SERVER_OWNED_FIELDS",
    "MetadataCreate",
    "MetadataFields",
    "MetadataSchemas",
    "MetadataUpdate",
    "metadata_schemas",
]

SERVER_OWNED_FIELDS = frozenset({"is_active", "created_at", "updated_at"})
"""Metadata fields the write schemas refuse: the database and the soft-delete API own them."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MetadataFields(BaseModel):
    """The five metadata fields with the guide's defaults; reads ORM objects directly."""

    model_config = ConfigDict(from_attributes=True)

    is_active: bool = True
    is_flagged: bool = False
    notes: str | None = None
    created_at: AwareDatetime = Field(default_factory=_utc_now)
    updated_at: AwareDatetime = Field(default_factory=_utc_now)

    @field_validator("created_at", "updated_at")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class MetadataCreate(BaseModel):
    """What a client may send when creating a row: the general flag and notes."""

    model_config = ConfigDict(extra="forbid")

    is_flagged: bool = False
    notes: str | None = None


class MetadataUpdate(BaseModel):
    """A partial update: every field optional; apply ``model_dump(exclude_unset=True)``."""

    model_config = ConfigDict(extra="forbid")

    is_flagged: bool | None = None
    notes: str | None = None


class MetadataSchemas(NamedTuple):
    """The read, create and update bases of one model, under its own column names."""

    read: type[BaseModel]
    create: type[BaseModel]
    update: type[BaseModel]


_WRITABLE = ("is_flagged", "notes")


def metadata_schemas(model: type) -> MetadataSchemas:
    """``MetadataFields``/``MetadataCreate``/``MetadataUpdate`` for ``model``, following
    the names its ``MetadataSpec`` gives the columns and leaving out those it omits."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a mapped class with a table")
    names = metadata_columns(table)
    read_fields = MetadataFields.model_fields
    read: dict[str, Any] = {
        names[r]: (f.annotation, f) for r, f in read_fields.items() if r in names
    }
    create: dict[str, Any] = {
        names[r]: (read_fields[r].annotation, read_fields[r]) for r in _WRITABLE if r in names
    }
    update: dict[str, Any] = {
        names[r]: (MetadataUpdate.model_fields[r].annotation, None) for r in _WRITABLE if r in names
    }
    stamps = [names[r] for r in ("created_at", "updated_at") if r in names]
    validators = {"_as_utc": field_validator(*stamps)(_as_utc)} if stamps else {}
    prefix = model.__name__
    return MetadataSchemas(
        create_model(
            f"{prefix}Metadata",
            __config__=MetadataFields.model_config,
            __validators__=validators,
            **read,
        ),
        create_model(f"{prefix}MetadataCreate", __config__=MetadataCreate.model_config, **create),
        create_model(f"{prefix}MetadataUpdate", __config__=MetadataUpdate.model_config, **update),
    )


def _as_utc(cls: type, value: datetime) -> datetime:
    return value.astimezone(UTC)
