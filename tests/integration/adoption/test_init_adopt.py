"""Adopting the vendored real projects with the one documented command,
``rowstamp init --adopt`` (their env.py kept and edited), then rowstamp's columns on
their own declarative base, on SQLite, PostgreSQL and MariaDB: the retrofit revision
applies to the database their own history built, raw UPDATEs bump ``updated_at``,
``alembic check`` is clean and a downgrade to ``baseline`` restores the exact catalog.

One test per project and engine runs the whole chain (one adoption each)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import timestamps
from tests.integration.adoption.adopted import BASES, ROWS
from tests.integration.adoption.vendored import (
    MLFLOW,
    OPTUNA,
    Vendored,
    dump_differences,
    imported_from,
    own_upgrade,
    schema_dump,
    with_engine,
)
from tests.project import Project

MIXIN = {
    "optuna": "BaseModel: Any = declarative_base(cls=MetadataColumns)",
    "mlflow": "Base = declarative_base(cls=MetadataColumns)",
}
"""Per project: its declarative base with rowstamp's columns (docs/adopting.md, step 4)."""


def _ini_dir(vendored: Vendored, root: Path) -> tuple[Path, list[str]]:
    """Where the project runs Alembic from, and the global options naming its ini:
    optuna's script_location is relative to its ini's folder, mlflow's to the root."""
    if vendored is OPTUNA:
        return root / "optuna" / "storages" / "_rdb", []
    return root, ["--config", vendored.ini]


@pytest.mark.parametrize("vendored", [OPTUNA, MLFLOW], ids=lambda v: v.name)
def test_init_adopt_then_retrofit_round_trip(
    vendored: Vendored, engine_name: str, db_url: URL, tmp_path: Path
) -> None:
    table, insert, update, where = ROWS[vendored.name]
    own_upgrade(vendored, db_url, "head")
    with_engine(db_url, lambda e: _execute(e, insert))
    before = with_engine(db_url, schema_dump)

    root = tmp_path / vendored.name
    shutil.copytree(vendored.root, root, ignore=shutil.ignore_patterns("__pycache__"))
    cwd, config = _ini_dir(vendored, root)
    project = Project(cwd, db_url)
    alembic_config = ["-c", vendored.ini] if config else []

    def run(*args: str) -> str:
        with imported_from(root, vendored.package):
            return project.run(*args).output

    run("rowstamp", *config, "init", "--adopt", "--yes")
    path, line, _ = BASES[vendored.name]
    source = (root / path).read_text(encoding="utf-8")
    assert source.count(line) == 1, f"{path} no longer declares {line!r}"
    mixin = f"from rowstamp import MetadataColumns  # adopted\n\n{MIXIN[vendored.name]}"
    (root / path).write_text(source.replace(line, mixin), "utf-8")

    run("alembic", *alembic_config, "revision", "--autogenerate", "-m", "Adopt rowstamp")
    run("alembic", *alembic_config, "upgrade", "head")

    engine = create_engine(db_url)
    try:
        created, updated = timestamps(engine, table, where)
        time.sleep(0.01)
        _execute(engine, update)
        assert timestamps(engine, table, where)[0] == created
        assert timestamps(engine, table, where)[1] > updated
    finally:
        engine.dispose()

    run("alembic", *alembic_config, "check")
    run("alembic", *alembic_config, "downgrade", vendored.head)
    after = with_engine(db_url, schema_dump)
    assert not dump_differences(before, after), "\n".join(dump_differences(before, after))


def _execute(engine: object, sql: str) -> None:
    with engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(text(sql))
