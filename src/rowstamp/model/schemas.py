"""Pydantic v2 fields matching the metadata columns, for API schemas.

Three shapes, because clients and the database own different fields:

- ``MetadataFields`` (read): all five fields, read straight from ORM objects.
- ``MetadataCreate`` / ``MetadataUpdate`` (write): only ``is_flagged`` and ``notes``.
  ``created_at``/``updated_at`` belong to the database (server default and
  trigger), and ``is_active`` changes through ``rowstamp.model.softdelete``
  (``soft_delete``/``restore``), so a client that sends any of them gets a
  validation error instead of a silently ignored field. A project that does let
  clients toggle the flag declares ``is_active`` on that one schema.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = ["SERVER_OWNED_FIELDS", "MetadataCreate", "MetadataFields", "MetadataUpdate"]

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
