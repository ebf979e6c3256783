"""``rowstamp fleet``: status, upgrade, check and test over many databases and tenant
schemas (``rowstamp.fleet``). Parsing and printing only."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from rowstamp.cli.common import EnvOption, echo, project_config

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.fleet.shard import Shard
    from rowstamp.fleet.targets import Target
    from rowstamp.fleet.upgrade import FleetUpgrade
    from rowstamp.fleet.workers import Outcome

__all__ = ["fleet_app"]

fleet_app = typer.Typer(
    help="Many databases or tenant schemas with one schema definition.", no_args_is_help=True
)

TargetsOption = Annotated[
    Path | None,
    typer.Option(
        "--targets",
        help="Targets file (default: app/envs/<ENVIRONMENT>.targets.toml).",
        show_default=False,
    ),
]
ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        metavar="I/N",
        help="Only part I of N (0 to N-1, by a hash of each target's name).",
        show_default=False,
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", min=1, help="Worker processes (default: the cores).", show_default=False
    ),
]


def _targets(
    ctx: typer.Context, env: str | None, targets: Path | None, shard: str | None
) -> tuple[Config, list[Target]]:
    from rowstamp.fleet.commands import fleet_targets
    from rowstamp.fleet.shard import parse_shard

    part: Shard | None = parse_shard(shard) if shard is not None else None
    config = project_config(ctx, env)
    return config, list(fleet_targets(config, targets, part))


@fleet_app.command("status")
def status(
    ctx: typer.Context,
    env: EnvOption = None,
    targets: TargetsOption = None,
    shard: ShardOption = None,
    format_: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text or json.")
    ] = "text",
) -> None:
    """Every target's revision, ledger state and lock holder: one query per server.

    Prints how many are at head, behind, ahead, failed and locked, then the
    stragglers by name. Exits 1 when any target is not at head.

    Example: rowstamp fleet status --env production --format json
    """
    from rowstamp.fleet.commands import fleet_status
    from rowstamp.fleet.status import STATES, FleetHistory, count, summary

    config, listed = _targets(ctx, env, targets, shard)
    heads = sorted(FleetHistory.of(config).heads)
    statuses = (s for _, s in fleet_status(config, iter(listed)))
    counts, stragglers = count(statuses, lambda s: s.state != "at head")
    if format_ == "json":
        typer.echo(
            json.dumps(
                {
                    "heads": heads,
                    "targets": len(listed),
                    "summary": {state: counts[state] for state in STATES},
                    "stragglers": [
                        {
                            "target": s.name,
                            "state": s.state,
                            "revisions": list(s.revisions),
                            "detail": s.detail,
                        }
                        for s in stragglers
                    ],
                },
                indent=2,
            )
        )
    else:
        echo(f"head {', '.join(heads) or 'base'}; {summary(counts, len(listed))}", markup=False)
        for s in stragglers:
            detail = f"  {s.detail}" if s.detail else ""
            echo(f"  {s.name}: {s.state} at {s.revision}{detail}", markup=False)
    if stragglers:
        raise typer.Exit(1)


@fleet_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    env: EnvOption = None,
    targets: TargetsOption = None,
    shard: ShardOption = None,
    jobs: JobsOption = None,
    canary: Annotated[
        list[str] | None,
        typer.Option(
            "--canary",
            metavar="NAME",
            help="Run this target first (repeatable).",
            show_default=False,
        ),
    ] = None,
    canary_percent: Annotated[
        float | None,
        typer.Option(
            "--canary-percent",
            min=0,
            max=100,
            metavar="P",
            help="Run P% of the targets first.",
            show_default=False,
        ),
    ] = None,
    continue_on_error: Annotated[
        bool, typer.Option("--continue-on-error", help="Keep starting targets after a failure.")
    ] = False,
    rehearse: Annotated[
        bool,
        typer.Option(
            "--rehearse",
            help="Rehearse every canary on a restored copy before any target is touched.",
        ),
    ] = False,
    provider_snapshots: Annotated[
        bool,
        typer.Option(
            "--no-backup-provider-snapshots",
            help="Protected environments: take no backup per target; the provider's "
            "snapshots are the backup (logged per target).",
        ),
    ] = False,
) -> None:
    """Upgrade every target not at head, in parallel worker processes.

    Each target runs the normal upgrade under its own migration lock (and, in a
    protected environment, after its own verified backup). Canaries go first; after
    a failure no new target starts unless --continue-on-error. A rerun picks up what
    is not at head.

    Example: rowstamp fleet upgrade --env production --jobs 8 --canary-percent 5
    """
    from rowstamp.fleet.commands import NO_BACKUP_REASON, fleet_upgrade, worker_setup
    from rowstamp.fleet.interrupt import Interruption
    from rowstamp.fleet.upgrade import UpgradePlan
    from rowstamp.fleet.workers import worker_count

    if canary and canary_percent is not None:
        from rowstamp.errors import RowstampError

        raise RowstampError(
            "--canary and --canary-percent both choose the canaries", "give one of them"
        )
    config, listed = _targets(ctx, env, targets, shard)
    plan = UpgradePlan(
        worker_setup(config, no_backup=NO_BACKUP_REASON if provider_snapshots else None),
        worker_count(jobs),
        canaries=tuple(canary or ()),
        canary_percent=canary_percent,
        continue_on_error=continue_on_error,
        rehearse=rehearse,
        interruption=Interruption(),
    )
    progress = _Progress(sys.stdout.isatty())
    with plan.interruption.catching():  # Ctrl-C and SIGTERM: see rowstamp.fleet.interrupt
        result = fleet_upgrade(
            config,
            iter(listed),
            plan,
            planned=progress.planned,
            report=progress.report,
            running=progress.running,
            rehearsed=progress.rehearsed,
        )
        progress.close()
        _summary(len(listed), result)
    if result.interrupted:
        echo(
            f"Stopped by {result.interrupted}; run the same command again to continue: "
            "it picks up what is not at head.",
            markup=False,
        )
        raise typer.Exit(plan.interruption.exit_code)
    if not result.ok:
        echo(
            "Run the same command again to continue: it picks up what is not at head.", markup=False
        )
        raise typer.Exit(1)


def _summary(total: int, result: FleetUpgrade) -> None:
    """The counts, then one row per target not at head (revisions as the databases say)."""
    at_head = result.counts["at head"] + result.counts["upgraded"]
    interrupted = result.counts["interrupted"]
    echo(
        f"{total} targets: {result.counts['upgraded']} upgraded, {at_head} at head, "
        f"{result.counts['failed']} failed, {result.counts['not started']} not started, "
        f"{result.counts['ahead']} ahead" + (f", {interrupted} interrupted" if interrupted else ""),
        markup=False,
    )
    if result.problems:
        _table([(o.name, o.state, o.revision or "-", o.error) for o in result.problems])


def _check(
    ctx: typer.Context,
    task: str,
    env: str | None,
    targets: Path | None,
    shard: str | None,
    jobs: int | None,
    sample: int | None,
) -> None:
    from rowstamp.fleet.commands import fleet_check
    from rowstamp.fleet.workers import worker_count

    config, listed = _targets(ctx, env, targets, shard)
    failed = []
    checked = 0
    for outcome in fleet_check(
        config, iter(listed), task=task, workers=worker_count(jobs), sample=sample
    ):
        checked += 1
        if outcome.state != "ok":
            failed.append(outcome)
    echo(
        f"{checked} targets checked: {checked - len(failed)} ok, {len(failed)} failed", markup=False
    )
    if failed:
        _table([(o.name, o.state, o.revision or "-", o.error) for o in failed])
        raise typer.Exit(1)


SampleOption = Annotated[
    int | None,
    typer.Option(
        "--sample", min=1, metavar="K", help="Only K targets, chosen at random.", show_default=False
    ),
]


@fleet_app.command("check")
def check(
    ctx: typer.Context,
    env: EnvOption = None,
    targets: TargetsOption = None,
    shard: ShardOption = None,
    jobs: JobsOption = None,
    sample: SampleOption = None,
) -> None:
    """Model match on every target (or --sample K): models, history and schema agree.

    Example: rowstamp fleet check --env production --sample 20
    """
    _check(ctx, "check", env, targets, shard, jobs, sample)


@fleet_app.command("test")
def test(
    ctx: typer.Context,
    env: EnvOption = None,
    targets: TargetsOption = None,
    shard: ShardOption = None,
    jobs: JobsOption = None,
    sample: SampleOption = None,
) -> None:
    """fleet check, plus the ledger verify where a target keeps a ledger.

    Example: rowstamp fleet test --env staging
    """
    _check(ctx, "test", env, targets, shard, jobs, sample)


def _table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("target", "state", "revision", "error")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        echo(
            "  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3],
            markup=False,
        )


class _Progress:
    """A bar (done, failed, running, ETA) on a terminal; one line per target elsewhere."""

    def __init__(self, terminal: bool) -> None:
        self.terminal, self.total, self.done, self.failed, self.now = terminal, 0, 0, 0, 0
        self.start = time.monotonic()

    def planned(self, total: int, canaries: list[str]) -> None:
        self.total, self.start = total, time.monotonic()
        first = f"; canaries first: {', '.join(canaries)}" if canaries else ""
        typer.echo(f"{total} targets to upgrade{first}")

    def rehearsed(self, outcome: Outcome) -> None:
        typer.echo(
            f"{outcome.name}: rehearsed on a restored copy ({outcome.revision}, "
            f"{outcome.seconds:.1f} s)"
        )

    def running(self, count: int) -> None:
        self.now = count
        self._bar()

    def report(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.state == "failed"
        if not self.terminal:
            line = f"{outcome.name}: {outcome.state}"
            line += f" at {outcome.revision}" if outcome.revision else ""
            line += f" ({outcome.seconds:.1f} s)" if outcome.seconds else ""
            typer.echo(line + (f": {outcome.error}" if outcome.error else ""))
        self._bar()

    def _bar(self) -> None:
        if not self.terminal or not self.total:
            return
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        filled = int(30 * self.done / self.total)
        sys.stdout.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} done, "
            f"{self.failed} failed, {self.now} running, ETA {eta:.0f} s "
        )
        sys.stdout.flush()

    def close(self) -> None:
        if self.terminal and self.total:
            sys.stdout.write("\n")
