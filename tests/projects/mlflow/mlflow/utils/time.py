"""Trimmed: only ``get_current_time_millis`` (see PROVENANCE.md)."""

import time


def get_current_time_millis():
    """
    Returns the time in milliseconds since the epoch as an integer number.
    """
    return int(time.time() * 1000)
