"""Migration tests for projects that use rowstamp: one module per check, the runner that
runs them on scratch databases of each engine, ``rowstamp test``, the pytest plugin, the
per-project settings of the checks in alembic.ini, and the real database servers the
checks (and rowstamp's own suite) start on demand."""
