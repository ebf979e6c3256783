"""rowstamp's Alembic extension, in Alembic's own parts.

``ops`` (operations with ``reverse()``), ``impl`` (what they run), ``render`` (what
autogenerate writes), ``ordering`` (the final pass over a generated migration) and
``retrofit`` (what changes to tables that already hold rows are written as), with
``safe_ddl`` (their safe forms on PostgreSQL: ``safe_ops``, ``safe_render``),
``online`` (``op.online_alter``: MySQL/MariaDB changes pinned to an online algorithm;
``online_fk``: ``op.create_foreign_key_online``, a foreign key added in place)
and ``engine_passes`` (the passes that need the compared database's engine);
the comparators ``compare`` (``updated_at`` triggers), ``unseen`` (what autogenerate
cannot see), ``unique_active`` (MariaDB's emulated index) and ``unique_names`` (an
unnamed UNIQUE keeps the database's name), each an
``alembic.plugins`` entry point. This package imports nothing on its own, because
Alembic loads the comparators while it is still importing itself;
``rowstamp.runtime.env`` imports ``impl`` to register the operations.
"""
