"""``BaseModel``: the API-side twin of ``Base``, with the same five metadata fields."""

from __future__ import annotations

from rowstamp.schemas import MetadataFields


class BaseModel(MetadataFields):
    """Pydantic v2 model with ``is_active=True``, ``is_flagged=False``, ``notes=None``
    and UTC ``created_at``/``updated_at``; ``from_attributes`` reads ORM objects."""
