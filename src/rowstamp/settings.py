"""Environment settings: the only source of the database URL.

``app/envs/.env`` holds what every environment shares, ``app/envs/<ENVIRONMENT>.env``
overrides it, and real environment variables override both, as deploys expect.
``ENVIRONMENT`` itself comes only from the process environment (default
``development``), because it chooses the files.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from rowstamp.errors import DatabaseUrlError, EnvFileError, SettingsError, UnknownEnvironmentError
from rowstamp.sql import expression_problem
from rowstamp.urls import mask_secrets

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "RowstampSettings",
    "SettingsLoader",
    "known_environments",
    "load_settings",
    "settings_loader",
]

DEFAULT_ENVIRONMENT = "development"

# Driver-less URLs pick drivers rowstamp does not install; point them at the ones it does.
_DEFAULT_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")
"""What an environment name may be: it names a file and goes into backup file names."""
_NOT_PLAIN = "use letters, digits, '-' and '_' only, e.g. production"
_UNENCODED_PASSWORD = (
    "cannot read the URL, likely because its password holds a raw @ : / % # or ?; "
    "URL-encode the password (@ as %40, : as %3A, / as %2F, % as %25, # as %23, ? as %3F)"
)

S = TypeVar("S", bound="RowstampSettings")
S_co = TypeVar("S_co", bound="RowstampSettings", covariant=True)


class RowstampSettings(BaseSettings):
    """What rowstamp needs to know about one environment.

    Subclass it in the application to add the application's own settings.
    """

    model_config = SettingsConfigDict(extra="ignore", env_file_encoding="utf-8")

    environment: str = DEFAULT_ENVIRONMENT
    database_url: str
    migration_database_url: str | None = None
    """Where migrations run, when not ``DATABASE_URL``: a direct connection to the
    server for an application that goes through a transaction-mode pooler (PgBouncer,
    a provider's pooled endpoint), where session locks and settings do not hold."""
    database_timestamp_utc: str | None = None
    """Optional SQL for "now in UTC", overriding the engine's default expression."""
    delete_means_soft_delete: bool = False
    """``session.delete()`` of an object with ``is_active`` marks it inactive instead
    (given to ``rowstamp.model.softdelete.enable_soft_delete``); off: a delete deletes."""

    migration_lock_timeout: float = Field(default=600.0, ge=0, allow_inf_nan=False)
    """Seconds to wait for another process's migration before giving up."""

    database_lock_timeout: float = Field(default=5.0, gt=0, allow_inf_nan=False)
    """Seconds a migration statement may wait for a table lock (PostgreSQL
    ``lock_timeout``, MySQL ``lock_wait_timeout``) before it fails instead of
    queueing every other query behind it."""

    protected: bool | None = None
    """Back up before every migration and confirm downgrades; default: only ``production``."""

    backup_dir: Path | None = None
    """Where backups go, never inside the repository (default ``~/.local/state/rowstamp``)."""

    verify_restore: bool = False
    """Prove each backup by restoring it into a scratch database and comparing row counts."""

    @property
    def is_protected(self) -> bool:
        """Whether migrations here need a verified backup and confirmed downgrades."""
        return self.protected if self.protected is not None else self.environment == "production"

    @field_validator("environment")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not _PLAIN_NAME.fullmatch(value):
            raise ValueError(_NOT_PLAIN)
        return value

    @field_validator("migration_database_url")
    @classmethod
    def _normalise_migration_url(cls, value: str | None) -> str | None:
        return cls._normalise_url(value) if value and value.strip() else None

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        try:
            url = make_url(value.strip())
        except ArgumentError:
            raise ValueError(
                "not a database URL (expected dialect+driver://user@host/dbname)"
            ) from None
        except ValueError:  # the port is not a number: a ":" or "/" of the password, raw
            raise ValueError(_UNENCODED_PASSWORD) from None
        if "@" in (url.host or ""):
            raise ValueError(_UNENCODED_PASSWORD)
        backend = url.drivername.partition("+")[0]
        if "+" not in url.drivername and backend in _DEFAULT_DRIVERS:
            url = url.set(drivername=_DEFAULT_DRIVERS[backend])
        if backend in _DEFAULT_DRIVERS or backend == "sqlite":
            try:
                url.get_dialect()
            except NoSuchModuleError:
                use = _DEFAULT_DRIVERS.get(backend, "sqlite")
                raise ValueError(
                    f"unknown database driver {url.drivername!r}; use {use}://"
                ) from None
        return url.render_as_string(hide_password=False)

    @field_validator("database_timestamp_utc")
    @classmethod
    def _one_expression(cls, value: str | None) -> str | None:
        """Blank is unset; anything else goes into trigger bodies as it is, so it must be
        one expression: no ``;``, comment, ``$``-quote or statement."""
        value = value.strip() or None if value is not None else None
        problem = expression_problem(value) if value is not None else None
        if problem is not None:
            raise ValueError(f"{problem} (give one expression, such as now())")
        return value

    @property
    def url(self) -> URL:
        """The database URL as a SQLAlchemy ``URL`` object."""
        return make_url(self.database_url)

    @property
    def migration_url(self) -> URL:
        """The URL migrations connect to: ``MIGRATION_DATABASE_URL``, else ``DATABASE_URL``."""
        return make_url(self.migration_database_url or self.database_url)

    def with_url(self, database_url: str) -> Self:
        """These settings on another database (normalised as ``DATABASE_URL`` is)."""
        url = self._normalise_url(database_url)
        return self.model_copy(update={"database_url": url, "migration_database_url": None})


class SettingsLoader(Protocol[S_co]):
    """An application's ``get_settings``: the settings of one environment, by name."""

    def __call__(
        self, environment: str | None = None, *, database_url: str | None = None
    ) -> S_co: ...


def known_environments(env_dir: Path) -> list[str]:
    """Environments that have an env file in ``env_dir``."""
    return sorted(p.stem for p in env_dir.glob("*.env") if p.name != ".env")


def load_settings(
    settings_cls: type[S],
    env_dir: Path,
    *,
    environment: str | None = None,
    project_root: Path | None = None,
    database_url: str | None = None,
) -> S:
    """Build settings for ``environment`` (default: ``$ENVIRONMENT`` or development).

    ``database_url`` replaces the environment's own (``rowstamp lint``'s offline SQL
    needs only a dialect, and CI may not know the deploy's URL).

    Relative SQLite paths are resolved against ``project_root`` (default: the
    parent of ``env_dir``'s parent), so the database does not depend on the
    directory a command happens to run in.
    """
    name = environment or os.environ.get("ENVIRONMENT") or DEFAULT_ENVIRONMENT
    if not _PLAIN_NAME.fullmatch(name):  # a path would pick a file outside env_dir
        raise SettingsError(f"ENVIRONMENT {name!r} is not a plain name", _NOT_PLAIN)
    if not env_dir.is_dir():
        raise EnvFileError(
            f"env files directory {env_dir} does not exist",
            "restore it from version control or create it with a .env file",
        )
    env_file = env_dir / f"{name}.env"
    if not env_file.is_file():
        known = ", ".join(known_environments(env_dir)) or "none"
        raise UnknownEnvironmentError(
            f"unknown ENVIRONMENT {name!r} (no {env_file.name} in {env_dir})",
            f"use one of: {known}, or create {env_file}",
        )
    files = [p for p in (env_dir / ".env", env_file) if p.is_file()]
    try:
        # another database given: migrations go there too, never to MIGRATION_DATABASE_URL
        given: dict[str, Any] = (
            {"database_url": database_url, "migration_database_url": None} if database_url else {}
        )
        settings = settings_cls(_env_file=tuple(files), environment=name, **given)
    except ValidationError as exc:
        raise _settings_error(exc, name, files) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"cannot read env files {files}: {exc}", "check the files") from None
    root = project_root or env_dir.resolve().parent.parent
    return _resolve_sqlite_path(settings, root)


def settings_loader(
    settings_cls: type[S], env_dir: Path, project_root: Path | None = None
) -> SettingsLoader[S]:
    """Return the application's one ``get_settings(environment=None)`` function.

    Settings are read once per environment name, not once per process: a caller
    naming the environment (``rowstamp --env``) gets that one's settings without
    changing ``ENVIRONMENT``, and the default follows ``$ENVIRONMENT``.
    """

    @functools.cache
    def cached(environment: str, database_url: str | None) -> S:
        return load_settings(
            settings_cls,
            env_dir,
            environment=environment,
            project_root=project_root,
            database_url=database_url,
        )

    def get_settings(environment: str | None = None, *, database_url: str | None = None) -> S:
        """The settings of ``environment`` (default ``$ENVIRONMENT``, else development),
        on ``database_url`` instead of its own when given."""
        name = environment or os.environ.get("ENVIRONMENT") or DEFAULT_ENVIRONMENT
        return cached(name, database_url)

    return get_settings


def _resolve_sqlite_path(settings: S, root: Path) -> S:
    url = settings.url
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return settings
    if database.startswith("file:") or Path(database).is_absolute():
        return settings
    resolved = url.set(database=str(root / database))
    return settings.model_copy(
        update={"database_url": resolved.render_as_string(hide_password=False)}
    )


def _settings_error(exc: ValidationError, environment: str, files: list[Path]) -> SettingsError:
    first: dict[str, Any] = dict(exc.errors()[0])
    field = ".".join(str(p) for p in first["loc"]).upper() or "settings"
    where = ", ".join(str(f) for f in files) or "the environment"
    if field in os.environ:
        where = f"the {field} environment variable (it overrides {where})"
    if first["type"] == "missing":
        cls: type[SettingsError] = DatabaseUrlError if field == "DATABASE_URL" else SettingsError
        return cls(
            f"{field} is not set for environment {environment!r}",
            f"set it in {where} or as an environment variable",
        )
    message = mask_secrets(str(first["msg"]).removeprefix("Value error, "))
    cls = DatabaseUrlError if field == "DATABASE_URL" else SettingsError
    return cls(f"invalid {field} for environment {environment!r}: {message}", f"fix it in {where}")
