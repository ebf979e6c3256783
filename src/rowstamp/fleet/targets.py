"""The fleet's targets: ``app/envs/<ENVIRONMENT>.targets.toml`` (or ``--targets FILE``).

A target is named, and is a URL, the name of an environment variable holding one, or
either plus a schema. A ``[tenants]`` entry is a server and a SQL query returning
schema names: schema-per-tenant PostgreSQL, one version table per schema, the
tenants found when the fleet runs (new tenants need no edit of the file)::

    [targets.eu]
    env = "EU_DATABASE_URL"

    [targets.reporting]
    url = "postgresql://migrator@reporting-db/reports"   # password: ~/.pgpass

    [tenants]
    env = "TENANTS_DATABASE_URL"
    query = "SELECT schema_name FROM public.tenants"

The file is committed, so it holds no secret: a password in a URL is refused in one
line naming the target.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rowstamp.errors import SettingsError

__all__ = ["Target", "TargetSpec", "TenantsSpec", "default_targets_file", "read_targets_file"]

_NAME = re.compile(r"[A-Za-z0-9_.:-]+")
_SECRET_QUERY = {"password", "passwd", "sslpassword"}


@dataclass(frozen=True, slots=True)
class Target:
    """One database, or one schema of one, to migrate. ``url`` holds the secret: show
    it only through ``rowstamp.urls.mask_url``."""

    name: str
    url: str
    schema: str | None = None


@dataclass(frozen=True)
class TargetSpec:
    """A ``[targets.NAME]`` entry, its URL not yet read from the environment."""

    name: str
    url: str | None
    env: str | None
    schema: str | None


@dataclass(frozen=True)
class TenantsSpec:
    """The ``[tenants]`` entry: the server, and the query naming its tenant schemas."""

    url: str | None
    env: str | None
    query: str


@dataclass(frozen=True)
class TargetsFile:
    """What the file lists."""

    path: Path
    targets: list[TargetSpec]
    tenants: TenantsSpec | None

    def resolve(
        self,
        environ: Mapping[str, str],
        find_schemas: Callable[[str, str], list[str]],
    ) -> Iterator[Target]:
        """Every target, URLs read from ``environ``; ``find_schemas(url, query)`` runs
        the tenants query."""
        for spec in self.targets:
            yield Target(
                spec.name, _url(self.path, spec.name, spec.url, spec.env, environ), spec.schema
            )
        if self.tenants is not None:
            t = self.tenants
            url = _url(self.path, "tenants", t.url, t.env, environ)
            for schema in find_schemas(url, t.query):
                yield Target(schema, url, schema)


def default_targets_file(env_dir: Path, environment: str) -> Path:
    """``app/envs/<ENVIRONMENT>.targets.toml``: beside the environment's env file."""
    return env_dir / f"{environment}.targets.toml"


def read_targets_file(path: Path) -> TargetsFile:
    """Parse the targets file; one line for anything wrong in it, naming the target."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(
            f"no targets file {path}",
            "create it ([targets.NAME] with url or env, [tenants] with a query) or pass --targets",
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read targets file {path}: {exc}", "fix the file") from None
    unknown = set(data) - {"targets", "tenants"}
    if unknown:
        raise SettingsError(
            f"targets file {path}: unknown section {', '.join(sorted(unknown))}",
            "use [targets.NAME] and [tenants]",
        )
    targets = [_target(path, name, entry) for name, entry in _table(path, data, "targets").items()]
    tenants = _tenants(path, data["tenants"]) if "tenants" in data else None
    if not targets and tenants is None:
        raise SettingsError(
            f"targets file {path} lists no target", "add [targets.NAME] or [tenants]"
        )
    return TargetsFile(path, targets, tenants)


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SettingsError(f"targets file {path}: {key} is not a table", f"write [{key}.NAME]")
    return value


def _target(path: Path, name: str, entry: Any) -> TargetSpec:
    where = f"targets file {path}: target {name}"
    if not _NAME.fullmatch(name):
        raise SettingsError(f"{where}: not a plain name", "use letters, digits and - _ . :")
    if not isinstance(entry, dict):
        raise SettingsError(f"{where} is not a table", f"write [targets.{name}] with url or env")
    url, env = _source(path, where, name, entry, {"url", "env", "schema"})
    schema = entry.get("schema")
    if schema is not None and (not isinstance(schema, str) or not schema):
        raise SettingsError(f"{where}: schema is not a name", 'write schema = "tenant_name"')
    return TargetSpec(name, url, env, schema)


def _tenants(path: Path, entry: Any) -> TenantsSpec:
    where = f"targets file {path}: [tenants]"
    if not isinstance(entry, dict):
        raise SettingsError(
            f"{where} is not a table", "write [tenants] with env (or url) and query"
        )
    url, env = _source(path, where, "tenants", entry, {"url", "env", "query"})
    query = entry.get("query")
    if not isinstance(query, str) or not query.strip():
        raise SettingsError(
            f"{where} has no query", 'add query = "SELECT schema_name FROM public.tenants"'
        )
    return TenantsSpec(url, env, query)


def _source(
    path: Path, where: str, name: str, entry: dict[str, Any], allowed: set[str]
) -> tuple[str | None, str | None]:
    unknown = set(entry) - allowed
    if unknown:
        raise SettingsError(
            f"{where}: unknown key {', '.join(sorted(unknown))}",
            f"use {', '.join(sorted(allowed))}",
        )
    url, env = entry.get("url"), entry.get("env")
    if (url is None) == (env is None) or not isinstance(url or env, str):
        raise SettingsError(
            f"{where} needs exactly one of url and env",
            'write env = "VARIABLE" (the URL in the environment) or url = "..." (no password)',
        )
    if url is not None:
        _refuse_password(where, name, url)
    return url, env


def _refuse_password(where: str, name: str, url: str) -> None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise SettingsError(
            f"{where}: not a database URL", "write dialect+driver://user@host/db"
        ) from None
    if parsed.password is not None or _SECRET_QUERY & {k.lower() for k in parsed.query}:
        variable = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_DATABASE_URL"
        raise SettingsError(
            f"{where} has a password in its URL, and the targets file is no place for secrets",
            f'put the URL in an environment variable and write env = "{variable}"',
        )


def _url(
    path: Path, name: str, url: str | None, env: str | None, environ: Mapping[str, str]
) -> str:
    if url is not None:
        return url
    assert env is not None
    value = environ.get(env, "").strip()
    if not value:
        raise SettingsError(
            f"target {name}: environment variable {env} is not set",
            f"set {env} to its database URL, or remove the target from {path.name}",
        )
    return value
