"""``op.backfill(touch=False)``: the backfilled rows keep ``updated_at`` while an
application UPDATE between its batches still bumps it, on every engine; a version 1
trigger is refused in one line before the first batch."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import write_revision
from tests.project import Project

# updated_at in microseconds on MariaDB too (a plain DATETIME keeps seconds, and the
# application's UPDATE could fall in the second the rows were written)
ITEMS = (
    "    import sqlalchemy.dialects.mysql\n"
    "    from rowstamp.sql import utc_now\n"
    "    op.create_table('items', sa.Column('id', sa.Integer, primary_key=True,"
    " autoincrement=False),\n"
    "                    sa.Column('n', sa.Integer, nullable=False),\n"
    "                    sa.Column('label', sa.String(20)),\n"
    "                    sa.Column('updated_at', sa.DateTime(timezone=True).with_variant("
    "sa.dialects.mysql.DATETIME(fsp=6), 'mysql', 'mariadb'),"
    " server_default=utc_now(version=1), nullable=False))\n"
    "    op.create_updated_at_trigger('items', version={version})\n"
    "    op.execute('INSERT INTO items (id, n) VALUES ' +"
    " ', '.join(f'({i}, 0)' for i in range(1, 26)))\n"
)

# the replication-lag probe runs before every batch: a write of "the application"
# on a connection of its own, between two batches of the backfill
BACKFILL = (
    "    engine = sa.create_engine(op.get_bind().engine.url)\n"
    "    def application_writes() -> float:\n"
    "        with engine.begin() as conn:\n"
    "            conn.execute(sa.text(\"UPDATE items SET label = 'app' WHERE id = 3\"))\n"
    "        return 0.0\n"
    "    op.backfill('items', values={'n': 1}, batch_size=7, touch=False,\n"
    "                max_replication_lag=application_writes)\n"
    "    engine.dispose()"
)


def _rows(db_url: URL) -> dict[int, tuple[object, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, n, label, updated_at FROM items"))
            return {row[0]: tuple(row[1:]) for row in rows}
    finally:
        engine.dispose()


def _project(db_url: URL, tmp_path: Path, version: int) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    pinned = f"{version}, columns=['id', 'n', 'label']" if version == 4 else str(version)
    write_revision(
        project, "b1", None, ITEMS.replace("{version}", pinned), "    op.drop_table('items')"
    )
    write_revision(project, "b2", "b1", BACKFILL, "    pass")
    return project


@pytest.mark.parametrize("version", [2, 3, 4])
def test_touch_false_keeps_updated_at_while_the_application_bumps_it(
    db_url: URL, tmp_path: Path, version: int
) -> None:
    project = _project(db_url, tmp_path, version)
    project.alembic("upgrade", "b1")
    before = _rows(db_url)
    time.sleep(0.05)
    result = project.alembic("upgrade", "head")
    assert "backfill items: done, 25 rows walked, 25 updated in 4 batches" in result.output
    after = _rows(db_url)
    assert {i: row[0] for i, row in after.items()} == dict.fromkeys(range(1, 26), 1)
    assert after[3][1] == "app" and after[3][2] > before[3][2]  # type: ignore[operator]
    assert {i: row[2] for i, row in after.items() if i != 3} == {
        i: row[2] for i, row in before.items() if i != 3
    }


def test_touch_false_on_a_version_1_trigger_is_refused(db_url: URL, tmp_path: Path) -> None:
    project = _project(db_url, tmp_path, 1)
    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode != 0
    assert (
        "op.backfill(touch=False) of items cannot leave updated_at alone: "
        "its updated_at trigger is version 1"
    ) in result.output
    assert "Traceback" not in result.output
    assert {row[0] for row in _rows(db_url).values()} == {0}
