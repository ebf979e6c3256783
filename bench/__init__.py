"""Benchmarks of rowstamp against plain Alembic and its peers; run them with `make bench`."""
