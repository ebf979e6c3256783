"""Pydantic v2 fields matching the metadata columns, for API schemas."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = ["MetadataFields"]


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
