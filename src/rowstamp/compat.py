"""Every private Alembic, SQLAlchemy and CPython API rowstamp uses, in one place.

Each one saves real work (a second reload of every revision file, a reimplementation of
Alembic's module loader), but none is promised to stay. Keeping them here means an
upgrade that breaks one breaks here, named, and ``tests/unit/test_compat.py`` fails
with a clear message on versions other than the ones these were checked against.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import Script, ScriptDirectory
    from sqlalchemy import Index

__all__ = [
    "CHECKED_WITH",
    "caller_line",
    "configured_context",
    "convention_name",
    "current_environment",
    "downgrade_steps",
    "drop_table_column",
    "explicit_dialect_options",
    "in_external_transaction",
    "installed_versions",
    "load_python_file",
    "operations_naming_convention",
    "operations_proxy",
    "plugin_registered",
    "render_column",
    "render_server_default",
    "render_type",
    "revision_scripts",
    "step_script",
    "unchecked_versions",
    "upgrade_steps",
    "variant_mapping",
]

CHECKED_WITH = {"alembic": "1.20", "sqlalchemy": "2.1"}
"""The minor versions whose private APIs below were read and tested."""


def installed_versions() -> dict[str, str]:
    """The installed versions of the packages in ``CHECKED_WITH``."""
    import sqlalchemy

    import alembic

    return {"alembic": alembic.__version__, "sqlalchemy": sqlalchemy.__version__}


def unchecked_versions() -> list[str]:
    """One line per installed package whose minor version was not checked here."""
    return [
        f"{name} {version} (rowstamp.compat was checked against {CHECKED_WITH[name]}.x)"
        for name, version in installed_versions().items()
        if ".".join(version.split(".")[:2]) != CHECKED_WITH[name]
    ]


def current_environment() -> EnvironmentContext | None:
    """The ``EnvironmentContext`` ``env.py`` runs in, if any: ``alembic.context`` is a
    module-level proxy whose instance is ``_proxy`` while a command runs."""
    from alembic import context

    return getattr(context, "_proxy", None)


def configured_context(environment: EnvironmentContext) -> MigrationContext | None:
    """The environment's ``MigrationContext`` once ``env.py`` called ``configure``, else
    None (the public ``get_context`` raises a bare ``Exception`` before that)."""
    return environment._migration_context


def in_external_transaction(context: MigrationContext) -> bool:
    """True when the connection was handed to ``configure`` inside its caller's
    transaction: Alembic then commits nothing, and neither may rowstamp."""
    return bool(context._in_external_transaction)


@contextmanager
def operations_proxy(operations: Operations) -> Iterator[None]:
    """Make ``alembic.op`` call ``operations`` while a migration function is read,
    then give ``op`` back to the run it belonged to: the ledger reads a revision's
    checksum in the middle of an upgrade that still needs Alembic's own ``op``."""
    import alembic.op

    previous = getattr(alembic.op, "_proxy", None)
    operations._install_proxy()
    try:
        yield
    finally:
        operations._remove_proxy()
        if previous is not None:
            previous._install_proxy()


@contextmanager
def operations_naming_convention(
    context: MigrationContext, convention: Mapping[str, Any]
) -> Iterator[None]:
    """Make ``op.*`` name constraints by ``convention`` meanwhile: Alembic's
    ``SchemaObjects.metadata`` builds each operation's objects on a ``MetaData`` carrying
    ``context.opts["target_metadata"].naming_convention``, read at every operation."""
    from sqlalchemy import MetaData

    missing = object()
    saved = context.opts.get("target_metadata", missing)
    context.opts["target_metadata"] = MetaData(naming_convention=dict(convention))
    try:
        yield
    finally:
        if saved is missing:
            del context.opts["target_metadata"]
        else:
            context.opts["target_metadata"] = saved


def convention_name(item: Any, table: Any) -> Any:
    """The name ``table``'s MetaData naming convention gives ``item`` (a constraint or
    index) as if it had none (None: no convention for its kind): SQLAlchemy names at
    attach time, in ``sqlalchemy.sql.naming._constraint_name_for_table``."""
    from sqlalchemy.sql import naming

    saved = item.name
    item.name = None
    try:
        return naming._constraint_name_for_table(item, table)  # type: ignore[no-untyped-call]
    finally:
        item.name = saved


def drop_table_column(table: Any, column: Any) -> None:
    """Take ``column`` off ``table`` (SQLAlchemy has no public way back from
    ``append_column``): ``Table._columns`` holds a table's columns."""
    table._columns.remove(column)


def upgrade_steps(scripts: ScriptDirectory, target: str, revision: Any) -> Any:
    """The steps ``alembic.command.upgrade`` runs, on an already loaded ``ScriptDirectory``
    (the public command builds a new one, reloading every revision file)."""
    return scripts._upgrade_revs(target, revision)


def downgrade_steps(scripts: ScriptDirectory, target: str, revision: Any) -> Any:
    """The steps ``alembic.command.downgrade`` runs, as ``upgrade_steps``."""
    return scripts._downgrade_revs(target, revision)


def render_type(type_: Any, autogen_context: Any) -> str:
    """A type as autogenerate writes it, the ``render_item`` hook asked first: Alembic's
    ``_repr_type``, which also records the imports the rendering needs."""
    from alembic.autogenerate.render import _repr_type

    return str(_repr_type(type_, autogen_context))


def render_column(column: Any, autogen_context: Any) -> str:
    """A ``sa.Column(...)`` as ``op.add_column`` writes it: Alembic's ``_render_column``."""
    from alembic.autogenerate.render import _render_column

    return str(_render_column(column, autogen_context))


def render_server_default(default: Any, autogen_context: Any) -> str:
    """A server default as ``server_default=`` writes it, the ``render_item`` hook asked
    first: Alembic's ``_render_server_default``."""
    from alembic.autogenerate.render import _render_server_default

    return str(_render_server_default(default, autogen_context))


def variant_mapping(type_: Any) -> dict[str, Any]:
    """The ``with_variant`` types of ``type_``, by dialect name (SQLAlchemy 2 keeps them
    on the type itself)."""
    return dict(type_._variant_mapping)


def plugin_registered(name: str) -> bool:
    """Whether an Alembic plugin of this name is set up in this process."""
    from alembic.runtime.plugins import _all_plugins

    return name in _all_plugins


def explicit_dialect_options(index: Index, dialect: str) -> Mapping[str, Any]:
    """The ``<dialect>_*`` keyword arguments an index was given, without defaults."""
    options: Mapping[str, Any] = index.dialect_options[dialect]._non_defaults
    return options


def load_python_file(module_name: str, path: Path) -> ModuleType:
    """Import a revision file the way Alembic's ``ScriptDirectory`` does."""
    from alembic.util.pyfiles import load_module_py

    return load_module_py(module_name, path)


def revision_scripts(scripts: ScriptDirectory) -> Iterator[Script]:
    """Every revision file, each read on its own: where a ``down_revision`` names a
    missing file, Alembic's revision map raises ``KeyError`` and lists nothing."""
    return scripts._load_revisions()


def caller_line(filename: str) -> int:
    """The line of ``filename`` that is on the current call stack (0 if none)."""
    frame: FrameType | None = inspect.currentframe()
    while frame is not None:
        if frame.f_code.co_filename == filename:
            return frame.f_lineno or 0
        frame = frame.f_back
    return 0


def step_script(step: Any) -> Script | None:
    """The revision file a step of Alembic's step generator runs (``RevisionStep``'s
    ``revision``), None for a stamp: ``step.info.up_revision`` finds the same one
    through the revision map, a lookup per call (and ``info`` is a new object each)."""
    return getattr(step, "revision", None)
