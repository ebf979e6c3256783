"""``rowstamp check`` lists only real differences.

mlflow on MariaDB: every ``Float(precision=53)`` column showed as ``type DOUBLE ->
FLOAT(53)`` on every run (MariaDB stores ``FLOAT(p)`` with p from 25 to 53 as
``DOUBLE``), so model match could never pass; and next to each difference
``ensure updated at trigger`` was listed, which is no difference at all (it only
puts back a trigger a SQLite table rebuild would drop, and does nothing elsewhere).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from tests.project import Project

MEASURES = """
from sqlalchemy import Double, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Measure(Base):
    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=@NULLABLE@)
    value: Mapped[float] = mapped_column(Float(precision=53))
    single: Mapped[float] = mapped_column(Float(precision=@SINGLE@), nullable=True)
    plain: Mapped[float] = mapped_column(Float(), nullable=True)
    double: Mapped[float] = mapped_column(Double(), nullable=True)
"""


def _measures(*, nullable: bool, single: int = 24) -> str:
    return MEASURES.replace("@NULLABLE@", str(nullable)).replace("@SINGLE@", str(single))


def test_float_columns_and_trigger_ensures_are_no_drift(
    db_url: URL, engine_name: str, tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("measure", _measures(nullable=True))
    project.run("rowstamp", "new", "Create measures table")
    project.run("rowstamp", "upgrade")
    check = project.run("rowstamp", "check", check=False)
    assert check.returncode == 0, check.output
    assert "FLOAT" not in check.output.upper()

    project.add_model("measure", _measures(nullable=False, single=53))
    check = project.run("rowstamp", "check", check=False)
    assert check.returncode != 0
    assert "measures: the models need: alter column name" in check.output, check.output
    assert "ensure updated at trigger" not in check.output
    if engine_name != "sqlite":  # SQLite stores every float as REAL: no width to compare
        assert "alter column single: type" in check.output, check.output
