"""The application's settings: one class, one cached loader, files chosen by ENVIRONMENT."""

from __future__ import annotations

from pathlib import Path

from rowstamp.settings import RowstampSettings, settings_loader

APP_DIR = Path(__file__).resolve().parent.parent


class Settings(RowstampSettings):
    """rowstamp's settings (ENVIRONMENT, DATABASE_URL, DATABASE_TIMESTAMP_UTC) and the app's."""


get_settings = settings_loader(Settings, APP_DIR / "envs", project_root=APP_DIR.parent)
