"""API schemas and settings around soft delete.

Clients cannot write ``created_at``/``updated_at`` (the database owns them) nor
``is_active`` (soft delete goes through ``rowstamp.model.softdelete``); the project opts
into "delete means soft delete" with one setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import Base
from app.models.user import User
from app.schemas.user import User as UserRead
from app.schemas.user import UserCreate, UserUpdate
from rowstamp.model.schemas import SERVER_OWNED_FIELDS, MetadataCreate, MetadataUpdate
from rowstamp.model.softdelete import INCLUDE_INACTIVE, enable_soft_delete, restore, soft_delete
from rowstamp.settings import RowstampSettings, load_settings
from tests.helpers import run_ops


@pytest.mark.parametrize("field", sorted(SERVER_OWNED_FIELDS))
@pytest.mark.parametrize("schema", [UserCreate, UserUpdate])
def test_clients_cannot_send_server_owned_fields(
    schema: type[UserCreate] | type[UserUpdate], field: str
) -> None:
    value = False if field == "is_active" else "2000-01-01T00:00:00Z"
    with pytest.raises(ValidationError, match=field):
        schema.model_validate({"email": "a@example.com", field: value})


def test_write_schemas_hold_only_client_fields() -> None:
    for schema in (MetadataCreate, MetadataUpdate):
        assert set(schema.model_fields) == {"is_flagged", "notes"}
    assert set(UserCreate.model_fields) == {"is_flagged", "notes", "name", "email"}
    with pytest.raises(ValidationError, match="email"):
        UserCreate.model_validate({"name": "no email"})


def test_update_applies_only_what_the_client_sent() -> None:
    update = UserUpdate.model_validate({"notes": "vip"})
    assert update.model_dump(exclude_unset=True) == {"notes": "vip"}


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_create_update_soft_delete_and_read_a_user(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine)
    run_ops(db_engine, lambda op: op.create_updated_at_trigger("users", version=1))  # type: ignore[attr-defined]
    factory = sessionmaker(db_engine, expire_on_commit=False)
    enable_soft_delete(factory)
    payload = UserCreate.model_validate({"name": "Ada", "email": "ada@example.com"})
    with factory.begin() as session:
        user = User(**payload.model_dump())
        session.add(user)
    with factory.begin() as session:
        user = session.scalars(select(User)).one()
        for key, value in UserUpdate(is_flagged=True).model_dump(exclude_unset=True).items():
            setattr(user, key, value)
        soft_delete(session, user)
    with factory() as session:
        assert session.scalars(select(User)).all() == []
        shown = session.scalars(select(User).execution_options(**{INCLUDE_INACTIVE: True}))
        read = UserRead.model_validate(shown.one())
    assert (read.name, read.is_flagged, read.is_active) == ("Ada", True, False)
    assert read.updated_at > read.created_at
    with factory.begin() as session:
        restore(session, session.get_one(User, read.id, execution_options={INCLUDE_INACTIVE: True}))
    with Session(db_engine) as session:
        assert UserRead.model_validate(session.scalars(select(User)).one()).is_active is True


def test_delete_means_soft_delete_is_a_setting(tmp_path: Path) -> None:
    env = tmp_path / "envs"
    env.mkdir()
    (env / ".env").write_text("DATABASE_URL=sqlite:///x.sqlite3\n", encoding="utf-8")
    (env / "development.env").write_text("", encoding="utf-8")
    (env / "production.env").write_text("DELETE_MEANS_SOFT_DELETE=true\n", encoding="utf-8")
    dev = load_settings(RowstampSettings, env, environment="development")
    prod = load_settings(RowstampSettings, env, environment="production")
    assert (dev.delete_means_soft_delete, prod.delete_means_soft_delete) == (False, True)
