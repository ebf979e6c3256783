"""MySQL's and MariaDB's catalog for the migration checks (``catalog``): three queries
on ``information_schema``, all in the connection's current database.

Objects: tables, views (definition), indexes (their columns in order, prefix lengths,
``DESC``, unique or not, type), triggers (timing, event, statement) and routines
(body). Columns of tables (a view's follow its definition): ``COLUMN_TYPE``,
nullability, default, ``EXTRA`` and generation expression. Constraints: primary
key, unique, foreign key (columns, referenced columns, update and delete rules) and
CHECK (its clause). MySQL's ``CHECK_CONSTRAINTS`` has no table column (names are
per database); MariaDB's does (names are per table), so the join is the engine's
(``check_join``).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from rowstamp.engines.catalog import Catalog, CatalogBuilder, column_definition

__all__ = ["CHECK_JOIN_MARIADB", "CHECK_JOIN_MYSQL", "read_catalog"]

_OBJECTS = """
    SELECT LOWER(t.table_type), t.table_name, v.view_definition
    FROM information_schema.TABLES t
    LEFT JOIN information_schema.VIEWS v
      ON v.table_schema = t.table_schema AND v.table_name = t.table_name
    WHERE t.table_schema = DATABASE()
    UNION ALL
    SELECT 'index', CONCAT(table_name, '.', index_name),
           CONCAT(IF(MAX(non_unique) = 0, 'UNIQUE ', ''), MAX(index_type), ' (',
                  GROUP_CONCAT(CONCAT(COALESCE(column_name, '?'),
                                      IF(sub_part IS NULL, '', CONCAT('(', sub_part, ')')),
                                      IF(collation = 'D', ' DESC', ''))
                               ORDER BY seq_in_index SEPARATOR ', '), ')')
    FROM information_schema.STATISTICS WHERE table_schema = DATABASE()
    GROUP BY table_name, index_name
    UNION ALL
    SELECT 'trigger', trigger_name,
           CONCAT(action_timing, ' ', event_manipulation, ' ON ', event_object_table, ' ',
                  action_statement)
    FROM information_schema.TRIGGERS WHERE trigger_schema = DATABASE()
    UNION ALL
    SELECT LOWER(routine_type), routine_name, routine_definition
    FROM information_schema.ROUTINES WHERE routine_schema = DATABASE()
"""

_COLUMNS = text(
    """
    SELECT c.table_name, c.column_name, c.column_type, c.is_nullable, c.column_default,
           c.extra, c.generation_expression
    FROM information_schema.COLUMNS c
    JOIN information_schema.TABLES t
      ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = DATABASE() AND t.table_type <> 'VIEW'
    """
)

_CONSTRAINTS = """
    SELECT tc.table_name, tc.constraint_name, tc.constraint_type, k.columns, k.targets,
           CONCAT('ON UPDATE ', r.update_rule, ' ON DELETE ', r.delete_rule), ch.check_clause
    FROM information_schema.TABLE_CONSTRAINTS tc
    LEFT JOIN (
        SELECT table_name, constraint_name,
               GROUP_CONCAT(column_name ORDER BY ordinal_position SEPARATOR ', ') AS columns,
               GROUP_CONCAT(IF(referenced_table_name IS NULL, NULL,
                               CONCAT(referenced_table_name, '.', referenced_column_name))
                            ORDER BY ordinal_position SEPARATOR ', ') AS targets
        FROM information_schema.KEY_COLUMN_USAGE WHERE constraint_schema = DATABASE()
        GROUP BY table_name, constraint_name
    ) k ON k.table_name = tc.table_name AND k.constraint_name = tc.constraint_name
    LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r
      ON r.constraint_schema = tc.constraint_schema AND r.table_name = tc.table_name
     AND r.constraint_name = tc.constraint_name
    LEFT JOIN information_schema.CHECK_CONSTRAINTS ch
      ON ch.constraint_schema = tc.constraint_schema AND ch.constraint_name = tc.constraint_name
     {check_join}
    WHERE tc.table_schema = DATABASE()
"""
"""Joins, not a subquery per constraint: MariaDB fills an ``information_schema`` table
again for every run of a correlated subquery, opening every table of the database,
so the catalog of 100 tables took 10 s (``rowstamp test``'s stairway reads it at
every step); each table here is filled once."""

CHECK_JOIN_MYSQL = ""
"""MySQL: CHECK constraint names are unique per database."""
CHECK_JOIN_MARIADB = "AND ch.table_name = tc.table_name"
"""MariaDB: CHECK constraint names are per table, and ``CHECK_CONSTRAINTS`` says which."""

_KINDS = {
    "PRIMARY KEY": "primary key",
    "UNIQUE": "unique constraint",
    "FOREIGN KEY": "foreign key",
    "CHECK": "check constraint",
}


def read_catalog(connection: Connection, check_join: str) -> Catalog:
    """The current database's catalog; ``check_join`` is ``CHECK_JOIN_*`` of the engine."""
    catalog = CatalogBuilder()
    for kind, name, definition in connection.execute(text(_OBJECTS)).all():
        catalog.add(str(kind), str(name), definition)
    for table, name, type_, nullable, default, extra, generated in connection.execute(
        _COLUMNS
    ).all():
        extra = f"{extra or ''} {f'AS ({generated})' if generated else ''}"
        definition = column_definition(type_, nullable == "NO", default, extra)
        catalog.add("column", f"{table}.{name}", definition)
    query = text(_CONSTRAINTS.format(check_join=check_join))
    for table, name, kind, columns, targets, rules, clause in connection.execute(query).all():
        if kind == "CHECK":
            definition = f"CHECK ({clause})"
        elif kind == "FOREIGN KEY":
            definition = f"FOREIGN KEY ({columns}) REFERENCES ({targets}) {rules or ''}"
        else:
            definition = f"{kind} ({columns})"
        catalog.add(_KINDS.get(str(kind), str(kind).lower()), f"{table}.{name}", definition)
    return catalog.build()
