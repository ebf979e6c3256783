"""Broken example migrations for ``tests/test_migration_checks.py``: each breaks one check."""
