"""The apply measure's instruction counts: valgrind's count of a real command, and the
targets row, which shows them beside the times and judges the goal on them too."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from bench import apply
from bench.common import Result, Row
from bench.projects import instructions


def _rows(ours_s: float, ours_i: float | None, like_i: float | None) -> Result:
    case = "SQLite, 200 revisions"
    return Result(
        "apply",
        "Apply",
        {},
        rows=[
            Row("apply", case, apply.BASELINE, 1.0),
            Row("apply", case, apply.SETTINGS, 1.4, cpu_s=1.4, instructions=like_i),
            Row("apply", case, "rowstamp env.py", ours_s, cpu_s=ours_s, instructions=ours_i),
        ],
    )


def test_the_targets_row_shows_instructions_and_judges_the_goal_on_them_too() -> None:
    """Met only when the count and the CPU median both are: a lucky median does not
    hide a count over the goal, and the count does not hide the kernel's work."""
    shown = apply.targets(_rows(1.8, 2900.0, 2850.0))[0]  # times 1.29x, instructions 1.02x
    assert "SQLite 1.29x (CPU 1.29x, instructions 1.02x)" in shown
    assert shown.endswith("| **not met** |")
    lucky = apply.targets(_rows(1.45, 3250.0, 2850.0))[0]  # times 1.04x, instructions 1.14x
    assert "SQLite 1.04x (CPU 1.04x, instructions 1.14x)" in lucky
    assert lucky.endswith("| **not met** |")
    assert apply.targets(_rows(1.45, 2900.0, 2850.0))[0].endswith("| met |")
    over = apply.targets(_rows(1.8, 3300.0, 2850.0))[0]
    assert "instructions 1.16x" in over and over.endswith("| **not met** |")


def test_the_targets_row_shows_the_count_without_the_ledger_apart() -> None:
    """What the ledger costs is shown apart, and the goal is still judged with it."""
    result = _rows(1.8, 3300.0, 2850.0)
    case = result.rows[0].case
    result.rows.append(Row("apply", case, apply.NO_LEDGER, 1.6, cpu_s=1.6, instructions=3049.5))
    line = apply.targets(result)[0]
    assert "instructions 1.16x, without the ledger 1.07x" in line
    assert line.endswith("| **not met** |")


def test_a_result_saved_before_the_counts_still_reads(tmp_path: Path) -> None:
    saved = asdict(_rows(1.8, None, None))
    for row in saved["rows"]:
        del row["instructions"]  # a file written before the field existed
    rows = [Row(**row) for row in json.loads(json.dumps(saved))["rows"]]
    line = apply.targets(Result("apply", "Apply", {}, rows=rows))[0]
    assert "SQLite 1.29x (CPU 1.29x)" in line and "instructions" not in line


def test_valgrind_counts_a_real_command_and_the_count_repeats(tmp_path: Path) -> None:
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    code = "import json; json.dumps(list(range(1000)))"
    first = instructions(["-c", code], tmp_path, {})
    again = instructions(["-c", code], tmp_path, {})
    more = instructions(["-c", code + "; sum(range(2_000_000))"], tmp_path, {})
    assert first is not None and again is not None and more is not None
    assert abs(first - again) / first < 0.01  # the same command: the same count
    assert more > first + 10  # two million more additions: tens of millions more
    with pytest.raises(RuntimeError, match="failed"):
        instructions(["-c", "raise SystemExit(3)"], tmp_path, {})
