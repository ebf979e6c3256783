"""``[rowstamp] trigger_function = moddatetime``: PostgreSQL's C trigger keeps the UTC
contract on a real server whatever the session time zone, reads as version 1, drops
leaving nothing and refuses in one line where the extension is missing; SQLite and
MariaDB run version 1's trigger for the same operation, so the migration is portable;
autogenerate writes the operation when alembic.ini asks for it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, Integer, MetaData, String, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import rowstamp.autogen.impl  # noqa: F401 - registers the operations
from rowstamp import RowstampError
from rowstamp.engines import for_dialect
from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from tests.helpers import catalog, run_ops, timestamps
from tests.project import Project, migration_body


class Base(MetadataColumns, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(50))


def _install(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS moddatetime"))


def test_the_c_trigger_bumps_updated_at_in_utc_and_drops_cleanly(db_engine: Engine) -> None:
    _install(db_engine)
    Base.metadata.create_all(db_engine)
    before = catalog(db_engine)
    run_ops(db_engine, lambda op: op.create_moddatetime_trigger("things"))  # type: ignore[attr-defined]
    support = for_dialect(db_engine.dialect)
    with db_engine.begin() as conn:
        assert support.trigger_versions(conn, None) == {"things": 1}
        conn.execute(text("INSERT INTO things (name) VALUES ('a')"))
    created, _ = timestamps(db_engine, "things")
    time.sleep(0.01)
    with db_engine.begin() as conn:
        if db_engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL TIME ZONE 'Asia/Tokyo'"))
            function = conn.execute(
                text(
                    "SELECT tgfoid::regproc::text FROM pg_trigger WHERE tgname = 'update_timestamp'"
                )
            ).scalar()
            assert function == "moddatetime"
        conn.execute(text("UPDATE things SET name = 'b', updated_at = '2000-01-01 00:00:00'"))
    created2, updated = timestamps(db_engine, "things")
    assert created2 == created and updated > created
    assert updated.tzinfo is UTC and abs(datetime.now(UTC) - updated) < timedelta(minutes=1)
    run_ops(db_engine, lambda op: op.drop_moddatetime_trigger("things"))  # type: ignore[attr-defined]
    assert catalog(db_engine) == before


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_missing_extension_is_one_line(db_engine: Engine) -> None:
    Base.metadata.create_all(db_engine)
    with pytest.raises(RowstampError) as raised:
        run_ops(db_engine, lambda op: op.create_moddatetime_trigger("things"))  # type: ignore[attr-defined]
    assert "\n" not in str(raised.value)
    assert "CREATE EXTENSION moddatetime" in str(raised.value)


@pytest.mark.parametrize("engine_name", ["postgresql", "sqlite"], indirect=True)
def test_autogenerate_writes_it_when_asked(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    engine = create_engine(db_url)
    try:
        _install(engine)
        ini = project.root / "alembic.ini"
        ini.write_text(
            ini.read_text().replace("[rowstamp]\n", "[rowstamp]\ntrigger_function = moddatetime\n")
        )
        project.alembic("revision", "--autogenerate", "-m", "Create users table")
        [migration] = project.versions()
        upgrade, downgrade = migration_body(migration).split("def downgrade")
        assert "op.create_moddatetime_trigger('users')" in upgrade
        assert "op.drop_moddatetime_trigger('users')" in downgrade
        project.alembic("upgrade", "head")
        with engine.connect() as conn:
            assert for_dialect(engine.dialect).trigger_versions(conn, None) == {"users": 1}
        project.alembic("check")  # the C trigger is what the model asks
        project.alembic("downgrade", "base")
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("trigger_function = moddatetime\ntrigger_version = 2", "cannot read the untouched mark"),
        ("trigger_function = plpython", "trigger_function = plpython is not a trigger function"),
    ],
)
def test_settings_it_cannot_honour_are_one_line(
    db_url: URL, tmp_path: Path, setting: str, message: str
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    ini = project.root / "alembic.ini"
    ini.write_text(ini.read_text().replace("[rowstamp]\n", f"[rowstamp]\n{setting}\n"))
    refused = project.alembic("revision", "--autogenerate", "-m", "Create users", check=False)
    assert refused.returncode != 0
    assert message in refused.output and "Traceback" not in refused.output
    assert project.versions() == []
