"""The fleet commands as typed functions on the project's ``Config``; ``cli/fleet.py``
only parses arguments and prints."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from rowstamp.errors import RowstampError, SettingsError, first_line
from rowstamp.fleet.interrupt import read_back
from rowstamp.fleet.shard import Shard
from rowstamp.fleet.status import FleetHistory, TargetStatus, read_status
from rowstamp.fleet.targets import Target, default_targets_file, read_targets_file
from rowstamp.fleet.upgrade import FleetUpgrade, UpgradePlan, upgrade_fleet
from rowstamp.fleet.workers import Job, Outcome, WorkerSetup, run_jobs
from rowstamp.runtime.config import run_options
from rowstamp.urls import mask_secrets, mask_url

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.settings import RowstampSettings

__all__ = [
    "NO_BACKUP_REASON",
    "fleet_check",
    "fleet_status",
    "fleet_targets",
    "fleet_upgrade",
    "worker_setup",
]

NO_BACKUP_REASON = "the fleet relies on the provider's snapshots (--no-backup-provider-snapshots)"
"""Logged beside the backups for each target migrated without one."""


def fleet_targets(
    config: Config, targets_file: Path | None = None, shard: Shard | None = None
) -> Iterator[Target]:
    """The targets of the environment (or of ``targets_file``), only ``shard``'s if given."""
    settings = run_options(config).required_settings()
    path = targets_file or default_targets_file(
        _project_root(config) / "app" / "envs", settings.environment
    )
    listed = read_targets_file(path)
    seen: set[str] = set()
    for target in listed.resolve(
        os.environ, lambda url, query: _tenant_schemas(settings, url, query)
    ):
        if target.name in seen:
            raise SettingsError(
                f"targets file {path}: two targets are named {target.name}",
                "give each target (and tenant schema) its own name",
            )
        seen.add(target.name)
        if shard is None or shard.holds(target.name):
            yield target


def fleet_status(
    config: Config, targets: Iterator[Target]
) -> Iterator[tuple[Target, TargetStatus]]:
    """Each target's status, one query per server."""
    settings = run_options(config).required_settings()
    return read_status(targets, settings, FleetHistory.of(config))


def worker_setup(config: Config, *, no_backup: str | None = None) -> WorkerSetup:
    """What each worker process needs to run commands on the project."""
    run = run_options(config)
    ini = Path(config.config_file_name or "alembic.ini").resolve()
    return WorkerSetup(
        str(ini),
        str(ini.parent),
        run.required_settings().environment,
        no_backup,
        tuple(os.environ.items()),
    )


def fleet_upgrade(
    config: Config,
    targets: Iterator[Target],
    plan: UpgradePlan,
    **callbacks: Callable[..., None],
) -> FleetUpgrade:
    """Upgrade every target not at head (``rowstamp.fleet.upgrade``); after SIGINT or
    SIGTERM the interrupted targets' revisions are read back from their databases."""
    result = upgrade_fleet(fleet_status(config, targets), plan, **callbacks)
    if result.interrupted:
        read_back(result, result.targets, lambda chosen: fleet_status(config, chosen))
    return result


def fleet_check(
    config: Config,
    targets: Iterator[Target],
    *,
    task: str,
    workers: int,
    sample: int | None = None,
) -> Iterator[Outcome]:
    """Model match (``task="check"``), plus the ledger verify (``"test"``), on every
    target or a random ``sample`` of them."""
    chosen = list(targets)
    if sample is not None and sample < len(chosen):
        chosen = random.sample(chosen, sample)
    jobs = (Job(task, t.name, t.url, t.schema) for t in chosen)
    return run_jobs(worker_setup(config), jobs, workers, stop=lambda _: False)


def _project_root(config: Config) -> Path:
    return Path(config.config_file_name or "alembic.ini").resolve().parent


def _tenant_schemas(settings: RowstampSettings, url: str, query: str) -> list[str]:
    """The tenants query's schema names (its first column)."""
    try:
        server = settings.with_url(url).url
    except ValueError as exc:
        raise SettingsError(f"[tenants]: bad URL: {first_line(exc)}", "fix the URL") from None
    engine = create_engine(server, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [str(row[0]) for row in connection.execute(text(query))]
    except (DBAPIError, SQLAlchemyError, TypeError) as exc:
        raise RowstampError(
            f"tenants: the query on {mask_url(server)} failed: "
            f"{mask_secrets(first_line(exc), server)}",
            "fix [tenants] query or its server's URL",
        ) from None
    finally:
        engine.dispose()
