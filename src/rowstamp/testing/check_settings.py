"""Per-project settings of the migration checks, in alembic.ini's ``[rowstamp]`` section.

A project that adopted rowstamp brings a history rowstamp did not write: it may start
from the project's own ``create_all``, leave objects behind on purpose (an extension's
functions) or have messages from before the rules. These settings say so, in the file
the project already keeps, so ``rowstamp test`` and the pytest plugin read the same:

- ``test_skip``: checks not run (their names as ``rowstamp test`` prints them);
- ``test_initial_schema = module:attribute``: what exists before the first revision,
  a ``MetaData`` (created with ``create_all``) or a function given a ``Connection``;
- ``test_allow_leftovers``: catalog objects the checks do not compare, as
  ``<kind> <name>`` patterns (``function public.uuid_*``, ``view *legacy_view``);
- ``test_walk_from = baseline`` (the default) or ``base``: where the stairway, round
  trip, clean downgrade and data tests start. From the baseline, the project's own
  history is upgraded in one go (its downgrades were never rowstamp's promise);
- ``test_baseline_schema = models`` or ``module:attribute``: build each scratch database
  as at the baseline (the project's models without rowstamp's columns, or a
  ``MetaData``/function), stamp the baseline and run only the revisions after it;
- ``baseline`` (``rowstamp.runtime.config.adoption_baseline``): message rules are not
  applied to it and its ancestors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData

from rowstamp.errors import SettingsError
from rowstamp.runtime.config import adoption_baseline, load_reference, rowstamp_option

__all__ = [
    "ALLOW_LEFTOVERS_OPTION",
    "BASELINE_SCHEMA_OPTION",
    "CHECK_NAMES",
    "INITIAL_SCHEMA_OPTION",
    "SKIP_OPTION",
    "WALK_FROM_OPTION",
    "CheckSettings",
]

SKIP_OPTION = "test_skip"
WALK_FROM_OPTION = "test_walk_from"
INITIAL_SCHEMA_OPTION = "test_initial_schema"
ALLOW_LEFTOVERS_OPTION = "test_allow_leftovers"
BASELINE_SCHEMA_OPTION = "test_baseline_schema"
MODELS = "models"
"""``test_baseline_schema = models``: the project's models without rowstamp's additions."""

CHECK_NAMES = (
    "single head",
    "message rules",
    "model match",
    "metadata contract",
    "stairway",
    "round trip",
    "clean downgrade",
    "data tests",
)


@dataclass(frozen=True)
class CheckSettings:
    """What alembic.ini's ``[rowstamp]`` section says about the checks."""

    skip: frozenset[str] = frozenset()
    initial_schema: str | None = None
    allowed_leftovers: tuple[str, ...] = ()
    skip_given: frozenset[str] = frozenset()
    """Checks skipped for this run only (``rowstamp test --skip``)."""
    walk_from_base: bool = False
    """Walk the project's own history too (``test_walk_from = base``)."""
    baseline_schema: str | None = None
    """Build the scratch database as at the baseline (``test_baseline_schema``)."""

    @classmethod
    def of(cls, config: Config, skip: Collection[str] = ()) -> CheckSettings:
        """Read and validate the settings (one-line errors naming the option), plus the
        checks a caller skips for this run."""
        configured = frozenset(_items(config, SKIP_OPTION))
        _known(configured, f"alembic.ini [rowstamp] {SKIP_OPTION}")
        _known(set(skip), "--skip")
        initial = rowstamp_option(config, INITIAL_SCHEMA_OPTION) or None
        allowed = tuple(_items(config, ALLOW_LEFTOVERS_OPTION))
        walk_from = rowstamp_option(config, WALK_FROM_OPTION) or "baseline"
        if walk_from not in {"baseline", "base"}:
            raise SettingsError(
                f"alembic.ini [rowstamp] {WALK_FROM_OPTION} = {walk_from} is neither "
                "baseline nor base",
                "write baseline (the default) or base",
            )
        baseline_schema = rowstamp_option(config, BASELINE_SCHEMA_OPTION) or None
        if baseline_schema is not None:
            _check_baseline_schema(config, baseline_schema, initial, walk_from)
        return cls(
            configured, initial, allowed, frozenset(skip), walk_from == "base", baseline_schema
        )

    def skipped(self, check: str) -> str | None:
        """Why ``check`` is not run, or None when it runs."""
        if check in self.skip_given:
            return "--skip"
        return f"{SKIP_OPTION} in alembic.ini" if check in self.skip else None

    def allowed(self, kind: str, name: str) -> bool:
        """Whether a catalog object is an allowed leftover: a pattern matches
        ``<kind> <name>`` or ``<kind> <name without its schema>``, or the object belongs
        to an allowed table (``<table>.<column, index or trigger>``)."""
        owner, _, short = name.rpartition(".")
        return any(
            fnmatchcase(f"{kind} {name}", pattern)
            or fnmatchcase(f"{kind} {short}", pattern)
            or (kind != "table" and bool(owner) and fnmatchcase(f"table {owner}", pattern))
            for pattern in self.allowed_leftovers
        )

    def create_initial_schema(self, engine: Engine) -> None:
        """Create what the project's history expects before its first revision."""
        if self.initial_schema is not None:
            create_schema(engine, INITIAL_SCHEMA_OPTION, self.initial_schema)


def create_schema(engine: Engine, option: str, target: str | MetaData) -> None:
    """Create ``target`` (a ``MetaData``, or ``module:attribute`` naming one or a function
    given a ``Connection``), named by ``option`` in errors."""
    schema = (
        load_reference(option, target, "name it as module:attribute")
        if isinstance(target, str)
        else target
    )
    with engine.begin() as connection:
        if isinstance(schema, MetaData):
            schema.create_all(connection)
        elif callable(schema):
            run: Callable[[Connection], Any] = schema
            run(connection)
        else:
            raise SettingsError(
                f"alembic.ini [rowstamp] {option} = {target} is neither a MetaData nor a function",
                "name the MetaData the project's create_all used, or a function "
                "taking a Connection",
            )


def _check_baseline_schema(config: Config, value: str, initial: str | None, walk: str) -> None:
    """``test_baseline_schema`` needs a baseline and replaces the walk of the history."""
    where = f"alembic.ini [rowstamp] {BASELINE_SCHEMA_OPTION} = {value}"
    if adoption_baseline(config) is None:
        raise SettingsError(f"{where} needs a baseline", "set [rowstamp] baseline = <revision>")
    if initial is not None or walk == "base":
        raise SettingsError(
            f"{where} builds the database as at the baseline, so {INITIAL_SCHEMA_OPTION} "
            f"and {WALK_FROM_OPTION} = base have nothing to do",
            "remove one of them",
        )
    if value != MODELS and ":" not in value:
        raise SettingsError(f"{where} is neither models nor module:attribute", "write one")


def _known(names: Collection[str], where: str) -> None:
    unknown = sorted(set(names) - set(CHECK_NAMES))
    if unknown:
        raise SettingsError(
            f"{where} names no check: {', '.join(unknown)}",
            f"use check names: {', '.join(CHECK_NAMES)}",
        )


def _items(config: Config, name: str) -> list[str]:
    """A comma- or line-separated list."""
    text = rowstamp_option(config, name).replace("\n", ",")
    return [item.strip() for item in text.split(",") if item.strip()]
