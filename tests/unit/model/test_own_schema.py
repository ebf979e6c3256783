"""``without_rowstamp``: the models as they were before rowstamp, for a scratch database
built as at the baseline (``test_baseline_schema = models``)."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.schema import DEFAULT_NAMING_CONVENTION

from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns, MetadataSpec
from rowstamp.model.own_schema import without_rowstamp


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Study(MetadataColumns, Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    __table_args__ = (
        UniqueConstraint("name"),  # unnamed, as optuna's
        CheckConstraint("id > 0", name="positive"),
    )


class Trial(MetadataColumns, Base):
    __tablename__ = "trials"
    __rowstamp__: ClassVar[MetadataSpec] = MetadataSpec(
        rename={"is_active": "is_live"}, omit={"notes"}
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))


def _ddl(metadata: MetaData) -> str:
    dialect = sqlite.dialect()
    parts = [str(CreateTable(t).compile(dialect=dialect)) for t in metadata.sorted_tables]
    parts += [
        str(CreateIndex(i).compile(dialect=dialect))
        for t in metadata.sorted_tables
        for i in t.indexes
    ]
    return "\n".join(parts)


def test_copy_has_no_rowstamp_columns_indexes_or_convention_names() -> None:
    copy = without_rowstamp(Base.metadata, DEFAULT_NAMING_CONVENTION)
    assert [c.name for c in copy.tables["studies"].columns] == ["id", "name"]
    assert [c.name for c in copy.tables["trials"].columns] == ["id", "study_id"]  # renamed too
    ddl = _ddl(copy)
    assert "\tPRIMARY KEY (id)" in ddl and "pk_studies" not in ddl
    assert "\tUNIQUE (name)" in ddl  # unnamed again, as the project's create_all made it
    assert "CONSTRAINT positive CHECK (id > 0)" in ddl  # an explicit name is kept
    assert "FOREIGN KEY(study_id) REFERENCES studies (id)" in ddl and "fk_" not in ddl
    assert "CREATE INDEX ix_studies_name ON studies (name)" in ddl
    assert "is_active" not in ddl and "is_live" not in ddl and "created_at" not in ddl
    # the models themselves keep everything
    assert "is_live" in Base.metadata.tables["trials"].columns
    assert "created_at" in Base.metadata.tables["studies"].columns


def test_a_constraint_attached_twice_is_created_once() -> None:
    """mlflow's cfd24bdc0731 builds CheckConstraint(SqlRun.source_type.in_(...)) at import,
    which attaches another copy to the live table every time Alembic loads it."""

    class Other(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    class Run(Other):
        __tablename__ = "runs"

        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        status: Mapped[str] = mapped_column(String(9))

    for _ in range(2):
        CheckConstraint(Run.__table__.c.status.in_(["A", "B"]), name="status")
    assert len(Run.__table__.constraints) == 3  # the primary key and two copies
    copy = without_rowstamp(Other.metadata, DEFAULT_NAMING_CONVENTION)
    assert _ddl(copy).count("CONSTRAINT status CHECK") == 1
