"""``[rowstamp] baseline`` in alembic.ini: where a project's own history ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config

from rowstamp.runtime.config import adoption_baseline


def _config(tmp_path: Path, text: str) -> Config:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = alembic\n\n" + text)
    return Config(str(ini))


def test_the_baseline_is_the_revision_named_in_the_rowstamp_section(tmp_path: Path) -> None:
    config = _config(
        tmp_path, "[rowstamp]\nsettings = app.core.config:get_settings\nbaseline = 1a2b3c4d5e6f \n"
    )
    assert adoption_baseline(config) == "1a2b3c4d5e6f"


@pytest.mark.parametrize(
    "text",
    ["", "[rowstamp]\nsettings = app.core.config:get_settings\n", "[rowstamp]\nbaseline =\n"],
    ids=["no-section", "no-option", "empty"],
)
def test_a_project_that_started_with_rowstamp_has_no_baseline(tmp_path: Path, text: str) -> None:
    assert adoption_baseline(_config(tmp_path, text)) is None
