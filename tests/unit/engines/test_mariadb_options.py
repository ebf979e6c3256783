"""The ``mariadb`` dialect compiles the ``mysql_*`` options a model gives, as ``mysql`` does.

SQLAlchemy's ``mariadb`` dialect (a ``mariadb+pymysql://`` URL) reads only
``mariadb_*`` options: ``mysql_length=`` on an index was dropped, so the index failed
with "key too long" (1071), and ``mysql_charset`` on a table was ignored.
"""

from __future__ import annotations

import warnings

from sqlalchemy import Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table
from sqlalchemy.engine import make_url
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

import rowstamp.engines  # noqa: F401 - registers the MySQL/MariaDB compilation

_MARIADB = make_url("mariadb+pymysql://").get_dialect()


def _table() -> Table:
    return Table(
        "spans",
        MetaData(),
        Column("id", Integer),
        Column("model_name", String(2000)),
        Column("model_provider", String(2000)),
        PrimaryKeyConstraint("id", mysql_using="btree"),
        mysql_charset="latin1",
    )


def test_mariadb_compiles_mysql_options_and_leaves_the_model_as_it_was() -> None:
    spans = _table()
    index = Index(
        "ix_spans_lookup",
        spans.c.model_name,
        spans.c.model_provider,
        mysql_length={"model_name": 64, "model_provider": 64},
        mysql_using="btree",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mysql_using with mariadb is deprecated"
        created = str(CreateIndex(index).compile(dialect=_MARIADB()))
        table_sql = str(CreateTable(spans).compile(dialect=_MARIADB()))
        key_sql = str(AddConstraint(spans.primary_key).compile(dialect=_MARIADB()))
    assert "(model_name(64), model_provider(64)) USING btree" in created
    assert "CHARSET=latin1" in table_sql
    assert "PRIMARY KEY (id) USING btree" in table_sql
    assert key_sql.endswith("PRIMARY KEY (id) USING btree")
    for element in (index, spans, spans.primary_key):
        assert not [key for key in element.dialect_kwargs if key.startswith("mariadb_")]


def test_an_explicit_mariadb_option_wins() -> None:
    spans = _table()
    index = Index("ix_both", spans.c.model_name, mysql_length=64, mariadb_length=32)
    assert "(model_name(32))" in str(CreateIndex(index).compile(dialect=_MARIADB()))
    assert index.dialect_kwargs["mysql_length"] == 64
    assert index.dialect_kwargs["mariadb_length"] == 32
