"""The five metadata columns: after the model's own, server defaults, indexes, UTC in Python."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from app.db.base import Base
from app.models.user import User
from app.schemas.base import BaseModel
from app.schemas.user import User as UserSchema
from rowstamp.model.columns import METADATA_COLUMNS
from tests.helpers import run_ops


def _create(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    run_ops(engine, lambda op: op.create_updated_at_trigger("users", version=1))  # type: ignore[attr-defined]


def test_metadata_columns_come_after_the_models_own() -> None:
    names = [c.name for c in User.__table__.columns]
    assert names == ["id", "name", "email", *METADATA_COLUMNS]


def test_database_has_the_columns_in_order_with_indexes(db_engine: Engine) -> None:
    _create(db_engine)
    inspector = inspect(db_engine)
    columns = {c["name"]: c for c in inspector.get_columns("users")}
    assert list(columns) == ["id", "name", "email", *METADATA_COLUMNS]
    assert [columns[c]["nullable"] for c in METADATA_COLUMNS] == [False, False, True, False, False]
    indexed = {tuple(i["column_names"]) for i in inspector.get_indexes("users")}
    assert {("is_active",), ("is_flagged",), ("created_at",)} <= indexed


def test_raw_sql_inserts_get_the_server_defaults(db_engine: Engine) -> None:
    _create(db_engine)
    with db_engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, email) VALUES ('a', 'a@example.com')"))
        row = conn.execute(text("SELECT is_active, is_flagged, notes FROM users")).one()
    assert (bool(row[0]), bool(row[1]), row[2]) == (True, False, None)


def test_orm_reads_aware_utc_and_sees_the_trigger_update(db_engine: Engine) -> None:
    _create(db_engine)
    with Session(db_engine) as session:
        user = User(name="Ada", email="ada@example.com")
        session.add(user)
        session.commit()
        created, updated = user.created_at, user.updated_at
        assert created.tzinfo is UTC and created == updated
        assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)
        time.sleep(0.01)
        user.name = "Ada L."
        session.commit()
        assert user.updated_at > updated  # refetched: the database changed it
        assert user.created_at == created
        schema = UserSchema.model_validate(user)
    assert schema.email == "ada@example.com"
    assert schema.updated_at == user.updated_at
    assert schema.is_active is True and schema.notes is None


def test_pydantic_base_model_defaults() -> None:
    model = BaseModel()
    assert (model.is_active, model.is_flagged, model.notes) == (True, False, None)
    assert model.created_at.tzinfo is not None
    assert model.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_written_by_python_are_taken_as_utc(db_engine: Engine) -> None:
    _create(db_engine)
    with Session(db_engine) as session:
        session.add(User(name="B", email="b@example.com", created_at=datetime(2020, 1, 2, 3, 4, 5)))
        session.commit()
        stored = session.scalars(select(User.created_at)).one()
    assert stored == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
