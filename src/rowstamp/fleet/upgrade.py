"""``rowstamp fleet upgrade``: the targets not at head, in parallel, canaries first.

The status query (one per server) picks the targets to run, so a target already at
head costs no migration run, and a rerun after a failure picks up exactly what is
not at head. Canaries (``--canary NAME``, ``--canary-percent P``) run first, with
``--rehearse`` on a restored copy; the rest start only if every canary passed. After
a failure no new target starts, unless ``--continue-on-error``; the targets that
never started are reported as such.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rowstamp.errors import SettingsError
from rowstamp.fleet.shard import shard_of
from rowstamp.fleet.status import TargetStatus
from rowstamp.fleet.targets import Target
from rowstamp.fleet.workers import Job, Outcome, WorkerSetup, run_jobs

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


@dataclass
class FleetUpgrade:
    """Counts per final state, and the rows of every target not at head after the run."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Outcome] = field(default_factory=list)
    canaries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(o.state in {"failed", "not started"} for o in self.problems)

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
) -> FleetUpgrade:
    """Upgrade every target not at head; ``planned(n, canaries)`` is told how many will
    run and which go first,
    ``report`` each outcome as it comes, ``running`` how many are running."""
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
    del pending
    planned(len(canaries) + len(rest), result.canaries)
    workers = max(1, min(plan.workers, len(rest)))  # no idle worker processes to start

    def jobs(targets: list[Target], *, canary: bool) -> Iterator[Job]:
        for t in targets:
            yield Job("upgrade", t.name, t.url, t.schema, rehearse=canary and plan.rehearse)

    def stop(outcome: Outcome) -> bool:
        return outcome.state == "failed" and not plan.continue_on_error

    failed = False
    first = max(1, min(plan.workers, len(canaries)))
    for outcome in run_jobs(
        plan.setup, jobs(canaries, canary=True), first, stop=lambda _: False, started=running
    ):
        failed = failed or outcome.state == "failed"
        result.add(outcome)
        report(outcome)
    remaining = jobs(rest, canary=False)
    if not failed and rest:
        for outcome in run_jobs(plan.setup, remaining, workers, stop=stop, started=running):
            result.add(outcome)
            report(outcome)
    for job in remaining:  # what a failure kept from starting
        outcome = Outcome(job.name, "not started", "", "stopped after a failure")
        result.add(outcome)
    return result


def _canaries(pending: list[Target], plan: UpgradePlan, total: int) -> list[Target]:
    """The named canaries that have something to apply, or P% of the fleet (at least
    one), picked by the name's hash: the same targets on every run."""
    if plan.canaries:
        return [t for t in pending if t.name in plan.canaries]
    if not plan.canary_percent:
        return []
    wanted = max(1, math.ceil(total * plan.canary_percent / 100))
    return sorted(pending, key=lambda t: (shard_of(t.name, 2**32), t.name))[:wanted]
