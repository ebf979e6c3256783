"""Where an adopted project's own history ends: ``[rowstamp] baseline`` in alembic.ini.

The baseline is the last revision written before the project adopted rowstamp. It
and its ancestors were written for the project's own env.py and already ran on its
databases, so they must keep running exactly as they did there: rowstamp's naming
convention is not applied to their operations (it would name their unnamed keys,
constraints and indexes differently from what the project's databases have), and
``rowstamp test`` does not judge their messages. Revisions after the baseline are
rowstamp's and get everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import MetaData
from sqlalchemy.sql.schema import DEFAULT_NAMING_CONVENTION

from rowstamp.compat import operations_naming_convention
from rowstamp.errors import SettingsError
from rowstamp.model.columns import NAMING_CONVENTION
from rowstamp.runtime.config import (
    BASELINE_OPTION,
    adoption_baseline,
    load_reference,
    rowstamp_option,
)

__all__ = [
    "BASELINE_CONVENTION_OPTION",
    "baseline_naming_convention",
    "baseline_revisions",
    "own_history",
    "own_history_steps",
]

BASELINE_CONVENTION_OPTION = "baseline_naming_convention"
"""``[rowstamp] baseline_naming_convention = module:attribute``: the naming convention
the project's env.py had, for a project that replaced it with rowstamp's."""


def baseline_revisions(config: Config) -> tuple[str, ...]:
    """The revision(s) ``[rowstamp] baseline`` names: several heads at adoption are
    written ``baseline = a1 b2`` (or comma-separated). Empty without a baseline."""
    return tuple((adoption_baseline(config) or "").replace(",", " ").split())


def own_history(config: Config, scripts: ScriptDirectory) -> frozenset[str]:
    """The baseline revision(s) and all their ancestors (empty without a baseline)."""
    baseline = adoption_baseline(config)
    revisions: set[str] = set()
    for name in baseline_revisions(config):
        try:
            revisions.update(s.revision for s in scripts.iterate_revisions(name, "base"))
        except (CommandError, RevisionError):
            raise SettingsError(
                f"alembic.ini [rowstamp] {BASELINE_OPTION} = {baseline} names no revision "
                f"of this project ({name})",
                "set it to the last revision written before adopting rowstamp "
                "(alembic history lists them)",
            ) from None
    return frozenset(revisions)


def baseline_naming_convention(config: Config, target_metadata: Any) -> Mapping[str, Any] | None:
    """The naming convention the revisions up to the baseline ran under, when it differs
    from ``target_metadata``'s; None when they run with the metadata's own.

    Named in alembic.ini, else SQLAlchemy's default when the metadata carries rowstamp's
    convention (what a project gets that had none), else the metadata's own (a project
    that kept its convention)."""
    named = _named_convention(config)
    if named is not None:
        return named
    if getattr(target_metadata, "naming_convention", None) == NAMING_CONVENTION:
        return DEFAULT_NAMING_CONVENTION
    return None


def own_history_steps(
    environment: EnvironmentContext,
    target_metadata: MetaData | None,
    own: frozenset[str],
    observe: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
) -> Callable[..., Any] | None:
    """The command's step function (``fn``), running each revision of ``own`` (the
    baseline and its ancestors, ``own_history``) under the project's own naming
    convention; None when the command has no steps. ``observe`` wraps the command's
    own function, inside the convention (the ledger's, which looks a step ahead)."""
    fn: Callable[..., Any] | None = environment.context_opts.get("fn")
    if fn is None:
        return None
    if observe is not None:
        fn = observe(fn)
    convention = baseline_naming_convention(environment.config, target_metadata)
    if convention is None or not own:
        return fn

    def steps(heads: Any, context: Any) -> Iterator[Any]:
        for step in fn(heads, context):
            # up_revision_id: the revision applied, or the one reverted
            if step.info.up_revision_id in own:
                with operations_naming_convention(context, convention):
                    yield step
            else:
                yield step

    return steps


def _named_convention(config: Config) -> Mapping[str, Any] | None:
    target = rowstamp_option(config, BASELINE_CONVENTION_OPTION)
    if not target:
        return None
    value = load_reference(
        BASELINE_CONVENTION_OPTION,
        target,
        "name the dict the project's MetaData had as module:attribute",
    )
    if not isinstance(value, Mapping):
        raise SettingsError(
            f"[rowstamp] {BASELINE_CONVENTION_OPTION} = {target} is not a dict",
            "name the naming_convention dict the project's MetaData had",
        )
    return value
