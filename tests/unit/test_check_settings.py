"""``[rowstamp] test_*`` options of the migration checks (issue 15 item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config

from rowstamp.errors import SettingsError
from rowstamp.testing.check_settings import CheckSettings


def _settings(tmp_path: Path, text: str) -> CheckSettings:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = alembic\n\n[rowstamp]\n" + text, "utf-8")
    return CheckSettings.of(Config(str(ini)))


def test_leftovers_match_kind_and_name_with_or_without_schema_and_what_a_table_owns(
    tmp_path: Path,
) -> None:
    settings = _settings(
        tmp_path, "test_allow_leftovers =\n    function public.uuid_*\n    table legacy_log\n"
    )
    assert settings.allowed("function", "public.uuid_generate_v1")
    assert not settings.allowed("function", "public.set_updated_at")
    assert settings.allowed("table", "legacy_log") and settings.allowed(
        "table", "public.legacy_log"
    )
    assert settings.allowed("index", "legacy_log.ix_legacy_log_id")  # MySQL names it table.index
    assert settings.allowed("column", "legacy_log.id")
    assert not settings.allowed("table", "legacy_logs")


def test_skip_names_checks_as_printed(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "test_skip = stairway, message rules\n")
    assert settings.skipped("stairway") == "test_skip in alembic.ini"
    assert settings.skipped("model match") is None
    with pytest.raises(SettingsError, match=r"test_skip names no check: stairs; use check names"):
        _settings(tmp_path, "test_skip = stairs\n")


def test_an_initial_schema_that_cannot_be_loaded_is_one_line(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    settings = _settings(tmp_path, "test_initial_schema = no_such_module:metadata\n")
    with pytest.raises(SettingsError, match=r"cannot load .*test_initial_schema = no_such_module"):
        settings.create_initial_schema(create_engine("sqlite://"))


def test_the_walks_start_from_the_baseline_unless_told_base(tmp_path: Path) -> None:
    assert not _settings(tmp_path, "").walk_from_base
    assert _settings(tmp_path, "test_walk_from = base\n").walk_from_base
    with pytest.raises(SettingsError, match=r"test_walk_from = head is neither baseline nor base"):
        _settings(tmp_path, "test_walk_from = head\n")


def test_baseline_schema_needs_a_baseline_and_replaces_the_initial_schema(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path, "baseline = o1\ntest_baseline_schema = models\n")
    assert settings.baseline_schema == "models"
    with pytest.raises(SettingsError, match=r"test_baseline_schema = models needs a baseline; "):
        _settings(tmp_path, "test_baseline_schema = models\n")
    with pytest.raises(SettingsError, match=r"test_initial_schema and test_walk_from = base"):
        _settings(
            tmp_path,
            "baseline = o1\ntest_baseline_schema = models\ntest_initial_schema = app.x:y\n",
        )
    with pytest.raises(SettingsError, match=r"is neither models nor module:attribute"):
        _settings(tmp_path, "baseline = o1\ntest_baseline_schema = model\n")
