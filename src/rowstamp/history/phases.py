"""Expand and contract: which revisions may run before the application deploy.

A revision declares its phase as a module-level constant, ``phase = "contract"``;
without one it is an expand revision, so every file written before phases existed
keeps its meaning (migrations are history). Expand revisions only add (tables,
columns, wider types): the code still deployed keeps working. Contract revisions
drop, rename or narrow what the old code read, so they run after the deploy.

``rowstamp upgrade --phase expand`` applies the pending revisions up to, not
including, the first contract one; a revision that comes after a pending contract
revision waits for it, whatever its own phase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from alembic.script import Script, ScriptDirectory

from rowstamp.errors import RevisionError

__all__ = [
    "PHASES",
    "Pending",
    "Phase",
    "declared_phase",
    "expand_target",
    "pending_revisions",
    "phase_of",
]

Phase = Literal["expand", "contract"]
PHASES: tuple[Phase, ...] = get_args(Phase)


def declared_phase(value: object) -> Phase | None:
    """The phase a module's ``phase`` constant names (absent: expand); None: not a phase."""
    if value is None:
        return "expand"
    return value if isinstance(value, str) and value in PHASES else None


def phase_of(script: Script) -> Phase:
    """The revision's phase; a value that is not one is refused, never guessed."""
    value = getattr(script.module, "phase", None)
    phase = declared_phase(value)
    if phase is None:
        raise RevisionError(
            f"{Path(script.path).name} declares phase = {value!r}, which is not a phase",
            'write phase = "contract", or remove the line for an expand revision',
        )
    return phase


@dataclass(frozen=True)
class Pending:
    """A revision not yet applied, its phase, and whether ``--phase expand`` applies it."""

    revision: str
    message: str
    phase: Phase
    before_deploy: bool


def pending_revisions(scripts: ScriptDirectory, current: Sequence[str]) -> list[Pending]:
    """The revisions between ``current`` and the heads, oldest first.

    A revision is applied before the deploy when it is an expand revision and none of
    the pending revisions it builds on is held back (a contract one, or one after it).
    """
    everything = [s for s in scripts.iterate_revisions("heads", "base") if isinstance(s, Script)]
    unknown = sorted(set(current) - {s.revision for s in everything})
    if unknown:
        raise RevisionError(
            f"the database is at revision {', '.join(unknown)}, which no migration file defines",
            "restore its migration file (another branch? git log -- alembic/versions)",
        )
    applied = (
        {s.revision for s in scripts.iterate_revisions(tuple(current), "base") if s}
        if current
        else set()
    )
    held: set[str] = set()
    pending: list[Pending] = []
    for script in reversed(everything):  # oldest first: a revision after its parents
        if script.revision in applied:
            continue
        phase = phase_of(script)
        if phase == "contract" or held.intersection(_down(script)):
            held.add(script.revision)
        before = script.revision not in held
        pending.append(Pending(script.revision, script.doc or "", phase, before))
    return pending


def expand_target(scripts: ScriptDirectory, current: Sequence[str]) -> str | None:
    """The revision ``--phase expand`` upgrades to; None: no expand revision is pending
    before the first contract one."""
    pending = pending_revisions(scripts, current)
    before = {p.revision for p in pending if p.before_deploy}
    built_on = {d for r in before if (s := scripts.get_revision(r)) for d in _down(s)}
    ends = [p.revision for p in pending if p.revision in before and p.revision not in built_on]
    if len(ends) > 1:
        raise RevisionError(
            f"the expand phase ends on several branches ({', '.join(ends)})",
            "join them first (rowstamp merge), or upgrade to each: rowstamp upgrade <revision>",
        )
    return ends[0] if ends else None


def _down(script: Script) -> tuple[str, ...]:
    down = script.down_revision
    if down is None:
        return ()
    return tuple(down) if isinstance(down, list | tuple) else (down,)
