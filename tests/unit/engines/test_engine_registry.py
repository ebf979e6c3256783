"""Engine facts live in ``rowstamp.engines``: features ask the registry, never a dialect name."""

from __future__ import annotations

import re
from operator import methodcaller
from pathlib import Path

from sqlalchemy.dialects import mysql

import rowstamp
from rowstamp.engines import (
    dialects_without_partial_indexes,
    neutral_dialect,
    portable_identifier_limit,
    type_variants,
)

SRC = Path(rowstamp.__file__).parent
_ASKS_DIALECT = re.compile(r"dialect\.name\b|is_mariadb")


def test_no_feature_compares_dialect_names() -> None:
    outside = [p for p in SRC.rglob("*.py") if "engines" not in p.relative_to(SRC).parts]
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in outside
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _ASKS_DIALECT.search(line)
    ]
    assert found == [], "ask rowstamp.engines.for_dialect() instead:\n" + "\n".join(found)


def test_mysql_and_mariadb_share_one_type_variant() -> None:
    variants = type_variants(methodcaller("timestamp_type"))
    assert [(type(t), repr(t), names) for t, names in variants] == [
        (mysql.DATETIME, "DATETIME(fsp=6)", ("mysql", "mariadb"))
    ]
    strings = type_variants(methodcaller("unsized_string_type"))
    assert [(repr(t), names) for t, names in strings] == [
        ("VARCHAR(length=255)", ("mysql", "mariadb"))
    ]


def test_registry_answers_what_features_used_to_hard_code() -> None:
    assert neutral_dialect().name == "postgresql"  # squawk reads PostgreSQL only
    assert portable_identifier_limit() == 63  # PostgreSQL's, the shortest
    assert sorted(dialects_without_partial_indexes()) == ["mariadb", "mysql"]
