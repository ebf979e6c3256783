"""The API-side twins of ``Base``: one schema to read a row, two to write one.

``BaseModel`` reads: the five metadata fields, straight from ORM objects.
``BaseCreate``/``BaseUpdate`` write: clients may set ``is_flagged`` and ``notes``;
sending ``created_at``, ``updated_at`` or ``is_active`` is a validation error,
because the database keeps the timestamps and soft delete goes through
``rowstamp.model.softdelete`` (see docs/soft-delete.md).
"""

from __future__ import annotations

from rowstamp.model.schemas import MetadataCreate, MetadataFields, MetadataUpdate


class BaseModel(MetadataFields):
    """Pydantic v2 model with ``is_active=True``, ``is_flagged=False``, ``notes=None``
    and UTC ``created_at``/``updated_at``; ``from_attributes`` reads ORM objects."""


class BaseCreate(MetadataCreate):
    """Base of create schemas: ``is_flagged`` and ``notes``; server-owned fields refused."""


class BaseUpdate(MetadataUpdate):
    """Base of partial-update schemas: every field optional, server-owned fields refused."""
