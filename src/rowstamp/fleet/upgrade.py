"""``rowstamp fleet upgrade``: the targets not at head, in parallel, canaries first.

The status query (one per server) picks the targets to run, so a target already at
head costs no migration run, and a rerun after a failure picks up exactly what is
not at head. Canaries (``--canary NAME``, ``--canary-percent P``) run first; the rest
start only if every canary passed. With ``--rehearse`` every canary is first
rehearsed on a scratch copy restored from its fresh backup, one at a time, before any
real target is touched (two tenant schemas of one database share that database's
scratch copies, which a rehearsal clears as left over), and the first failed
rehearsal stops the run in one line naming the canary. After a failure no new target
starts, unless ``--continue-on-error``; after SIGINT or SIGTERM none starts and the
running ones are interrupted (``rowstamp.fleet.interrupt``); the targets that never
started are reported as such.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rowstamp.errors import RowstampError, SettingsError
from rowstamp.fleet.interrupt import Interruption
from rowstamp.fleet.shard import shard_of
from rowstamp.fleet.status import TargetStatus
from rowstamp.fleet.targets import Target
from rowstamp.fleet.workers import Job, Outcome, WorkerSetup, run_jobs

if TYPE_CHECKING:
    from rowstamp.runtime.backup import Backup

__all__ = ["FleetUpgrade", "UpgradePlan", "upgrade_fleet"]


@dataclass(frozen=True)
class UpgradePlan:
    """How to run the fleet's upgrade."""

    setup: WorkerSetup
    workers: int
    canaries: tuple[str, ...] = ()
    canary_percent: float | None = None
    continue_on_error: bool = False
    rehearse: bool = False
    interruption: Interruption = field(default_factory=Interruption)


@dataclass
class FleetUpgrade:
    """Counts per final state, and the rows of every target not at head after the run."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Outcome] = field(default_factory=list)
    canaries: list[str] = field(default_factory=list)
    interrupted: str = ""
    """The signal that stopped the run (``SIGINT``, ``SIGTERM``), if one did."""
    targets: list[Target] = field(default_factory=list)
    """The targets that were to run: ``interrupt.read_back`` reads them back."""

    @property
    def ok(self) -> bool:
        return not any(o.state in {"failed", "not started", "interrupted"} for o in self.problems)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.state] += 1
        if outcome.state not in {"upgraded", "at head"}:
            self.problems.append(outcome)


def upgrade_fleet(
    statuses: Iterable[tuple[Target, TargetStatus]],
    plan: UpgradePlan,
    *,
    planned: Callable[[int, list[str]], None] = lambda _, __: None,
    report: Callable[[Outcome], None] = lambda _: None,
    running: Callable[[int], None] | None = None,
    rehearsed: Callable[[Outcome], None] = lambda _: None,
) -> FleetUpgrade:
    """Upgrade every target not at head; ``planned(n, canaries)`` is told how many will
    run and which go first, ``rehearsed`` each canary's passed rehearsal, ``report``
    each outcome as it comes, ``running`` how many are running."""
    result = FleetUpgrade()
    pending: list[Target] = []
    names: set[str] = set()
    for target, status in statuses:
        names.add(target.name)
        if status.state == "at head":
            result.counts["at head"] += 1
        elif status.state == "ahead":
            result.add(Outcome(target.name, "ahead", status.revision, status.detail))
        elif not status.reachable:
            result.add(Outcome(target.name, "failed", status.revision, status.detail))
        else:
            pending.append(target)
    unknown = [c for c in plan.canaries if c not in names]
    if unknown:
        raise SettingsError(
            f"--canary {', '.join(unknown)}: no such target", "see the names: rowstamp fleet status"
        )
    canaries = _canaries(pending, plan, len(names))
    result.canaries = [t.name for t in canaries]
    rest = [t for t in pending if t.name not in set(result.canaries)]
    result.targets = pending
    planned(len(canaries) + len(rest), result.canaries)
    backups = _rehearse(canaries, plan, rehearsed) if plan.rehearse else {}
    workers = max(1, min(plan.workers, len(rest)))  # no idle worker processes to start
    interruption = plan.interruption

    def jobs(targets: list[Target]) -> Iterator[Job]:
        for t in targets:
            yield Job("upgrade", t.name, t.url, t.schema, backups.get(t.name))

    def stop(outcome: Outcome) -> bool:
        return outcome.state == "failed" and not plan.continue_on_error

    failed = False
    first = max(1, min(plan.workers, len(canaries)))
    before = jobs(canaries)
    for outcome in run_jobs(
        plan.setup, before, first, stop=lambda _: False, started=running, interruption=interruption
    ):
        failed = failed or outcome.state == "failed"
        result.add(outcome)
        report(outcome)
    remaining = itertools.chain(before, jobs(rest))
    if not failed and rest:
        for outcome in run_jobs(
            plan.setup, remaining, workers, stop=stop, started=running, interruption=interruption
        ):
            result.add(outcome)
            report(outcome)
    result.interrupted = interruption.name
    why = f"stopped by {result.interrupted}" if result.interrupted else "stopped after a failure"
    for job in remaining:  # what a failure or a signal kept from starting
        result.add(Outcome(job.name, "not started", "", why))
    return result


def _rehearse(
    canaries: list[Target], plan: UpgradePlan, rehearsed: Callable[[Outcome], None]
) -> dict[str, Backup | None]:
    """Rehearse each canary, one at a time, before any real target is touched; the
    first failure stops the run. Returns each canary's verified backup, which its real
    run reuses."""
    backups: dict[str, Backup | None] = {}
    jobs = (Job("rehearse", t.name, t.url, t.schema) for t in canaries)
    for outcome in run_jobs(
        plan.setup,
        jobs,
        1,
        stop=lambda o: o.state != "rehearsed",
        interruption=plan.interruption,
    ):
        if outcome.state == "failed":
            raise RowstampError(outcome.error)
        backups[outcome.name] = outcome.backup
        if outcome.state == "rehearsed":
            rehearsed(outcome)
    return backups


def _canaries(pending: list[Target], plan: UpgradePlan, total: int) -> list[Target]:
    """The named canaries that have something to apply, or P% of the fleet (at least
    one), picked by the name's hash: the same targets on every run."""
    if plan.canaries:
        return [t for t in pending if t.name in plan.canaries]
    if not plan.canary_percent:
        return []
    wanted = max(1, math.ceil(total * plan.canary_percent / 100))
    return sorted(pending, key=lambda t: (shard_of(t.name, 2**32), t.name))[:wanted]
