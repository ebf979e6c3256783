"""``rowstamp upgrade --phase expand``: apply what may run before the application deploy.

The revisions to apply are decided from the files and the database's revision
(``rowstamp.history.phases``); applying them is the ordinary upgrade to the last
of them, so the lock, backup, ledger and progress are the same as for any upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.config import Config
from alembic.script import ScriptDirectory

from rowstamp.commands import UpgradeResult, apply_migrations, current_heads
from rowstamp.history.phases import Pending, expand_target, pending_revisions

__all__ = ["ExpandResult", "apply_expand", "expand_plan"]


@dataclass(frozen=True)
class ExpandResult:
    """What the expand phase applied, and what waits for the deploy."""

    upgrade: UpgradeResult | None
    """None: no expand revision was pending before the first contract one."""
    waiting: list[Pending]
    """The pending revisions left for ``rowstamp upgrade`` after the deploy, oldest first."""


def expand_plan(config: Config) -> str | None:
    """The revision the expand phase upgrades to; None: nothing to apply before the deploy."""
    return expand_target(ScriptDirectory.from_config(config), current_heads(config))


def apply_expand(config: Config, target: str | None = None) -> ExpandResult:
    """Apply the pending revisions up to, not including, the first contract revision.

    ``target`` is :func:`expand_plan`'s answer when the caller already asked (a
    rehearsal runs to the same revision first).
    """
    target = target or expand_plan(config)
    result = apply_migrations(config, target) if target else None
    scripts = ScriptDirectory.from_config(config)
    return ExpandResult(result, pending_revisions(scripts, current_heads(config)))
