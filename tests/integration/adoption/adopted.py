"""A vendored real project adopted by hand the way docs/adopting.md's manual path does
it, on rowstamp's own ``env.py``: the project's models on rowstamp's ``Base``, its
history kept where it is (``version_locations``), ``[rowstamp]`` in ``alembic.ini``
with the settings loader and the ``baseline`` (the project's last own revision)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from tests.integration.adoption.vendored import Vendored, imported_from
from tests.project import Project, Result

BASES = {
    "optuna": (
        "optuna/storages/_rdb/models.py",
        "BaseModel: Any = declarative_base()",
        "from app.db.base import Base as BaseModel  # adopted: rowstamp's Base",
    ),
    "mlflow": (
        "mlflow/store/db/base_sql_model.py",
        "Base = declarative_base()",
        "from app.db.base import Base  # adopted: rowstamp's Base",
    ),
}
"""Per project: the file that declares its declarative base, the line, and its
replacement: the one edit to the project's own code that adoption makes."""
ROWS = {
    "optuna": (
        "studies",
        "INSERT INTO studies (study_id, study_name) VALUES (7, 'adopted')",
        "UPDATE studies SET study_name = 'renamed' WHERE study_id = 7",
        "study_id = 7",
    ),
    "mlflow": (
        "experiments",
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage)"
        " VALUES (7, 'adopted', 'file:///tmp', 'active')",
        "UPDATE experiments SET name = 'renamed' WHERE experiment_id = 7",
        "experiment_id = 7",
    ),
}
"""Per project: a table, a raw INSERT made before adoption, a raw UPDATE after it, and
the row's WHERE clause."""

TEST_SETTINGS = {"optuna": "test_skip = stairway, round trip, clean downgrade\n", "mlflow": ""}
"""Per project: ``rowstamp test``'s documented settings (docs/testing.md) besides
``test_baseline_schema`` (``BASELINE_SCHEMAS``). optuna skips the checks that downgrade:
on MariaDB its history leaves ``trials.state`` nullable (8328be8ece2e) where its model
says NOT NULL, so the retrofit also sets NOT NULL and its downgrade makes the column
nullable again, which a baseline built from the models (NOT NULL) does not match
("changed column trials.state ... (was ... NOT NULL)")."""
BASELINE_SCHEMAS = {"optuna": "models", "mlflow": "app.baseline_schema:create"}
"""Per project: ``test_baseline_schema``. Scratch databases start as at the baseline
(mlflow's 89d4b8295536 queries through today's models, optuna creates trial_heartbeats
outside its history). optuna's models match its history; mlflow's history leaves a
unique index on MariaDB that its models do not declare, so a function adds it."""
MLFLOW_BASELINE = '''"""mlflow's schema as at the baseline: its models before rowstamp, plus the
unique index `name` that 2b4d017a5e9b's unique=True leaves on MariaDB (PROVENANCE.md)."""

from sqlalchemy import Connection, text
from sqlalchemy.sql.schema import DEFAULT_NAMING_CONVENTION

import app.models  # noqa: F401
from app.db.base import Base
from rowstamp.model.own_schema import without_rowstamp


def create(connection: Connection) -> None:
    without_rowstamp(Base.metadata, DEFAULT_NAMING_CONVENTION).create_all(connection)
    if connection.dialect.name in {"mysql", "mariadb"}:
        connection.execute(text("CREATE UNIQUE INDEX name ON registered_models (name)"))
'''
"""``app/baseline_schema.py`` of the adopted mlflow."""
MODELS = {
    "optuna": ["optuna.storages._rdb.models"],
    "mlflow": [
        "mlflow.store.tracking.dbmodels.models",
        "mlflow.store.model_registry.dbmodels.models",
    ],
}
"""Per project: the model modules ``app.models`` imports for autogenerate."""


@dataclass
class Adopted:
    """The adopted copy of ``vendored`` and the scratch database it runs on."""

    vendored: Vendored
    project: Project

    @property
    def versions(self) -> Path:
        return self.project.root / self.vendored.script_location / "versions"

    def run(self, *args: str, check: bool = True) -> Result:
        """``alembic ...`` or ``rowstamp ...`` in the project, in this process, with the
        project's own package imported afresh (its models are edited)."""
        with imported_from(self.project.root, self.vendored.package):
            return self.project.run(*args, check=check)

    @contextmanager
    def imported(self) -> Iterator[None]:
        # process_state: an earlier in-process test may have left another project's app
        with self.project.process_state(), imported_from(self.project.root, self.vendored.package):
            yield


def adopt(vendored: Vendored, target: Path, url: URL) -> Adopted:
    """Copy the vendored project next to rowstamp's layout and adopt it by hand."""
    project = Project.copy(target, url)
    root = project.root
    for name in ("app/models/user.py", "app/schemas/user.py"):
        (root / name).unlink()  # the template's example model, not the project's
    shutil.copytree(
        vendored.root / vendored.package,
        root / vendored.package,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    path, line, replacement = BASES[vendored.name]
    source = (root / path).read_text(encoding="utf-8")
    assert source.count(line) == 1, f"{path} no longer declares {line!r}"
    (root / path).write_text(source.replace(line, replacement), encoding="utf-8")
    imports = "".join(f"import {module}  # noqa: F401\n" for module in MODELS[vendored.name])
    (root / "app" / "models" / f"{vendored.name}.py").write_text(
        f'"""The {vendored.name} models, on rowstamp\'s Base."""\n\n{imports}', encoding="utf-8"
    )
    ini = root / "alembic.ini"
    text = ini.read_text(encoding="utf-8")
    versions = f"%(here)s/{vendored.script_location}/versions"
    text = text.replace(
        "script_location = %(here)s/alembic\n",
        f"script_location = %(here)s/alembic\nversion_locations = {versions}\n",
    )
    schema = BASELINE_SCHEMAS[vendored.name]
    if schema != "models":
        (root / "app" / "baseline_schema.py").write_text(MLFLOW_BASELINE, encoding="utf-8")
    text = text.replace(
        "[rowstamp]\n",
        f"[rowstamp]\nbaseline = {vendored.head}\ntest_baseline_schema = {schema}\n"
        f"{TEST_SETTINGS[vendored.name]}",
    )
    assert "version_locations" in text and "baseline =" in text
    ini.write_text(text, encoding="utf-8")
    return Adopted(vendored, project)
