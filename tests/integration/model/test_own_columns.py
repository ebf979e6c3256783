"""Models that rename or leave out rowstamp's columns, on every engine: autogenerate,
the trigger, soft delete, the report of ``rowstamp upgrade`` and the contract all
follow the names the model chose, and never claim the model's own columns."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    URL,
    Boolean,
    Engine,
    Integer,
    MetaData,
    create_engine,
    delete,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns, MetadataSpec
from rowstamp.model.schemas import metadata_schemas
from rowstamp.model.softdelete import enable_soft_delete, is_soft_deletable, soft_delete
from tests.project import PROJECTS, Project, rowstamp_test

MODELS = (PROJECTS / "models" / "own_columns.py.txt").read_text(encoding="utf-8")


def test_renamed_and_omitted_columns_end_to_end(
    db_url: URL, engine_name: str, servers: dict[str, URL], tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("own", MODELS)
    project.alembic("revision", "--autogenerate", "-m", "Create accounts and experiments")
    [migration] = project.versions()
    source = migration.read_text(encoding="utf-8")
    assert "op.create_updated_at_trigger('account'" in source
    assert "op.create_updated_at_trigger('experiment'" not in source
    assert "op.create_updated_at_trigger('run', version=1, column='modified_at')" in source

    report = project.run("rowstamp", "upgrade", "head").output
    [account] = [line for line in report.splitlines() if line.strip().startswith("account:")]
    [experiment] = [line for line in report.splitlines() if line.strip().startswith("experiment:")]
    assert "account: is_live, is_flagged, notes, updated_at; trigger" in account
    assert "experiment: is_active, is_flagged, updated_at; no updated_at trigger" in experiment
    [run] = [line for line in report.splitlines() if line.strip().startswith("run:")]
    assert "run: is_active, is_flagged, remarks, created_at, modified_at; trigger" in run
    assert "No new upgrade operations detected" in project.alembic("check").output
    # PostgreSQL: run's trigger function (set_updated_at_<hash>, it sets modified_at) is
    # rowstamp's own, not a function someone edited
    assert "OK: the database is at head" in project.run("rowstamp", "check").output
    alone = project.run("rowstamp", "status").output  # the models read from env.py offline
    assert [line for line in alone.splitlines() if line.strip().startswith("account:")] == [account]

    engine = create_engine(db_url)
    with engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("account")}
        indexed = {tuple(i["column_names"]) for i in inspect(conn).get_indexes("account")}
    assert not columns["is_live"]["nullable"] and columns["is_live"]["default"] is not None
    assert columns["is_active"]["default"] is None  # the model's own login flag
    assert ("is_live",) in indexed and ("is_active",) not in indexed
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO account (email, is_active) VALUES ('a@x.org', false)"))
        row = conn.execute(text("SELECT is_active, is_live, created_at FROM account")).one()
    assert (bool(row[0]), bool(row[1]), row[2]) == (False, True, None)
    engine.dispose()

    # the contract's trigger row: a raw UPDATE must move updated_at (run: modified_at)

    result = rowstamp_test(project, engine_name, servers)
    assert result.returncode == 0, result.output
    assert "metadata contract" in result.output


class Base(MetadataColumns, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __rowstamp__ = MetadataSpec(rename={"is_active": "is_live"})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)  # login enabled


class Event(Base):
    __tablename__ = "events"
    __rowstamp__ = MetadataSpec(omit={"is_active"})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


def test_soft_delete_follows_the_renamed_flag(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine)
    factory = sessionmaker(db_engine)
    enable_soft_delete(factory, delete_means_soft_delete=True)
    with factory() as session:
        session.add_all([User(id=1, is_active=False), User(id=2), Event(id=1)])
        session.commit()
        assert session.scalars(select(User.id).order_by(User.id)).all() == [1, 2]  # logins
        soft_delete(session, session.get_one(User, 2))
        session.execute(delete(Event))  # no flag: a real delete
        session.commit()
        assert session.scalars(select(User.id)).all() == [1]
        assert session.scalars(select(Event.id)).all() == []
        assert not is_soft_deletable(Event)
    with db_engine.connect() as conn:
        rows = conn.execute(text("SELECT id, is_active, is_live FROM users ORDER BY id")).all()
    assert [(r[0], bool(r[1]), bool(r[2])) for r in rows] == [(1, False, True), (2, True, False)]


def test_the_schemas_follow_the_renamed_columns() -> None:
    read, create, update = metadata_schemas(User)
    assert set(read.model_fields) == {"is_live", "is_flagged", "notes", "created_at", "updated_at"}
    assert set(create.model_fields) == {"is_flagged", "notes"}
    assert set(update.model_fields) == {"is_flagged", "notes"}
    assert "is_active" not in metadata_schemas(Event).read.model_fields
