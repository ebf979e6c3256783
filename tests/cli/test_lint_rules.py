"""Every review rule has a failing and a passing example migration in tests/projects/lint_rules.

The examples are linted as files by the real command, in one run, so each rule
is proven to fire on its failing example and stay quiet on its passing one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rowstamp.review.rules import RULES
from tests.project import REPO, Project

SCENARIOS = REPO / "tests" / "projects" / "lint_rules"
RULE_IDS = [r.id for r in RULES] + ["ack-without-reason"]


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    project = Project.copy(tmp_path_factory.mktemp("lint") / "project", None, history=True)
    files = sorted(str(p) for p in SCENARIOS.glob("*.py"))
    result = project.run("rowstamp", "lint", "--no-squawk", "--format", "json", *files, check=False)
    assert result.returncode == 1, result.output  # the failing examples fail the run
    report = json.loads(result.stdout)
    return {Path(m["path"]).stem: m for m in report["migrations"]}


def _flagged(migration: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in migration["findings"] if f["rule"] == rule and f["acknowledged"] is None]


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rule_fails_its_failing_example(rule: str, linted: dict[str, dict[str, Any]]) -> None:
    example = linted[f"{rule.replace('-', '_')}_fail"]
    assert _flagged(example, rule), example
    severity = _flagged(example, rule)[0]["severity"]
    assert example["ok"] is (severity != "error")


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rule_passes_its_passing_example(rule: str, linted: dict[str, dict[str, Any]]) -> None:
    example = linted[f"{rule.replace('-', '_')}_pass"]
    assert example["ok"], example
    assert not _flagged(example, rule)


def test_acknowledgements_keep_their_reason(linted: dict[str, dict[str, Any]]) -> None:
    [finding] = [f for f in linted["drop_table_pass"]["findings"] if f["rule"] == "drop-table"]
    assert finding["acknowledged"] == "archived to the warehouse in ticket OPS-12"


def test_every_rule_says_which_failure_it_prevents() -> None:
    for rule in RULES:
        assert rule.prevents, rule.id
        assert (SCENARIOS / f"{rule.id.replace('-', '_')}_fail.py").is_file(), rule.id


@pytest.mark.parametrize("example", ["sql_text", "batch", "utc_now"])
def test_sql_expression_server_default_is_a_default(example: str, offline_project: Project) -> None:
    """The fix not-null-without-default asks for (server_default=sa.text(...) or utc_now())
    is a SQL expression, which has no truth value: lint and review must take it, not crash."""
    path = str(SCENARIOS / f"not_null_without_default_{example}_pass.py")
    lint = offline_project.run("rowstamp", "lint", "--no-squawk", "--format", "json", path)
    [migration] = json.loads(lint.stdout)["migrations"]
    assert migration["ok"] and not migration["findings"], migration
    review = offline_project.run("rowstamp", "review", path)
    assert "not-null-without-default" not in review.output
    assert "Traceback" not in review.output


def test_get_bind_inside_try_is_unreadable_not_empty(linted: dict[str, dict[str, Any]]) -> None:
    """mlflow's history wraps op.get_bind() in try/except Exception: the review cannot see
    what upgrade() does, which is a warning, not proof that it does nothing."""
    example = linted["empty_upgrade_get_bind_in_try_pass"]
    assert example["ok"], example
    assert not _flagged(example, "empty-upgrade")
    [unreadable] = _flagged(example, "unreadable")
    assert "op.get_bind()" in unreadable["message"], unreadable


def test_a_parent_and_its_child_are_one_change(linted: dict[str, dict[str, Any]]) -> None:
    """Tables created together and linked by a foreign key are one change; unlinked ones
    are still several."""
    related = linted["several_tables_parent_child_pass"]
    assert related["ok"] and not related["findings"], related
    [unlinked] = _flagged(linted["several_tables_unlinked_fail"], "several-tables")
    assert "changes 2 tables (posts, tags)" in unlinked["message"]


def test_adopting_rowstamps_columns_is_one_change(linted: dict[str, dict[str, Any]]) -> None:
    """The retrofit autogenerate writes for rowstamp's columns on several existing tables
    is one change; a column of the project's own beside it is another."""
    adopting = linted["several_tables_adopting_pass"]
    assert not _flagged(adopting, "several-tables"), adopting
    [mixed] = _flagged(linted["several_tables_adopting_mixed_fail"], "several-tables")
    assert "changes 2 tables (projects, tasks)" in mixed["message"]


def test_a_foreign_key_between_new_tables_validates_nothing(
    linted: dict[str, dict[str, Any]],
) -> None:
    """op.create_foreign_key names its table source_table: it is still a new table, and
    the tables it links are one change."""
    example = linted["foreign_key_validates_new_tables_pass"]
    assert example["ok"] and not example["findings"], example
