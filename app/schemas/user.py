"""API schema of a user, read straight from the ORM object."""

from __future__ import annotations

from app.schemas.base import BaseModel


class User(BaseModel):
    id: int
    name: str | None = None
    email: str
