"""SQLModel table models on ``MetadataModel``, on every engine: autogenerate writes the
five columns with their defaults, indexes and the trigger, raw SQL gets the defaults
and moves ``updated_at``, a second autogenerate is empty, ``rowstamp test`` (the
metadata contract) passes, and soft delete and the schemas work as for declarative models."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, MetaData, create_engine, inspect, select, text
from sqlalchemy.orm import registry, sessionmaker
from sqlmodel import Field, SQLModel

from rowstamp.errors import RowstampError
from rowstamp.model.columns import METADATA_COLUMNS, NAMING_CONVENTION
from rowstamp.model.softdelete import enable_soft_delete, soft_delete
from rowstamp.model.sqlmodel import (
    MetadataModel,
    MetadataPublic,
    MetadataUpdate,
    metadata_model,
)
from tests.helpers import run_ops
from tests.project import PROJECTS, Project, rowstamp_test

SOURCES = PROJECTS / "sqlmodel"


def _sqlmodel_project(tmp_path: Path, url: URL) -> Project:
    project = Project.copy(tmp_path / "project", url)
    (project.root / "app" / "db" / "base.py").write_text(
        (SOURCES / "base.py.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (project.root / "app" / "models" / "user.py").unlink()
    project.add_model("template", (SOURCES / "models.py.txt").read_text(encoding="utf-8"))
    return project


def test_autogenerate_trigger_and_contract(
    db_url: URL, engine_name: str, servers: dict[str, URL], tmp_path: Path
) -> None:
    project = _sqlmodel_project(tmp_path, db_url)
    project.alembic("revision", "--autogenerate", "-m", "Create user and item tables")
    [migration] = project.versions()
    source = migration.read_text(encoding="utf-8")
    for table in ("user", "item"):
        assert f"op.create_updated_at_trigger('{table}', version=1)" in source
    assert "op.f('ix_item_is_active')" in source and "op.f('ix_user_is_live')" in source
    assert "op.f('ix_user_is_active')" not in source  # the template's own login flag
    assert "server_default=sa.true()" in source and "server_default=utc_now(version=1)" in source

    report = project.run("rowstamp", "upgrade", "head").output
    assert "  user: is_live, is_flagged, notes, created_at, updated_at; trigger" in report
    assert "No new upgrade operations detected" in project.alembic("check").output
    engine = create_engine(db_url)
    with engine.connect() as conn:
        names = [c["name"] for c in inspect(conn).get_columns("item")]
    assert names[-5:] == list(METADATA_COLUMNS)  # after the model's own
    user, item = uuid.uuid4().hex, uuid.uuid4().hex
    with engine.begin() as conn:
        quoted = conn.dialect.identifier_preparer.quote("user")
        conn.execute(
            text(
                f"INSERT INTO {quoted} (id, email, hashed_password, is_active, is_superuser) "
                "VALUES (:u, 'a@x', 'h', false, false)"
            ),
            {"u": user},
        )
        conn.execute(
            text("INSERT INTO item (id, title, owner_id) VALUES (:i, 't', :u)"),
            {"i": item, "u": user},
        )
        row = conn.execute(text("SELECT is_active, is_flagged, created_at FROM item")).one()
    assert (bool(row[0]), bool(row[1])) == (True, False) and row[2] is not None
    engine.dispose()

    result = rowstamp_test(project, engine_name, servers)
    assert result.returncode == 0, result.output
    assert "metadata contract" in result.output


REGISTRY = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Base(MetadataModel, registry=REGISTRY):
    pass


LoginColumns = metadata_model(rename={"is_active": "is_live"}, omit={"notes"})


class LoginBase(LoginColumns, registry=REGISTRY):  # type: ignore[valid-type, misc]
    """The base of models whose own is_active means "login enabled"."""


class Login(SQLModel):
    is_active: bool = True  # the template's "account enabled"


class Account(LoginBase, Login, table=True):
    id: int | None = Field(default=None, primary_key=True)


class Hero(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str


class HeroPublic(MetadataPublic):
    id: int
    name: str


class HeroUpdate(MetadataUpdate):
    name: str | None = None


def test_soft_delete_schemas_and_the_trigger(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine, tables=[Hero.__table__])  # type: ignore[attr-defined]
    run_ops(db_engine, lambda op: op.create_updated_at_trigger("hero", version=1))  # type: ignore[attr-defined]
    factory = sessionmaker(db_engine)
    enable_soft_delete(factory)
    with factory() as session:
        session.add_all([Hero(id=1, name="a"), Hero(id=2, name="b")])
        session.commit()
        hero = session.get_one(Hero, 2)
        public = HeroPublic.model_validate(hero)
        assert public.created_at.utcoffset() is not None and public.is_active
        before = hero.updated_at
        soft_delete(session, hero)
        session.commit()
        assert session.scalars(select(Hero.id)).all() == [1]
        assert (
            session.scalars(
                select(Hero.updated_at).where(Hero.id == 2).execution_options(include_inactive=True)
            ).one()
            >= before
        )
    assert HeroUpdate(notes="n").model_dump(exclude_unset=True) == {"notes": "n"}


def test_a_models_own_is_active_fails_in_one_line() -> None:
    with pytest.raises(RowstampError, match=r"User\.is_active.*bool") as raised:

        class User(Base, Login, table=True):
            id: int | None = Field(default=None, primary_key=True)

    assert "\n" not in str(raised.value) and "metadata_model(rename=" in str(raised.value)


def test_a_base_that_renames_the_flag(db_engine: Engine) -> None:
    table = Account.__table__  # type: ignore[attr-defined]
    assert [c.name for c in table.columns] == [
        "is_active", "id", "is_live", "is_flagged", "created_at", "updated_at"
    ]  # fmt: skip
    assert table.c.is_active.server_default is None and table.c.is_live.index
    REGISTRY.metadata.create_all(db_engine, tables=[table])
    factory = sessionmaker(db_engine)
    enable_soft_delete(factory)
    with factory() as session:
        session.add_all([Account(id=1, is_active=False), Account(id=2)])
        session.commit()
        soft_delete(session, session.get_one(Account, 2))
        session.commit()
        assert session.scalars(select(Account.id)).all() == [1]  # login disabled, still live
