"""rowstamp: the database migration guide as enforced software.

The public API is re-exported lazily so ``rowstamp --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "MetadataColumns",
    "MetadataFields",
    "RowstampError",
    "RowstampSettings",
    "UTCDateTime",
    "enable_soft_delete",
    "load_settings",
    "restore",
    "settings_loader",
    "soft_delete",
    "unique_among_active",
    "utc_now",
]

__version__ = "0.1.0"

_EXPORTS = {
    "MetadataColumns": "rowstamp.columns",
    "MetadataFields": "rowstamp.schemas",
    "RowstampError": "rowstamp.errors",
    "RowstampSettings": "rowstamp.settings",
    "UTCDateTime": "rowstamp.types",
    "enable_soft_delete": "rowstamp.softdelete",
    "restore": "rowstamp.softdelete",
    "soft_delete": "rowstamp.softdelete",
    "unique_among_active": "rowstamp.unique_active",
    "load_settings": "rowstamp.settings",
    "settings_loader": "rowstamp.settings",
    "utc_now": "rowstamp.sql",
}

if TYPE_CHECKING:
    from rowstamp.columns import MetadataColumns
    from rowstamp.errors import RowstampError
    from rowstamp.schemas import MetadataFields
    from rowstamp.settings import RowstampSettings, load_settings, settings_loader
    from rowstamp.softdelete import enable_soft_delete, restore, soft_delete
    from rowstamp.sql import utc_now
    from rowstamp.types import UTCDateTime
    from rowstamp.unique_active import unique_among_active


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rowstamp' has no attribute {name!r}")
