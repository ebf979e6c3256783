"""An adopted project's pieces for ``tests/integration/testing/test_adopted_history.py``:
its own history (created by ``create_all``, old messages, a leftover view) and
rowstamp's retrofit after the baseline."""
