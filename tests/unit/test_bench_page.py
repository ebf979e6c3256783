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
