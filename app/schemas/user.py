"""API schemas of a user: read straight from the ORM object, create, and update."""

from __future__ import annotations

from app.schemas.base import BaseCreate, BaseModel, BaseUpdate


class User(BaseModel):
    """A user as the API returns it, with the five metadata fields."""

    id: int
    name: str | None = None
    email: str


class UserCreate(BaseCreate):
    """What a client sends to create a user; the database fills in the rest."""

    name: str | None = None
    email: str


class UserUpdate(BaseUpdate):
    """A partial update: only the fields the client sent are applied."""

    name: str | None = None
    email: str | None = None
