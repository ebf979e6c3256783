"""Any identifier: reserved words, case, spaces, quotes, backticks, 70 characters and
(PostgreSQL) a second schema. Each goes through the dialect's quoting end to end."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import column, create_engine, insert, table, text, update
from sqlalchemy.engine import URL

from tests.helpers import catalog, without_version_table
from tests.project import Project

NAMES = ["user", "order", "select", "my table", 'quote"d', "back`tick", "o'brien"]
# The longest table name every engine keeps (PostgreSQL's 63 bytes; MariaDB keeps 64
# characters): its trigger and index names must be shortened, deterministically.
LONGEST = 63


def _odd(names: list[str]) -> str:
    return "\n".join(
        [
            "from sqlalchemy import String",
            "from sqlalchemy.orm import Mapped, mapped_column",
            "",
            "from app.db.base import Base",
            "",
            *[
                f"class T{i}(Base):\n"
                f"    __tablename__ = {name!r}\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    label: Mapped[str | None] = mapped_column(String(20))\n"
                for i, name in enumerate(names)
            ],
        ]
    )


# SQLite compares table names case-insensitively, so Order cannot sit beside order there.
MIXED_CASE = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class MixedCase(Base):
    __tablename__ = "Order"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str | None] = mapped_column(String(20))
"""

OTHER_SCHEMA = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class OtherUser(Base):
    __tablename__ = "users"
    __table_args__ = {"schema": "other"}
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str | None] = mapped_column(String(20))


class OtherOdd(Base):
    __tablename__ = 'Odd "Name"'
    __table_args__ = {"schema": "other"}
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str | None] = mapped_column(String(20))
"""


def _bumps(engine, name: str, schema: str | None = None) -> None:  # type: ignore[no-untyped-def]
    t = table(name, column("id"), column("label"), column("email"), schema=schema)
    # the app's own users table has name/email; the test tables have label
    row = {"id": 1, "email": "a@example.com"} if (name, schema) == ("users", None) else {"id": 1}
    with engine.begin() as conn:
        conn.execute(insert(t).values(**row))
    qualified = f"{schema}.{name}" if schema else name
    created, before = _stamps(engine, name, schema)
    time.sleep(0.01)
    with engine.begin() as conn:
        conn.execute(update(t).values(id=2))
    created2, after = _stamps(engine, name, schema)
    assert after > before, qualified
    assert created2 == created, qualified


def _stamps(engine, name: str, schema: str | None):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from rowstamp.model.types import UTCDateTime

    t = table(
        name,
        column("created_at", UTCDateTime()),
        column("updated_at", UTCDateTime()),
        schema=schema,
    )
    with engine.connect() as conn:
        return tuple(conn.execute(select(t.c.created_at, t.c.updated_at)).one())


def _scenario(project: Project, url: URL, tables: list[tuple[str, str | None]]) -> None:
    engine = create_engine(url)
    empty = catalog(engine)
    project.alembic("revision", "--autogenerate", "-m", "Create odd tables")
    project.alembic("upgrade", "head")
    for name, schema in tables:
        _bumps(engine, name, schema)
    project.alembic("check")
    project.alembic("downgrade", "base")
    assert catalog(engine, version_table=False) == without_version_table(empty)
    engine.dispose()


def test_odd_table_names(db_url: URL, tmp_path: Path, engine_name: str) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    names = [*NAMES, "long_" + "x" * (LONGEST - 5)]
    project.add_model("odd", _odd(names))
    tables = [(name, None) for name in names] + [("users", None)]
    if engine_name != "sqlite":
        project.add_model("mixed_case", MIXED_CASE)
        tables.append(("Order", None))
    _scenario(project, db_url, tables)


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_second_schema_with_the_same_table_name(db_url: URL, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA other"))
        conn.execute(text("CREATE SCHEMA elsewhere"))
        conn.execute(text("CREATE TABLE elsewhere.not_ours (id integer primary key)"))
    engine.dispose()
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("other", OTHER_SCHEMA)
    _scenario(project, db_url, [("users", None), ("users", "other"), ('Odd "Name"', "other")])
    # a schema the models do not use is never compared, so never proposed for dropping
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM elsewhere.not_ours")).scalar() == 0
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_table_name_the_engine_would_truncate_is_refused(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("odd", _odd(["long_" + "x" * 65]))
    result = project.alembic("revision", "--autogenerate", "-m", "Create a long table", check=False)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "is 70 bytes long but PostgreSQL keeps only 63" in result.output
    assert project.versions() == []


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_name_another_engine_would_truncate_is_refused_when_written(
    db_url: URL, tmp_path: Path
) -> None:
    """SQLite keeps any name, but the migration must also run on PostgreSQL and MariaDB."""
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("odd", _odd(["long_" + "x" * 59]))
    result = project.run("rowstamp", "new", "Create a long table", check=False)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.endswith(
        f"table name {'long_' + 'x' * 59!r} is 64 bytes long but PostgreSQL keeps only 63; "
        "shorten __tablename__ in the model"
    )
    assert project.versions() == []
