"""rowstamp's naming convention on models a project brings along (issue 15 item 1):
unnamed CHECK constraints and ``Boolean(create_constraint=True)`` import and get a
name from their columns (or a hash of their SQL), and an explicit name, plain or
``conv()``, is kept exactly as written (issue 15: explicit CHECK names "must be kept")."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Boolean, CheckConstraint, Integer, MetaData, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.elements import conv

from rowstamp.model.columns import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(9))
    qty: Mapped[int] = mapped_column(Integer)
    is_nan: Mapped[bool] = mapped_column(Boolean(create_constraint=True))

    __table_args__ = (
        CheckConstraint(status.column.in_(["RUNNING", "FINISHED"])),  # unnamed, as mlflow's
        CheckConstraint("qty <> 13"),  # unnamed SQL text: no column to name it by
        CheckConstraint("qty > 0", name="positive"),
        CheckConstraint("qty < 1000", name=conv("runs_small")),
        CheckConstraint("qty <> 7", name="ck_runs_step"),  # already prefixed by hand
    )


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_every_check_gets_a_name_unnamed_ones_from_their_columns(dialect: object) -> None:
    ddl = str(CreateTable(Run.__table__).compile(dialect=dialect))  # type: ignore[arg-type]
    assert "CONSTRAINT ck_runs_status CHECK (status IN (" in ddl
    assert "CONSTRAINT positive CHECK (qty > 0)" in ddl
    assert "CONSTRAINT runs_small CHECK (qty < 1000)" in ddl
    assert "CONSTRAINT ck_runs_step CHECK (qty <> 7)" in ddl
    assert re.search(r"CONSTRAINT ck_runs_[0-9a-f]{8} CHECK \(qty <> 13\)", ddl)
    if "sqlite" in str(dialect):  # PostgreSQL's BOOLEAN is native: no CHECK
        assert "CONSTRAINT ck_runs_is_nan CHECK (is_nan IN (0, 1))" in ddl
