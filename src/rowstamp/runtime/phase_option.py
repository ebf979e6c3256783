"""``alembic -x phase=expand upgrade head``: the expand phase for plain ``alembic``.

``rowstamp upgrade --phase expand`` picks its target before the run. Plain Alembic
has already chosen ``head`` when ``env.py`` starts, so the run's step function is
replaced by one that upgrades to the last revision before the first pending contract
revision (``rowstamp.history.phases.expand_target``), read from the heads the run
finds: the same revisions either way, and the lock, ledger and backup as usual.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rowstamp.compat import upgrade_steps
from rowstamp.errors import RevisionError
from rowstamp.history.phases import expand_target, pending_revisions

if TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext

__all__ = ["PHASE_ARGUMENT", "limit_to_phase"]

PHASE_ARGUMENT = "phase"
"""The ``-x`` argument: ``-x phase=expand``."""

_HEADS = {"head", "heads"}

log = logging.getLogger("rowstamp")


def limit_to_phase(environment: EnvironmentContext | None, phase: str | None) -> None:
    """Make an ``upgrade`` with ``-x phase=expand`` stop before the first pending
    contract revision; refuse, in one line, a phase or a command it cannot mean."""
    if phase is None or environment is None:
        return
    opts = environment.context_opts
    step = opts.get("fn")
    if phase != "expand":
        raise RevisionError(
            f"-x phase={phase} is not a phase an upgrade stops at",
            "before the deploy: alembic -x phase=expand upgrade head; after it: "
            "alembic upgrade head",
        )
    if getattr(step, "__name__", None) != "upgrade":
        raise RevisionError(
            "-x phase=expand is for upgrades only",
            "run: alembic -x phase=expand upgrade head",
        )
    destination = str(opts.get("destination_rev"))
    if destination not in _HEADS:
        raise RevisionError(
            f"-x phase=expand chooses its own target, and the command asks for {destination}",
            "run: alembic -x phase=expand upgrade head (or alembic upgrade <revision> alone)",
        )
    scripts = environment.script

    def upgrade(rev: Any, context: MigrationContext) -> Any:
        current = [r for r in (rev if isinstance(rev, list | tuple) else (rev,)) if r]
        target = expand_target(scripts, current)
        waiting = [p for p in pending_revisions(scripts, current) if not p.before_deploy]
        if waiting:
            first = waiting[0]
            log.info(
                "expand phase: left for after the deploy: %d revision(s), from %s (%s: %s); "
                "apply them then with: alembic upgrade head",
                len(waiting),
                first.revision,
                first.phase,
                first.message,
            )
        if target is None:
            log.info("Nothing to apply in the expand phase.")
            return []
        return upgrade_steps(scripts, target, rev)

    upgrade.__name__ = "upgrade"  # what RunOptions reads the command from
    opts["fn"] = upgrade
