"""rowstamp: the database migration guide as enforced software.

The public API is re-exported lazily so ``rowstamp --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "NAMING_CONVENTION",
    "MetadataColumns",
    "MetadataFields",
    "MetadataSpec",
    "RowstampError",
    "RowstampSettings",
    "UTCDateTime",
    "enable_soft_delete",
    "load_settings",
    "restore",
    "settings_loader",
    "soft_delete",
    "unique_among_active",
    "untouched",
    "utc_now",
]

__version__ = "0.1.0"

_EXPORTS = {
    "NAMING_CONVENTION": "rowstamp.model.columns",
    "MetadataColumns": "rowstamp.model.columns",
    "MetadataFields": "rowstamp.model.schemas",
    "MetadataSpec": "rowstamp.model.columns",
    "RowstampError": "rowstamp.errors",
    "RowstampSettings": "rowstamp.settings",
    "UTCDateTime": "rowstamp.model.types",
    "enable_soft_delete": "rowstamp.model.softdelete",
    "restore": "rowstamp.model.softdelete",
    "soft_delete": "rowstamp.model.softdelete",
    "unique_among_active": "rowstamp.model.unique_active",
    "untouched": "rowstamp.runtime.untouched",
    "load_settings": "rowstamp.settings",
    "settings_loader": "rowstamp.settings",
    "utc_now": "rowstamp.sql",
}

if TYPE_CHECKING:
    from rowstamp.errors import RowstampError
    from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns, MetadataSpec
    from rowstamp.model.schemas import MetadataFields
    from rowstamp.model.softdelete import enable_soft_delete, restore, soft_delete
    from rowstamp.model.types import UTCDateTime
    from rowstamp.model.unique_active import unique_among_active
    from rowstamp.runtime.untouched import untouched
    from rowstamp.settings import RowstampSettings, load_settings, settings_loader
    from rowstamp.sql import utc_now


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rowstamp' has no attribute {name!r}")
