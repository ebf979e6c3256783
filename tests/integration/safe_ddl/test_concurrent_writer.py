"""A writer keeps writing while the index rowstamp writes is built on a 200k-row
PostgreSQL table (issue 17: blocked no more than a second, a generous bound; the
tight figure is bench/busy_table.py's). The same revision as stock Alembic writes
it (a plain CREATE INDEX in the run's transaction) blocks the writer until the
revision commits: the sanity check that the measurement can fail."""

from __future__ import annotations

import itertools
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.project import Project

ROWS = 200_000

BIG = """
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Big(Base):
    __tablename__ = "big"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer@INDEX@)
    label: Mapped[str] = mapped_column(String(100))
"""

REST_OF_REVISION = "    op.execute(sa.text('SELECT pg_sleep(1.5)'))  # the revision's other work\n"

POSTGRESQL = pytest.mark.parametrize(
    "engine_name", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)


def _longest_stall(db_url: URL, project: Project) -> float:
    """The longest gap between two successful single-row UPDATEs while ``alembic
    upgrade head`` runs."""
    done = threading.Event()
    stamps: list[float] = []

    def write() -> None:
        engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                i = 0
                while not done.is_set():
                    i += 1
                    conn.execute(
                        text("UPDATE big SET label = :label WHERE id = :id"),
                        {"label": f"w{i}", "id": 1 + i % ROWS},
                    )
                    stamps.append(time.monotonic())
        finally:
            engine.dispose()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(0.3)
        project.alembic("upgrade", "head")
        time.sleep(0.3)
    finally:
        done.set()
        writer.join()
    assert len(stamps) > 10
    return max(b - a for a, b in itertools.pairwise(stamps))


@POSTGRESQL
def test_a_writer_is_not_blocked_by_the_index_build(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("big", BIG.replace("@INDEX@", ""))
    project.run("rowstamp", "new", "Create the big table")
    [first] = project.versions()
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO big (id, n, label) SELECT i, i % 1000, md5(i::text)"
                    " FROM generate_series(1, :rows) AS i"
                ),
                {"rows": ROWS},
            )
            conn.execute(text("ANALYZE big"))
    finally:
        engine.dispose()
    project.add_model("big", BIG.replace("@INDEX@", ", index=True"))
    project.run("rowstamp", "new", "Index big.n")
    [second] = set(project.versions()) - {first}
    source = second.read_text(encoding="utf-8")
    assert "postgresql_concurrently=True" in source and "autocommit_block()" in source
    source = source.replace("    # ### end Alembic commands ###", REST_OF_REVISION, 1)
    second.write_text(source, encoding="utf-8")

    rowstamp_stall = _longest_stall(db_url, project)
    print(f"rowstamp's revision: the writer's longest wait {rowstamp_stall:.3f} s")
    assert rowstamp_stall < 1.0, f"the writer waited {rowstamp_stall:.2f} s"

    # the same revision as stock Alembic writes it: the lock lasts until the commit
    project.alembic("downgrade", "-1")
    plain = re.sub(r"with op\.get_context\(\)\.autocommit_block\(\):\n\s+", "", source, count=1)
    plain = plain.replace(", postgresql_concurrently=True", "", 1)
    assert "autocommit" not in plain.split("def downgrade")[0]
    second.write_text(plain, encoding="utf-8")
    stock_stall = _longest_stall(db_url, project)
    print(f"the plain revision: the writer's longest wait {stock_stall:.3f} s")
    assert stock_stall > 1.0, f"the plain form blocked the writer only {stock_stall:.2f} s"
