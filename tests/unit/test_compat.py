"""rowstamp.compat: the private APIs it wraps exist, on the versions it was checked with."""

from __future__ import annotations

import inspect

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from alembic.util import pyfiles

from rowstamp import compat


def test_installed_versions_are_the_ones_compat_was_checked_against() -> None:
    unchecked = compat.unchecked_versions()
    assert not unchecked, (
        "re-read every private API in src/rowstamp/compat.py against "
        + "; ".join(unchecked)
        + ", then update CHECKED_WITH"
    )


def test_every_wrapped_private_api_still_exists() -> None:
    from alembic.autogenerate import render
    from alembic.runtime import plugins
    from alembic.runtime.environment import EnvironmentContext

    # EnvironmentContext.__enter__ installs itself as alembic.context._proxy
    assert hasattr(EnvironmentContext, "_install_proxy")
    assert hasattr(Operations, "_install_proxy")
    assert EnvironmentContext._migration_context is None  # a class default, set by configure
    assert hasattr(Operations, "_remove_proxy")
    assert hasattr(ScriptDirectory, "_upgrade_revs")
    assert hasattr(ScriptDirectory, "_downgrade_revs")
    from sqlalchemy.sql import naming

    assert list(inspect.signature(naming._constraint_name_for_table).parameters) == [
        "const",
        "table",
    ]
    assert hasattr(sa.Table("t", sa.MetaData(), sa.Column("c", sa.Integer)), "_columns")
    assert "alembic.autogenerate.tables" in plugins._all_plugins
    assert sa.String().with_variant(sa.Text(), "mysql")._variant_mapping.keys() == {"mysql"}
    assert list(inspect.signature(render._repr_type).parameters)[:2] == [
        "type_",
        "autogen_context",
    ]
    assert list(inspect.signature(pyfiles.load_module_py).parameters)[:2] == [
        "module_id",
        "path",
    ]


def test_explicit_dialect_options_keep_only_what_was_given() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("a", sa.Integer))
    index = sa.Index("ix", table.c.a, postgresql_where=sa.text("a > 0"))
    assert set(compat.explicit_dialect_options(index, "postgresql")) == {"where"}
    assert dict(compat.explicit_dialect_options(index, "sqlite")) == {}


def test_plugin_registered_sees_alembic_and_rowstamp_plugins() -> None:
    assert compat.plugin_registered("alembic.autogenerate.tables")
    assert compat.plugin_registered("rowstamp.updated_at")
    assert not compat.plugin_registered("rowstamp.no_such_plugin")


def test_every_rowstamp_alembic_extension_is_an_entry_point() -> None:
    """Registered the same way, so plain ``alembic`` and ``rowstamp`` see the same ones."""
    from importlib.metadata import entry_points
    from pathlib import Path

    import rowstamp

    names = {e.name for e in entry_points(group="alembic.plugins") if e.name.startswith("rowstamp")}
    assert names == {
        "rowstamp.updated_at",
        "rowstamp.unseen_changes",
        "rowstamp.unique_among_active",
        "rowstamp.unique_names",
    }
    assert all(compat.plugin_registered(name) for name in names)
    package = Path(rowstamp.__file__).parent
    by_hand = [p for p in package.rglob("*.py") if "setup_plugin_from_module" in p.read_text()]
    assert by_hand == []


def test_step_script_is_the_file_alembic_runs_and_none_for_a_stamp(tmp_path) -> None:
    from alembic.runtime.migration import StampStep

    versions = tmp_path / "versions"
    versions.mkdir()
    for rev, down in (("a1", None), ("b2", "a1")):
        (versions / f"{rev}.py").write_text(
            f'"""step {rev}"""\nrevision = {rev!r}\ndown_revision = {down!r}\n'
            "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
            encoding="utf-8",
        )
    scripts = ScriptDirectory(str(tmp_path), version_locations=[str(versions)])
    steps = list(compat.upgrade_steps(scripts, "head", ()))
    assert [compat.step_script(s).revision for s in steps] == ["a1", "b2"]  # type: ignore[union-attr]
    for step in steps:  # the same Script the revision map finds for the step's info
        assert compat.step_script(step) is step.info.up_revision
    stamp = StampStep(None, "a1", True, False, scripts.revision_map)
    assert compat.step_script(stamp) is None
