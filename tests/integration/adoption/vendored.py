"""The vendored real projects under ``tests/projects/<name>``, run the way each runs its
own Alembic history: its own ``alembic.ini`` and ``env.py``, the URL set the way the
project sets it, and the project's own steps outside Alembic (``create_all``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, inspect
from sqlalchemy.engine import URL

from alembic import command
from tests.helpers import ROWSTAMP_TABLES, catalog, without_version_table
from tests.project import PROJECTS


@dataclass(frozen=True)
class Vendored:
    """One vendored project: where its pieces are and how it runs its history."""

    name: str
    package: str
    """The top-level package the project's code lives in (also its import name)."""
    script_location: str
    """The Alembic script directory, relative to the project root."""
    ini: str
    """The project's own ``alembic.ini``, relative to the project root."""
    head: str
    before_history: str | None
    """``module:attribute`` of a declarative base whose tables the project creates with
    ``create_all`` before its first revision runs (its history starts from them)."""
    after_history: str | None
    """``module:attribute`` of a declarative base whose missing tables the project
    creates with ``create_all`` after upgrading, every time it starts."""
    base: str
    """``module:attribute`` of the project's declarative base."""
    models: tuple[str, ...]
    """The modules that declare the project's models."""
    expected_drift: dict[str, list[str]]
    """Per engine, what Alembic's autogenerate reports under the project's own env.py
    right after its history: upstream drift kept as it is (PROVENANCE.md). Without
    ``Float(53)`` columns read back as ``DOUBLE`` on MariaDB: Alembic reports them,
    but not once rowstamp's MariaDB comparison is registered in the process."""
    downgrade_floors: dict[str, str]
    """Per engine, the lowest revision the project's own downgrades reach
    (``"base"``: all of them; the project's PROVENANCE.md says why not)."""

    @property
    def root(self) -> Path:
        return PROJECTS / self.name

    def own_config(self, url: URL) -> Config:
        """The Alembic config as the project builds it: its ini, the script location
        and URL set in code (``%`` escaped as the project escapes it)."""
        config = Config(str(self.root / self.ini))
        config.set_main_option("script_location", str(self.root / self.script_location))
        rendered = url.render_as_string(hide_password=False).replace("%", "%%")
        config.set_main_option("sqlalchemy.url", rendered)
        return config


OPTUNA = Vendored(
    name="optuna",
    package="optuna",
    script_location="optuna/storages/_rdb/alembic",
    ini="optuna/storages/_rdb/alembic.ini",
    head="v3.2.0.a",
    before_history=None,
    after_history="optuna.storages._rdb.models:BaseModel",  # RDBStorage.__init__
    base="optuna.storages._rdb.models:BaseModel",
    models=("optuna.storages._rdb.models",),
    expected_drift={
        "mariadb": [  # v3.0.0.b's MySQL branch leaves trials.state nullable
            "modify_nullable trials.state: True -> False",
        ],
    },
    # v3.0.0.c's downgrade names a missing enum class (AttributeError); on MariaDB
    # v3.2.0.a's downgrade drops the index behind a foreign key first (error 1553).
    downgrade_floors={"sqlite": "v3.0.0.c", "postgresql": "v3.0.0.c", "mariadb": "v3.2.0.a"},
)
MLFLOW = Vendored(
    name="mlflow",
    package="mlflow",
    script_location="mlflow/store/db_migrations",
    ini="mlflow/store/db_migrations/alembic.ini",
    head="f5a4f2784254",
    before_history="mlflow.store.tracking.dbmodels.initial_models:Base",
    after_history=None,
    base="mlflow.store.db.base_sql_model:Base",
    models=(
        "mlflow.store.tracking.dbmodels.models",
        "mlflow.store.model_registry.dbmodels.models",
    ),
    expected_drift={
        "mariadb": [  # 2b4d017a5e9b's unique=True
            "remove_index registered_models.name",
        ],
    },
    # mlflow does not support downgrades: 25 of its 27 are ``pass``, so a downgrade
    # below the last one leaves the schema as it was and the upgrade then fails.
    downgrade_floors={e: "4465047574b1" for e in ("sqlite", "postgresql", "mariadb")},
)
PROJECTS_VENDORED = [OPTUNA, MLFLOW]


@contextmanager
def imported_from(root: Path, package: str) -> Iterator[None]:
    """``package`` importable from ``root`` for the block, and forgotten afterwards,
    so a copy with edited models is imported afresh."""
    saved_path = list(sys.path)
    sys.path.insert(0, str(root))
    _forget(package)
    try:
        yield
    finally:
        _forget(package)
        sys.path[:] = saved_path


def _forget(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


def own_upgrade(project: Vendored, url: URL, target: str, *, start: bool = True) -> None:
    """The project's steps outside Alembic around ``alembic upgrade`` under its env.py;
    ``start``: also what the project does when it starts (``after_history``)."""
    with imported_from(project.root, project.package):
        create_initial(project, url)
        command.upgrade(project.own_config(url), target)
        if start and project.after_history is not None:
            _create_all(url, _metadata(project.after_history))


def create_initial(project: Vendored, url: URL) -> None:
    """The schema the project's history starts from, made the project's way (with the
    project's package importable)."""
    if project.before_history is not None:
        _create_all(url, _metadata(project.before_history))


def own_drift(project: Vendored, url: URL) -> list[Any]:
    """What autogenerate finds between the project's models and its database, compared
    the way the project's env.py compares (Alembic's defaults)."""
    import importlib

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with imported_from(project.root, project.package):
        for module in project.models:
            importlib.import_module(module)
        metadata = _metadata(project.base)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                diffs = compare_metadata(MigrationContext.configure(connection), metadata)
                described = [_describe(diff) for diff in diffs]
                return [d for d in described if not d.endswith(": DOUBLE -> FLOAT")]
        finally:
            engine.dispose()


def _describe(diff: Any) -> str:
    """One autogenerate diff as a short line: ``add_index trials.ix_trials_study_id``."""
    if isinstance(diff, list):  # column changes: (kind, schema, table, column, ..., old, new)
        kind, _, table, column, _, old, new = diff[0]
        return f"{kind} {table}.{column}: {old} -> {new}"
    kind, item = diff[0], diff[-1]
    table = getattr(item, "table", None)
    name = getattr(item, "name", None)
    return f"{kind} {getattr(table, 'name', '')}.{name}"


def own_downgrade(project: Vendored, url: URL, target: str) -> None:
    with imported_from(project.root, project.package):
        command.downgrade(project.own_config(url), target)


def _metadata(spec: str) -> MetaData:
    import importlib

    module, _, attribute = spec.partition(":")
    metadata: MetaData = getattr(importlib.import_module(module), attribute).metadata
    return metadata


def _create_all(url: URL, metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def with_engine(url: URL, fn: Callable[[Engine], Any]) -> Any:
    engine = create_engine(url)
    try:
        return fn(engine)
    finally:
        engine.dispose()


def schema_dump(engine: Engine) -> dict[str, Any]:
    """Everything the schema holds, for an exact before/after comparison: the catalog's
    objects (tables, indexes, triggers, functions, sequences) and, per table, columns
    (type, nullability, default), primary key, foreign keys, unique and check
    constraints and indexes; Alembic's version table and the ledger left out."""
    dump: dict[str, Any] = {"objects": sorted(without_version_table(catalog(engine)))}
    inspector = inspect(engine)
    kinds: dict[str, Callable[[], dict[Any, Any]]] = {
        "columns": inspector.get_multi_columns,
        "pk": inspector.get_multi_pk_constraint,
        "fks": inspector.get_multi_foreign_keys,
        "indexes": inspector.get_multi_indexes,
        "uniques": inspector.get_multi_unique_constraints,
        "checks": inspector.get_multi_check_constraints,
    }
    for kind, read in kinds.items():
        for (_, table), items in read().items():
            if table in ROWSTAMP_TABLES:
                continue
            dump[f"{table}.{kind}"] = _plain(items)
    return dump


def _plain(value: Any) -> Any:
    """Reflected values as comparable text (types compile to their repr)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items()) if k != "comment"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def dump_differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The entries of two ``schema_dump`` results that differ, one line each."""
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            lines.append(f"{key}: {before.get(key)!r} -> {after.get(key)!r}")
    return lines
