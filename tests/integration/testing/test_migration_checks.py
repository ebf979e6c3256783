"""``rowstamp test`` on broken example migrations: each breaks exactly one check.

Every scenario is a copy of this repository's project with the committed first
migration plus hand-written ones from ``tests/projects/migration_checks/``, driven through
the real CLI on every engine. Which check catches which mistake:

- a downgrade that forgets the trigger -> stairway (the step down leaves the trigger);
- a downgrade that is ``pass`` -> stairway (the step down leaves the table; round
  trip and clean downgrade, which need a working stairway, are skipped);
- a model that drifted from its migration -> model match;
- two heads -> single head (the database checks are skipped);
- a trigger that does not fire -> metadata contract.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.project import FIRST_ID as FIRST
from tests.project import Result, rowstamp_test, scenario_project, widget_model

CHECKS = (
    "single head",
    "message rules",
    "model match",
    "metadata contract",
    "stairway",
    "round trip",
    "clean downgrade",
)


def _failed(result: Result) -> list[str]:
    return [c for c in CHECKS if f"FAILED {c} (" in result.output]


FORGETS_TRIGGER = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Create widgets table",
        "def upgrade():\n    widgets_table()\n\n\ndef downgrade():\n    op.drop_table('widgets')\n",
    ),
    (
        "b2c3d4e5f6a7",
        "a1b2c3d4e5f6",
        "Index widget names and stamp updates",
        "def upgrade():\n"
        "    op.create_index(op.f('ix_widgets_name'), 'widgets', ['name'], unique=False)\n"
        "    op.create_updated_at_trigger('widgets', version=1)\n\n\n"
        "def downgrade():\n    op.drop_index(op.f('ix_widgets_name'), table_name='widgets')\n",
    ),
)

DOWNGRADE_PASS = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Create widgets table",
        "def upgrade():\n    widgets_table()\n"
        "    op.create_index(op.f('ix_widgets_name'), 'widgets', ['name'], unique=False)\n"
        "    op.create_updated_at_trigger('widgets', version=1)\n\n\n"
        "def downgrade():\n    pass\n",
    ),
)

DRIFTED = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Create widgets table",
        "def upgrade():\n    widgets_table()\n"
        "    op.create_index(op.f('ix_widgets_name'), 'widgets', ['name'], unique=False)\n"
        "    op.create_updated_at_trigger('widgets', version=1)\n\n\n"
        "def downgrade():\n    op.drop_updated_at_trigger('widgets', version=1)\n"
        "    op.drop_index(op.f('ix_widgets_name'), table_name='widgets')\n"
        "    op.drop_table('widgets')\n",
    ),
)
DRIFTED_MODEL = "    color: Mapped[str | None] = mapped_column(String(20), nullable=True)\n"

# The downgrade leaves a row behind (data, not catalog), and the upgrade indexes names
# only while users is empty: each step down restores the catalog, the second step up
# does not give back what the first one made.
NOT_A_ROUND_TRIP = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Create widgets table",
        "USERS = sa.text('SELECT count(*) FROM users')\n\n\n"
        "def upgrade():\n    widgets_table()\n"
        "    if not op.get_bind().execute(USERS).scalar():\n"
        "        op.create_index(op.f('ix_widgets_name'), 'widgets', ['name'], unique=False)\n"
        "    op.create_updated_at_trigger('widgets', version=1)\n\n\n"
        "def downgrade():\n    op.drop_updated_at_trigger('widgets', version=1)\n"
        "    op.drop_table('widgets')\n"
        "    if not op.get_bind().execute(USERS).scalar():\n"
        "        op.execute(\"INSERT INTO users (email) VALUES ('round-trip@example.com')\")\n",
    ),
)

TWO_HEADS = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Add nickname to users",
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
    ),
    (
        "b2c3d4e5f6a7",
        FIRST,
        "Add avatar to users",
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
    ),
)

# The trigger keeps rowstamp's name (so autogenerate sees it) but never changes updated_at.
DUD_TRIGGER = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Replace the users trigger by a dud",
        "DUD = {\n"
        "    'sqlite': ['DROP TRIGGER update_timestamp_users',\n"
        "               'CREATE TRIGGER update_timestamp_users AFTER UPDATE ON users WHEN 0 '\n"
        "               'BEGIN SELECT 1; END'],\n"
        "    'postgresql': ['DROP TRIGGER update_timestamp ON users',\n"
        "                   'CREATE TRIGGER update_timestamp BEFORE UPDATE ON users '\n"
        "                   'FOR EACH ROW WHEN (false) EXECUTE FUNCTION set_updated_at()'],\n"
        "    'mariadb': ['DROP TRIGGER update_timestamp_users',\n"
        "              'CREATE TRIGGER update_timestamp_users BEFORE UPDATE ON users '\n"
        "              'FOR EACH ROW SET @rowstamp_dud = 1'],\n"
        "}\n\n\n"
        "def upgrade():\n"
        "    for statement in DUD[op.get_bind().dialect.name]:\n"
        "        op.execute(statement)\n\n\n"
        "def downgrade():\n"
        "    op.execute(DUD[op.get_bind().dialect.name][0])\n"
        "    op.create_updated_at_trigger('users', version=1)\n",
    ),
)


@pytest.mark.parametrize(
    ("migrations", "model", "expected"),
    [
        pytest.param(FORGETS_TRIGGER, widget_model(), ["stairway"], id="forgets-trigger"),
        pytest.param(DOWNGRADE_PASS, widget_model(), ["stairway"], id="downgrade-pass"),
        pytest.param(DRIFTED, widget_model(DRIFTED_MODEL), ["model match"], id="model-drifted"),
        pytest.param(NOT_A_ROUND_TRIP, widget_model(), ["round trip"], id="not-a-round-trip"),
        pytest.param(TWO_HEADS, "", ["single head"], id="two-heads"),
        pytest.param(DUD_TRIGGER, "", ["metadata contract"], id="dud-trigger"),
    ],
)
def test_broken_migration_fails_exactly_its_check(
    tmp_path: Path,
    engine_name: str,
    servers: dict[str, URL],
    migrations: tuple[tuple[str, str | None, str, str], ...],
    model: str,
    expected: list[str],
) -> None:
    project = scenario_project(tmp_path, *migrations, widget=model)
    result = rowstamp_test(project, engine_name, servers)
    assert result.returncode == 1, result.output
    assert _failed(result) == expected, result.output
    assert "Traceback" not in result.output


def test_failure_names_revision_and_statement(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    project = scenario_project(tmp_path, *DOWNGRADE_PASS, widget=widget_model())
    result = rowstamp_test(project, engine_name, servers)
    line = next(x for x in result.output.splitlines() if x.startswith("FAILED stairway"))
    assert "a1b2c3d4e5f6: downgrade did not undo the upgrade: " in line
    assert re.search(r"left behind table (public\.)?widgets\b", line), line


# A key of two integer columns: SQLAlchemy autoincrements neither, so the contract's test
# row has to fill both.
COMPOSITE_KEY = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Create memberships table",
        "def upgrade():\n"
        "    op.create_table(\n"
        "      'memberships',\n"
        "      sa.Column('group_id', sa.Integer(), nullable=False),\n"
        "      sa.Column('member_id', sa.Integer(), nullable=False),\n"
        "      sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),\n"
        "      sa.Column('is_flagged', sa.Boolean(), server_default=sa.false(), nullable=False),\n"
        "      sa.Column('notes', sa.Text(), nullable=True),\n"
        "      sa.Column('created_at', STAMP, server_default=utc_now(version=1), nullable=False),\n"
        "      sa.Column('updated_at', STAMP, server_default=utc_now(version=1), nullable=False),\n"
        "      sa.PrimaryKeyConstraint('group_id', 'member_id', name=op.f('pk_memberships')),\n"
        "    )\n"
        "    for column in ('created_at', 'is_active', 'is_flagged'):\n"
        "        op.create_index(op.f(f'ix_memberships_{column}'), 'memberships', [column])\n"
        "    op.create_updated_at_trigger('memberships', version=1)\n\n\n"
        "def downgrade():\n"
        "    op.drop_updated_at_trigger('memberships', version=1)\n"
        "    op.drop_table('memberships')\n",
    ),
)
COMPOSITE_KEY_MODEL = '''"""Memberships: a primary key of two integer columns."""

from __future__ import annotations

from sqlalchemy import Integer, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (PrimaryKeyConstraint("group_id", "member_id"),)

    group_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
'''


def test_composite_integer_key_passes_the_contract(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    project = scenario_project(tmp_path, *COMPOSITE_KEY)
    project.add_model("membership", COMPOSITE_KEY_MODEL)
    result = rowstamp_test(project, engine_name, servers)
    assert result.returncode == 0, result.output
    assert f"{engine_name}: passed" in result.stdout
    assert "FAILED" not in result.output


# Version 4 names the columns that fire it (SQLite): users moved to it, widgets made with it.
FIRED_USERS = "['id', 'name', 'email', 'is_active', 'is_flagged', 'notes', 'created_at']"
FIRED_WIDGETS = "['id', 'name', 'is_active', 'is_flagged', 'notes', 'created_at']"
VERSION_4 = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Trigger version 4",
        "def upgrade():\n"
        f"    op.replace_updated_at_trigger('users', from_version=1, version=4, columns={FIRED_USERS})\n"  # noqa: E501
        "    widgets_table()\n"
        "    op.create_index(op.f('ix_widgets_name'), 'widgets', ['name'], unique=False)\n"
        f"    op.create_updated_at_trigger('widgets', version=4, columns={FIRED_WIDGETS})\n\n\n"
        "def downgrade():\n"
        f"    op.drop_updated_at_trigger('widgets', version=4, columns={FIRED_WIDGETS})\n"
        "    op.drop_index(op.f('ix_widgets_name'), table_name='widgets')\n"
        "    op.drop_table('widgets')\n"
        f"    op.replace_updated_at_trigger('users', from_version=4, version=1, from_columns={FIRED_USERS})\n",  # noqa: E501
    ),
)


def test_a_version_4_history_passes_every_check(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    """The metadata contract fires version 4 through a column it names; the stairway
    and the round trip undo the replacement and the new table's trigger exactly."""
    project = scenario_project(tmp_path, *VERSION_4, widget=widget_model())
    result = rowstamp_test(project, engine_name, servers)
    assert result.returncode == 0, result.output
    assert f"{engine_name}: passed" in result.stdout
    assert "FAILED" not in result.output
