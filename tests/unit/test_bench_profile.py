"""The benchmark profiles: `make bench` (quick) and `make bench-full` (full) pick their
sizes from BENCH_PROFILE, and the page says which profile produced each table, how
long each measure took and the total against the 15-minute budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import Result, Row
from bench.profile import budget_lines, doc_names, goal_of, profile_line
from bench.run_all import _section

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from bench.common import PROFILE, RESULTS, RUNS, Result, sized
from bench import autogen_scale, retrofit, test_scale
print(json.dumps({
    "profile": PROFILE,
    "runs": RUNS,
    "results": RESULTS.name,
    "sizes": autogen_scale.SIZES,
    "retrofit": retrofit.ROWS,
    "peer_engines": test_scale.PEER_ENGINES,
    "engines": test_scale.ENGINES,
    "chosen": sized(1, 2, env="PROBE_SIZE"),
    "recorded": Result("x", "x", {}).profile,
}))
"""


def _probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_the_quick_profile_is_the_default_and_has_the_issues_sizes() -> None:
    done = _probe()

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "profile": "quick",
        "runs": 3,
        "results": "results",
        "sizes": [100, 1000],
        "retrofit": 2_000_000,
        "peer_engines": ["sqlite", "postgresql"],
        "engines": ["sqlite", "postgresql"],
        "chosen": 1,
        "recorded": "quick",
    }


def test_the_full_profile_has_every_size_and_its_own_results() -> None:
    done = _probe(BENCH_PROFILE="full", PROBE_SIZE="7")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "profile": "full",
        "runs": 5,
        "results": "full",
        "sizes": [100, 500, 1000],
        "retrofit": 5_000_000,
        "peer_engines": ["sqlite", "postgresql", "mariadb"],
        "engines": ["sqlite", "postgresql", "mariadb"],
        "chosen": 7,  # a set variable wins over the profile
        "recorded": "full",
    }


def test_an_unknown_profile_is_one_line_and_no_traceback() -> None:
    done = _probe(BENCH_PROFILE="fast")

    assert done.returncode != 0
    assert done.stderr.strip() == (
        "BENCH_PROFILE='fast' is not a profile; use one of ('quick', 'full')"
    )


def _result(name: str, seconds: float, profile: str = "quick") -> Result:
    return Result(name, name, {"Python": "3.11"}, seconds=seconds, profile=profile)


def test_the_page_prints_each_measures_time_and_the_total_against_the_budget() -> None:
    results = {"autogen_scale": _result("autogen_scale", 301), "apply": _result("apply", 62)}

    within = budget_lines(results, "quick", ["autogen_scale", "apply"])
    over = budget_lines({"apply": _result("apply", 960)}, "quick", ["apply"])
    missing = budget_lines(results, "quick", ["autogen_scale", "apply", "fleet"])
    full = budget_lines({"apply": _result("apply", 4000, "full")}, "full", ["apply"])

    assert "| `autogen_scale` | quick | 5 min 01 s |" in within
    assert "| `apply` | quick | 1 min 02 s |" in within
    assert "| **total** | | **6 min 03 s** |" in within
    assert within[-2].endswith("this run: 6 min 03 s, within it.")
    assert over[-2].endswith("this run: 16 min 00 s, **over** it.")
    assert "Not in this total (no results of this profile here): `fleet`." in missing
    assert missing[-2].endswith("6 min 03 s, incomplete.")
    assert full[-2] == "No time target for this profile; this run took 66 min 40 s."


def test_each_section_says_which_profile_produced_its_table(tmp_path: Path) -> None:
    from bench.page import Page

    result = _result("retrofit", 42, "full")
    result.rows.append(Row("retrofit", "PostgreSQL, 5,000,000 rows", "rowstamp", 1.0))

    lines = _section(result, "3. Retrofit", ["text"], Page(tmp_path / "none.md"))

    assert profile_line(result) in lines
    assert profile_line(result) == (
        "Profile: full (`make bench-full`: every size, 5 runs per contender); took 42 s."
    )


def test_goals_come_from_the_row_or_the_rules_and_baselines_have_none() -> None:
    ours = Row("autogenerate", "SQLite empty db, N=1000", "rowstamp", 1.0, ratio=1.2)
    small = Row("autogenerate", "SQLite empty db, N=100", "rowstamp", 1.0, ratio=1.2)
    stated = Row("fleet", "20 databases", "rowstamp fleet", 1.0, ratio=0.5, goal=1.5)
    base = Row("autogenerate", "SQLite empty db, N=1000", "alembic", 1.0)

    assert goal_of("autogen_scale", ours) == 1.10
    assert goal_of("autogen_scale", small) is None
    assert goal_of("fleet", stated) == 1.5
    assert goal_of("autogen_scale", base) is None


def test_each_profile_writes_its_own_page_and_plot() -> None:
    assert doc_names("quick") == ("benchmarks.md", "benchmarks.png")
    assert doc_names("full") == ("benchmarks-full.md", "benchmarks-full.png")
    with pytest.raises(ValueError):
        doc_names("fast")


def _ratio_results() -> dict[str, Result]:
    scale = _result("autogen_scale", 1)
    for n, ratio in ((100, 1.5), (1000, 1.05)):
        scale.rows += [
            Row("autogenerate", f"SQLite empty db, N={n}", "alembic", 1.0),
            Row("autogenerate", f"SQLite empty db, N={n}", "rowstamp", ratio, ratio, "alembic"),
        ]
    apply = _result("apply", 1)
    apply.rows += [
        Row("apply", "PostgreSQL, 200 revisions", "alembic (stock env.py)", 1.0),
        Row("apply", "PostgreSQL, 200 revisions", "rowstamp env.py", 1.2, 1.2, "alembic"),
        Row("apply", "PostgreSQL, 200 revisions", "stock env.py + models", 1.1, 1.1, "alembic"),
    ]
    return {"autogen_scale": scale, "apply": apply}


def test_the_plot_draws_each_ratio_against_its_goal() -> None:
    from bench.profile import Bar, ratio_bars

    bars = ratio_bars(_ratio_results(), ["autogen_scale", "apply"])

    assert bars == [
        Bar("autogen_scale: SQLite empty db, N=1000: rowstamp", 1.05, 1.10),
        Bar("apply: PostgreSQL: rowstamp env.py", 1.2, 1.05),
        Bar("apply: PostgreSQL: stock env.py + models", 1.1, None),
    ]
    assert [bar.met for bar in bars] == [True, False, None]


def test_the_plot_is_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")  # the bench dependency group
    from bench.run_all import plot

    path = tmp_path / "benchmarks.png"
    plot(_ratio_results(), path)

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_page_rewritten_without_this_profiles_results_keeps_its_times(tmp_path: Path) -> None:
    from bench.page import Page
    from bench.run_all import _time_per_measure

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# B\n\n## Time per measure\n\n| **total** | | **9 min 00 s** |\n\n", "utf-8")

    kept = _time_per_measure({}, Page(doc))
    none = _time_per_measure({}, Page(tmp_path / "missing.md"))
    fresh = _time_per_measure({"apply": _result("apply", 60)}, Page(doc))

    assert kept == ["## Time per measure", "", "| **total** | | **9 min 00 s** |", ""]
    assert none[2] == "_No quick run here yet: run `make bench`._"
    assert "| **total** | | **1 min 00 s** |" in fresh


def test_a_time_just_under_a_minute_rounds_up_to_it() -> None:
    from bench.profile import _clock

    assert _clock(8519.7) == "142 min 00 s"  # the full page once said "141 min 60 s"
    assert _clock(59.6) == "1 min 00 s"
    assert _clock(61.2) == "1 min 01 s"
