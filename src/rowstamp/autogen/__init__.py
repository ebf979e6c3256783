"""The ``updated_at`` trigger as Alembic operations, in Alembic's own four parts.

``ops`` (operations with ``reverse()``), ``impl`` (what they run), ``render``
(what autogenerate writes) and ``compare`` (what autogenerate detects, loaded by
Alembic as the ``rowstamp.updated_at`` plugin). This package imports nothing on
its own, because Alembic loads ``compare`` while it is still importing itself;
``rowstamp.runtime.env`` imports ``impl`` and ``render`` to register them.
"""
