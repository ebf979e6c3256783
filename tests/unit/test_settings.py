"""Settings: files chosen by ENVIRONMENT, env vars win, bad input is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from rowstamp.errors import DatabaseUrlError, EnvFileError, SettingsError, UnknownEnvironmentError
from rowstamp.settings import RowstampSettings, known_environments, load_settings


def test_development_is_the_default_and_overrides_the_shared_file(env_dir: Path) -> None:
    settings = load_settings(RowstampSettings, env_dir)
    assert settings.environment == "development"
    assert settings.url.database == str(env_dir.parent.parent / "dev.sqlite3")
    assert settings.database_timestamp_utc is None


def test_environment_variable_selects_the_file(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    settings = load_settings(RowstampSettings, env_dir)
    assert settings.environment == "production"
    assert settings.url.database.endswith("shared.sqlite3")
    assert settings.database_timestamp_utc == "now()"


def test_real_environment_variables_override_both_files(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db/app")
    settings = load_settings(RowstampSettings, env_dir)
    assert settings.url.drivername == "postgresql+psycopg"
    assert settings.url.password == "pw"


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://h/db", "postgresql+psycopg"),
        ("mysql://h/db", "mysql+pymysql"),
        ("mariadb://h/db", "mariadb+pymysql"),
        ("postgresql+psycopg2://h/db", "postgresql+psycopg2"),
    ],
)
def test_driverless_urls_get_the_installed_driver(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch, given: str, driver: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings(RowstampSettings, env_dir).url.drivername == driver


def test_unknown_environment_lists_the_known_ones(env_dir: Path) -> None:
    with pytest.raises(UnknownEnvironmentError) as info:
        load_settings(RowstampSettings, env_dir, environment="staging")
    message = str(info.value)
    assert "unknown ENVIRONMENT 'staging'" in message
    assert "development, production" in message
    assert known_environments(env_dir) == ["development", "production"]


def test_missing_env_dir_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match="does not exist"):
        load_settings(RowstampSettings, tmp_path / "nowhere")


def test_malformed_url_names_the_place_to_fix_without_echoing_it(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "not a url with secret-pw")
    with pytest.raises(DatabaseUrlError) as info:
        load_settings(RowstampSettings, env_dir)
    assert "DATABASE_URL environment variable" in str(info.value)
    assert "secret-pw" not in str(info.value)


def test_missing_url_says_where_to_set_it(env_dir: Path) -> None:
    (env_dir / ".env").write_text("")
    (env_dir / "development.env").write_text("")
    with pytest.raises(DatabaseUrlError, match="DATABASE_URL is not set"):
        load_settings(RowstampSettings, env_dir)


def test_absolute_sqlite_paths_and_memory_are_kept(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    assert load_settings(RowstampSettings, env_dir).url.database == "/tmp/x.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert load_settings(RowstampSettings, env_dir).url.database is None


@pytest.mark.parametrize("name", ["../envs/development", "/etc/passwd", "prod\nuction", "a b"])
def test_environment_must_be_a_plain_name(env_dir: Path, name: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(RowstampSettings, env_dir, environment=name)
    assert len(str(info.value).splitlines()) == 1
    assert "is not a plain name; use letters, digits, '-' and '_' only" in str(info.value)


@pytest.mark.parametrize("variable", ["MIGRATION_LOCK_TIMEOUT", "DATABASE_LOCK_TIMEOUT"])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_lock_timeouts_must_be_finite(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings(RowstampSettings, env_dir)
    assert f"invalid {variable} for environment 'development'" in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_a_migration_url_is_used_for_migrations_only_on_this_database(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MIGRATION_DATABASE_URL bypasses a pooler; settings pointed at another database
    (a rehearsal's scratch copy, lint's offline URL) must never migrate through it."""
    monkeypatch.setenv("DATABASE_URL", "postgres://app@pgbouncer:6432/shop")
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgres://app@db:5432/shop")
    settings = load_settings(RowstampSettings, env_dir)
    assert settings.url.port == 6432
    assert settings.migration_url.render_as_string() == "postgresql+psycopg://app@db:5432/shop"
    other = load_settings(RowstampSettings, env_dir, database_url="sqlite:///scratch.db")
    assert other.migration_url == other.url
    assert settings.with_url("sqlite:///scratch.db").migration_database_url is None
    monkeypatch.setenv("MIGRATION_DATABASE_URL", " ")
    assert load_settings(RowstampSettings, env_dir).migration_url.port == 6432
