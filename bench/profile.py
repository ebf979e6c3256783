"""The budget of a benchmark run and the goals its ratios are judged against.

``make bench`` (the quick profile) must fit 15 minutes on the 2-vCPU machine when it is
idle, so the page prints each measure's time and the total beside that budget. The plot
draws each ratio against its goal, so a reader sees at once which ones miss.

A script states a goal on the row itself (``Row.goal``, or ``compare(..., goals=)``);
``GOALS`` holds the goals of the scripts written before rows could carry one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.common import PROFILES, Result, Row

__all__ = [
    "BUDGET_S",
    "GOALS",
    "Bar",
    "Goal",
    "budget_lines",
    "doc_names",
    "goal_of",
    "profile_line",
    "ratio_bars",
]

BUDGET_S = {"quick": 15 * 60.0, "full": None}
"""The time each profile must fit in, on the idle 2-vCPU machine (the full one has none)."""

DESCRIBED = {
    "quick": "quick (`make bench`: reduced sizes, 3 runs per contender)",
    "full": "full (`make bench-full`: every size, 5 runs per contender)",
}


@dataclass(frozen=True)
class Goal:
    """A ratio goal for rows of one script whose contender (and case) contain these."""

    script: str
    contender: str
    limit: float
    case: str = ""
    measure: str = ""

    def matches(self, script: str, row: Row) -> bool:
        return (
            script == self.script
            and self.contender in row.contender
            and self.case in row.case
            and self.measure in row.measure
        )


GOALS = [
    Goal("autogen_scale", "rowstamp", 1.10, case="N=1000"),
    Goal("write_cost", "rowstamp trigger", 1.3, case="PostgreSQL", measure="write cost"),
    Goal("write_cost", "", 1.03, measure="trigger v2 over v1"),
    Goal("apply", "rowstamp env.py", 1.05),
    Goal("startup", "rowstamp --help", 1.3),
    Goal("startup", "./scripts/migrate --help", 1.3),
    Goal("whole_command", "rowstamp", 1.10, case="N=300"),
    Goal("whole_command", "rowstamp", 1.10, case="N=1000"),
]


def goal_of(script: str, row: Row) -> float | None:
    """The row's own goal, else the first rule of ``GOALS`` that matches it; None: no goal
    (or the row is a baseline, whose ratio is 1 by definition)."""
    if row.ratio is None:
        return None
    if row.goal is not None:
        return row.goal
    return next((g.limit for g in GOALS if g.matches(script, row)), None)


def doc_names(profile: str) -> tuple[str, str]:
    """The page and plot file names of a profile: the quick one is the page people read."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    suffix = "" if profile == "quick" else f"-{profile}"
    return f"benchmarks{suffix}.md", f"benchmarks{suffix}.png"


def profile_line(result: Result) -> str:
    """Which profile produced a section's table, and how long the script took."""
    described = DESCRIBED.get(result.profile, result.profile)
    line = f"Profile: {described}; took {result.seconds:,.0f} s"
    if result.code:  # files written before results recorded it have none
        line += f"; measured on {result.code}, finished {result.finished}"
    return line + "."


def _clock(seconds: float) -> str:
    whole = round(seconds)  # rounded first: 8,519.7 s is 142 min 00 s, not 141 min 60 s
    return f"{whole // 60} min {whole % 60:02d} s"


def budget_lines(results: dict[str, Result], profile: str, order: list[str]) -> list[str]:
    """The "Time per measure" table: each script's time, the total and the budget."""
    lines = [
        f"Profile: {DESCRIBED[profile]}.",
        "",
        "| measure | profile | time |",
        "|---|---|---:|",
    ]
    shown = [n for n in order if n in results]
    for name in shown:
        lines.append(f"| `{name}` | {results[name].profile} | {_clock(results[name].seconds)} |")
    total = sum(results[n].seconds for n in shown)
    lines.append(f"| **total** | | **{_clock(total)}** |")
    missing = [n for n in order if n not in results]
    lines.append("")
    if missing:
        lines.append(
            f"Not in this total (no results of this profile here): "
            f"{', '.join(f'`{n}`' for n in missing)}."
        )
    runs = {(results[n].code, results[n].finished[:10]) for n in shown if results[n].code}
    if len(runs) > 1:  # a profile run in parts (its result files are committed)
        lines.append(
            "Measured in parts: "
            + "; ".join(
                f"`{n}` on {results[n].code}, {results[n].finished}"
                for n in shown
                if results[n].code
            )
            + "."
        )
    mixed = sorted({results[n].profile for n in shown} - {profile})
    if mixed:
        lines.append(f"Some figures come from another profile ({', '.join(mixed)}).")
    budget = BUDGET_S.get(profile)
    if budget is not None:
        verdict = "incomplete" if missing else "within it" if total <= budget else "**over** it"
        lines.append(
            f"Budget: {budget / 60:.0f} minutes on this 2-vCPU machine when idle; this run: "
            f"{_clock(total)}, {verdict}."
        )
    else:
        lines.append(f"No time target for this profile; this run took {_clock(total)}.")
    return [*lines, ""]


@dataclass(frozen=True)
class Bar:
    """One bar of the plot: a contender's ratio to its baseline and its goal, if any."""

    label: str
    ratio: float
    goal: float | None

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.ratio <= self.goal


def ratio_bars(results: dict[str, Result], scripts: list[str]) -> list[Bar]:
    """Every ratio of ``scripts``' rows (autogenerate at N = 1000 only, the size its
    goal is set at; not the "eager" rows, which show code that is gone)."""
    bars = []
    for name in scripts:
        result = results.get(name)
        for row in result.rows if result else []:
            if row.ratio is None or "eager" in row.contender:
                continue
            if name == "autogen_scale" and "N=1000" not in row.case:
                continue
            case = row.case if name == "autogen_scale" else row.case.split(",")[0]
            bars.append(
                Bar(f"{name}: {case}: {row.contender.strip()}", row.ratio, goal_of(name, row))
            )
    return bars
