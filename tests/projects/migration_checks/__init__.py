"""Broken example migrations for ``tests/integration/testing/test_migration_checks.py``:
each breaks one check."""
