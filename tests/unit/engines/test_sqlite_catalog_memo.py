"""SQLite's catalog remembers a table's parts by its CREATE TABLE text: a change to
the table is still seen, and a remembered read equals a fresh one."""

from __future__ import annotations

from sqlalchemy import create_engine

from rowstamp.engines import sqlite_catalog
from rowstamp.engines.sqlite_catalog import read_catalog


def test_a_changed_table_is_read_again_and_remembered_reads_match_fresh_ones() -> None:
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                'CREATE TABLE "Memo.t" (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INT CHECK (b > 0))'
            )
            connection.exec_driver_sql(
                'CREATE TABLE memo_child (id INT PRIMARY KEY, t_id INT REFERENCES "Memo.t")'
            )
            first = read_catalog(connection)
            assert read_catalog(connection) == first
            connection.exec_driver_sql('ALTER TABLE "Memo.t" ADD COLUMN c INT NOT NULL DEFAULT 1')
            connection.exec_driver_sql('ALTER TABLE "Memo.t" RENAME COLUMN a TO a2')
            changed = read_catalog(connection)
            assert ("column", "Memo.t.c") in changed and ("column", "Memo.t.a") not in changed
            assert changed[("unique constraint", "Memo.t.UNIQUE (a2)")] == "UNIQUE (a2)"
            sqlite_catalog._PARTS.clear()
            assert read_catalog(connection) == changed
    finally:
        engine.dispose()
