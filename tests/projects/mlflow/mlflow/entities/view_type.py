"""Trimmed: without the protobuf conversions (see PROVENANCE.md)."""


class ViewType:
    """Enum to filter requested experiment types."""

    ACTIVE_ONLY, DELETED_ONLY, ALL = range(1, 4)
