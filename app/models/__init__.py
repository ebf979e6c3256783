"""Every module in this package is imported here, so a new model file is picked up
by autogenerate without editing ``alembic/env.py`` or any list."""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
