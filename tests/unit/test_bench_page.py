"""Rewriting docs/benchmarks.md on a machine that holds only some scripts' results
keeps the others' figures instead of replacing them with "not measured"."""

from __future__ import annotations

from pathlib import Path

from bench.busy_table import Load
from bench.page import Page
from bench.run_all import _section, _targets

PAGE = """# Benchmarks

## Targets

| measure | target | measured | verdict |
|---|---|---|---|
| 1. autogenerate, N = 1000 | rowstamp <= 1.10x Alembic | 0.94x | met |
| 4. apply 200 revisions | <= 1.05x stock | 1.40x | **not met** against the stock env.py |

## 3. Retrofit an existing table

text of the last run

| case | contender |
|---|---|


"""


def test_a_missing_result_keeps_the_section_and_target_row(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(PAGE, encoding="utf-8")
    page = Page(doc)

    kept = _section(None, "3. Retrofit an existing table", ["new text"], page)
    new = _section(None, "9. Never measured", ["new text"], page)
    rows = [page.target(line) for line in _targets({})]

    assert kept == [
        "## 3. Retrofit an existing table",
        "",
        "text of the last run",
        "",
        "| case | contender |",
        "|---|---|",
        "",
    ]
    assert "_Not measured yet: run `make bench`._" in new
    by_measure = {row.split(" | ")[0]: row for row in rows}
    assert by_measure["| 1. autogenerate, N = 1000"].endswith("| 0.94x | met |")
    assert by_measure["| 4. apply 200 revisions"].endswith(
        "| 1.40x | **not met** against the stock env.py |"
    )
    assert by_measure["| 7. busy table, 8 writers"].endswith("| not measured |")
    assert by_measure["| 8. ledger check (`rowstamp verify`'s, files loaded)"].endswith(
        "| not measured |"
    )


def test_longest_gap_counts_the_edges_of_the_window() -> None:
    load = Load(engine=None)  # type: ignore[arg-type] - no writer is started
    load.done.extend([0.5, 1.0, 1.1, 3.0, 9.0])

    assert load.longest_gap(0.8, 4.0) == 1.9  # 1.1 -> 3.0
    assert load.longest_gap(3.5, 4.0) == 0.5  # no write inside: the whole window


def test_a_partial_rewrite_keeps_the_machine_notes_and_claims_no_new_measure(
    tmp_path: Path,
) -> None:
    """A rewrite with some results missing keeps the Machine section's hand-written
    notes as they are: it used to append a bullet naming every measure with a result
    as measured again at the time of the rewrite, false for all but those just run."""
    from bench.common import Result
    from bench.run_all import _machine

    section = [
        "## Machine",
        "",
        "- CPU: two cores",
        "- `fleet` ran afterwards as a measure of its own,",
        "  beside a CI run.",
        "",
    ]
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n" + "\n".join(section) + "\n## Targets\n", encoding="utf-8")
    results = {"apply": Result("apply", "Apply", {}, seconds=126.0)}
    assert _machine(results, 126.0, ["fleet"], Page(path)) == section


def test_a_complete_rewrite_renews_the_machine_facts_and_keeps_the_notes(
    tmp_path: Path,
) -> None:
    """With every result, the generated bullets are written again (when, how long) and
    the hand-written notes after them survive: a rewrite once dropped them all."""
    from bench.common import Result
    from bench.run_all import MACHINE_NOTES, _machine

    section = [
        "## Machine",
        "",
        "- CPU: two cores, `nproc` = 2",
        "- Linux-1.0-old-kernel",
        "- page written 2026-01-01 00:00 UTC from each script's last run:",
        "  `apply` 1 s; 0.0 minutes in all",
        *MACHINE_NOTES,
        "- round 31: `apply` again, idle,",
        "  after its instruction counts.",
        "",
    ]
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n" + "\n".join(section) + "\n## Targets\n", encoding="utf-8")
    results = {"apply": Result("apply", "Apply", {}, seconds=126.0)}
    fresh = _machine(results, 126.0, [], Page(path))
    assert "- page written 2026-01-01 00:00 UTC from each script's last run:" not in fresh
    assert "  `apply` 126 s; 2.1 minutes in all" in fresh
    assert fresh[-3:] == ["- round 31: `apply` again, idle,", "  after its instruction counts.", ""]
    assert fresh.count("- round 31: `apply` again, idle,") == 1
    again = tmp_path / "again.md"  # rewriting the rewritten page keeps the note once
    again.write_text("# B\n\n" + "\n".join(fresh) + "\n## Targets\n", encoding="utf-8")
    assert _machine(results, 126.0, [], Page(again))[-3:] == fresh[-3:]
    bare = tmp_path / "bare.md"  # a page without a Machine section: the facts alone
    bare.write_text("# B\n\n## Targets\n", encoding="utf-8")
    assert _machine(results, 126.0, [], Page(bare))[-2:] == [MACHINE_NOTES[-1], ""]
