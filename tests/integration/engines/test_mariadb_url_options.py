"""A ``mariadb+pymysql://`` URL honours the ``mysql_*`` options, as ``mysql+pymysql://`` does.

SQLAlchemy's ``mariadb`` dialect reads only ``mariadb_*`` options, so a model written
for MySQL (``mysql_length=`` on an index over long strings) failed on a ``mariadb://``
URL with "key too long" (1071), and a table lost its ``mysql_charset``. Here on a real
server, through ``create_all`` and through a migration's ``op.create_index``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    text,
)
from sqlalchemy.engine import URL

import rowstamp.engines  # noqa: F401 - registers the MySQL/MariaDB compilation
from tests.helpers import run_ops

pytestmark = pytest.mark.mariadb


def _model() -> MetaData:
    metadata = MetaData()
    spans = Table(
        "spans",
        metadata,
        Column("id", Integer),
        Column("model_name", String(2000)),
        Column("model_provider", String(2000)),
        PrimaryKeyConstraint("id", mysql_using="btree"),
        mysql_charset="latin1",
    )
    Index(
        "ix_spans_lookup",
        spans.c.model_name,
        spans.c.model_provider,
        mysql_length={"model_name": 64, "model_provider": 64},
    )
    return metadata


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_create_all_and_migrations_on_a_mariadb_url_honour_mysql_options(db_url: URL) -> None:
    assert db_url.drivername.startswith("mariadb")
    metadata = _model()
    engine = create_engine(db_url)
    try:
        metadata.create_all(engine)

        def add_index(op):  # type: ignore[no-untyped-def]
            op.create_index(
                "ix_spans_provider_name",
                "spans",
                ["model_provider", "model_name"],
                mysql_length={"model_name": 100, "model_provider": 100},
            )

        run_ops(engine, add_index)
        with engine.connect() as connection:
            lengths = connection.execute(
                text(
                    "SELECT index_name, column_name, sub_part FROM information_schema.statistics"
                    " WHERE table_schema = DATABASE() AND table_name = 'spans'"
                    " AND index_name <> 'PRIMARY'"
                )
            ).all()
            charset = connection.execute(
                text(
                    "SELECT character_set_name FROM information_schema.columns"
                    " WHERE table_schema = DATABASE() AND table_name = 'spans'"
                    " AND column_name = 'model_name'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert sorted(lengths) == [
        ("ix_spans_lookup", "model_name", 64),
        ("ix_spans_lookup", "model_provider", 64),
        ("ix_spans_provider_name", "model_name", 100),
        ("ix_spans_provider_name", "model_provider", 100),
    ]
    assert charset == "latin1"
