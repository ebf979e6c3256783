"""MariaDB's catalog read (``rowstamp test``'s stairway compares it at every step) fills
each ``information_schema`` table once, however many tables the database holds.

It read constraints with a correlated subquery per constraint, and MariaDB fills an
``information_schema`` table anew, opening every table of the database, for each run of
one: 10 s for 100 tables, so ``rowstamp test`` over 200 revisions did not finish in an
hour. Checked by the server's own count of the temporary tables those fills create
(no timing): it must not grow with the number of tables."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL

from rowstamp.engines import for_dialect

pytestmark = pytest.mark.mariadb


def _add_tables(engine: Engine, first: int, last: int) -> None:
    """Tables shaped like the guide's: primary key, unique, CHECK, a foreign key."""
    with engine.begin() as conn:
        for i in range(first, last):
            parent = (
                f", parent_id INT, CONSTRAINT fk_t{i} FOREIGN KEY (parent_id) "
                f"REFERENCES t{i - 1} (id) ON DELETE CASCADE"
                if i
                else ""
            )
            conn.execute(
                text(
                    f"CREATE TABLE t{i} (id INT PRIMARY KEY, email VARCHAR(100), n INT, "
                    f"CONSTRAINT uq_t{i} UNIQUE (email), CONSTRAINT ck_t{i} CHECK (n >= 0)"
                    f"{parent})"
                )
            )


def _fills(conn: Connection) -> tuple[int, dict[tuple[str, str], str]]:
    """The temporary tables one catalog read made the server create, and the catalog."""
    count = text("SHOW SESSION STATUS LIKE 'Created_tmp_tables'")
    before = int(conn.execute(count).one()[1])
    found = for_dialect(conn.dialect).catalog_objects(conn)
    return int(conn.execute(count).one()[1]) - before - 1, found  # less the SHOW's own


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_the_catalog_is_read_in_a_fixed_number_of_fills(db_url: URL) -> None:
    engine = create_engine(db_url)
    try:
        _add_tables(engine, 0, 5)
        with engine.connect() as conn:
            few, small = _fills(conn)
        _add_tables(engine, 5, 20)
        with engine.connect() as conn:
            many, large = _fills(conn)
    finally:
        engine.dispose()
    assert many <= few + 2, (few, many)  # the correlated form: 6,179 then 25,139
    # and it still reads every constraint as before
    assert large[("foreign key", "t19.fk_t19")] == (
        "FOREIGN KEY (parent_id) REFERENCES (t18.id) ON UPDATE RESTRICT ON DELETE CASCADE"
    )
    assert large[("unique constraint", "t7.uq_t7")] == "UNIQUE (email)"
    assert large[("check constraint", "t3.ck_t3")] == "CHECK (`n` >= 0)"
    assert large[("primary key", "t0.PRIMARY")] == "PRIMARY KEY (id)"
    assert set(small) < set(large)
