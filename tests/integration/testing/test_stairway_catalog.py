"""The stairway compares columns, constraints and function bodies, not just names.

Before, its catalog held tables, indexes, triggers, functions and sequences by name:
a downgrade that did not undo a type change or a server default passed on every
engine, and mlflow's ``pass`` downgrade of an added column surfaced only as the
re-upgrade's "column step already exists".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.project import FIRST_ID as FIRST
from tests.project import rowstamp_test, scenario_project, widget_model

WIDGETS = (
    "a1b2c3d4e5f6",
    FIRST,
    "Create widgets table",
    "def upgrade():\n    widgets_table()\n\n\ndef downgrade():\n    op.drop_table('widgets')\n",
)

# Changes a type and a default, adds a column and a CHECK; the downgrade is ``pass``.
FORGETFUL = (
    WIDGETS,
    (
        "b2c3d4e5f6a7",
        "a1b2c3d4e5f6",
        "Widen widget names",
        "def upgrade():\n"
        "    with op.batch_alter_table('widgets') as batch:\n"
        "        batch.alter_column('name', existing_type=sa.String(50), type_=sa.String(80),\n"
        "                           existing_nullable=False, server_default='anon')\n"
        "        batch.add_column(sa.Column('step', sa.Integer(), nullable=True))\n"
        "        batch.create_check_constraint('ck_widgets_step', 'step > 0')\n\n\n"
        "def downgrade():\n    pass\n",
    ),
)

FUNCTION = {
    "postgresql": (
        "CREATE FUNCTION widget_answer() RETURNS integer LANGUAGE sql AS 'SELECT {}'",
        "CREATE OR REPLACE FUNCTION widget_answer() RETURNS integer LANGUAGE sql AS 'SELECT {}'",
    ),
    "mariadb": (
        "CREATE FUNCTION widget_answer() RETURNS INT DETERMINISTIC RETURN {}",
        "CREATE OR REPLACE FUNCTION widget_answer() RETURNS INT DETERMINISTIC RETURN {}",
    ),
}


def _function_history(engine: str) -> tuple[tuple[str, str | None, str, str], ...]:
    create, replace = FUNCTION[engine]
    return (
        WIDGETS,
        (
            "b2c3d4e5f6a7",
            "a1b2c3d4e5f6",
            "Add widget answer function",
            f"def upgrade():\n    op.execute({create.format(1)!r})\n\n\n"
            "def downgrade():\n    op.execute('DROP FUNCTION widget_answer')\n",
        ),
        (
            "c3d4e5f6a7b8",
            "b2c3d4e5f6a7",
            "Change widget answer function",
            f"def upgrade():\n    op.execute({replace.format(2)!r})\n\n\n"
            "def downgrade():\n    op.execute('SELECT 1')\n",
        ),
    )


def _stairway_line(output: str) -> str:
    lines = [x for x in output.splitlines() if x.startswith("FAILED stairway")]
    assert len(lines) == 1, output
    return lines[0]


def test_a_downgrade_that_forgets_types_defaults_columns_and_checks_fails(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    project = scenario_project(tmp_path, *FORGETFUL, widget=widget_model())
    result = rowstamp_test(project, engine_name, servers)
    line = _stairway_line(result.output)
    assert "b2c3d4e5f6a7: downgrade did not undo the upgrade: " in line
    table = r"(public\.)?widgets"
    assert re.search(rf"left behind column {table}\.step\b", line), line
    assert re.search(rf"left behind check constraint {table}\.ck_widgets_step\b", line), line
    changed = re.search(
        rf"changed column {table}\.name: (?P<now>[^;]*) \(was (?P<was>[^;]*)\)", line
    )
    assert changed is not None, line
    assert "80" in changed["now"] and "anon" in changed["now"], line
    assert "50" in changed["was"] and "anon" not in changed["was"], line
    assert "already exists" not in line


@pytest.mark.parametrize("engine_name", ["postgresql", "mariadb"], indirect=True)
def test_a_downgrade_that_forgets_a_function_body_fails(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    project = scenario_project(tmp_path, *_function_history(engine_name), widget=widget_model())
    result = rowstamp_test(project, engine_name, servers)
    line = _stairway_line(result.output)
    assert "c3d4e5f6a7b8: downgrade did not undo the upgrade: " in line
    assert re.search(r"changed function (public\.)?widget_answer\b", line), line


def test_a_correct_history_still_passes_the_stairway(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    """The same changes with a downgrade that undoes them: no noise from the richer catalog
    (a batch rebuild on SQLite, defaults, constraints)."""
    upgrade, _ = FORGETFUL[1][3].split("def downgrade")
    undo = (
        "def downgrade():\n"
        "    with op.batch_alter_table('widgets') as batch:\n"
        "        batch.drop_constraint('ck_widgets_step', type_='check')\n"
        "        batch.drop_column('step')\n"
        "        batch.alter_column('name', existing_type=sa.String(80), type_=sa.String(50),\n"
        "                           existing_nullable=False, server_default=None)\n"
    )
    history = (WIDGETS, (*FORGETFUL[1][:3], upgrade + undo))
    project = scenario_project(tmp_path, *history, widget=widget_model())
    result = rowstamp_test(project, engine_name, servers)
    assert "FAILED stairway" not in result.output, result.output
    assert "FAILED round trip" not in result.output, result.output
    assert "FAILED clean downgrade" not in result.output, result.output
