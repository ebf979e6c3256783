"""``[rowstamp] baseline``: which revisions are the project's own history, and the
naming convention they keep (issue 15 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.sql.schema import DEFAULT_NAMING_CONVENTION

from rowstamp.errors import SettingsError
from rowstamp.history.baseline import baseline_naming_convention, own_history
from rowstamp.model.columns import NAMING_CONVENTION

OWN_CONVENTION = {"ck": "chk_%(table_name)s_%(constraint_name)s"}


def _project(tmp_path: Path, rowstamp: str) -> tuple[Config, ScriptDirectory]:
    versions = tmp_path / "alembic" / "versions"
    versions.mkdir(parents=True)
    for rev, down in (("o1", None), ("o2", "o1"), ("n3", "o2")):
        (versions / f"{rev}.py").write_text(
            f"revision = {rev!r}\ndown_revision = {down!r}\n"
            "def upgrade():\n    pass\ndef downgrade():\n    pass\n",
            encoding="utf-8",
        )
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        f"[alembic]\nscript_location = {tmp_path / 'alembic'}\n\n[rowstamp]\n{rowstamp}\n",
        encoding="utf-8",
    )
    config = Config(str(ini))
    return config, ScriptDirectory.from_config(config)


def test_the_baseline_and_its_ancestors_are_the_projects_own(tmp_path: Path) -> None:
    assert own_history(*_project(tmp_path, "baseline = o2")) == {"o1", "o2"}


def test_without_a_baseline_every_revision_is_rowstamps(tmp_path: Path) -> None:
    assert own_history(*_project(tmp_path, "")) == frozenset()


def test_a_baseline_that_names_no_revision_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"baseline = nosuch names no revision"):
        own_history(*_project(tmp_path, "baseline = nosuch"))


def test_old_revisions_drop_rowstamps_convention_and_keep_a_projects_own(tmp_path: Path) -> None:
    config, _ = _project(tmp_path, "baseline = o2")
    rowstamps = MetaData(naming_convention=NAMING_CONVENTION)
    assert baseline_naming_convention(config, rowstamps) == DEFAULT_NAMING_CONVENTION
    assert baseline_naming_convention(config, MetaData(naming_convention=OWN_CONVENTION)) is None
    assert baseline_naming_convention(config, MetaData()) is None


def test_a_project_names_the_convention_its_history_had(tmp_path: Path) -> None:
    config, _ = _project(
        tmp_path, f"baseline = o2\nbaseline_naming_convention = {__name__}:OWN_CONVENTION"
    )
    rowstamps = MetaData(naming_convention=NAMING_CONVENTION)
    assert baseline_naming_convention(config, rowstamps) == OWN_CONVENTION
