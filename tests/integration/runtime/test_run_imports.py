"""What ``alembic upgrade`` loads: the parts of rowstamp only a rare path needs (a
failure report, a backup, replaying a migration file for its checksum) load on that
path, not on every run."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.engine import URL

from tests.helpers import simple_chain
from tests.project import Project

RARE = (
    "rowstamp.review.reader",  # replays a file: a checksum not yet known
    "rowstamp.history.checksum_v1",
    "rowstamp.runtime.failure_state",  # what a failed step left
    "rowstamp.runtime.backup",  # a protected environment
)

_UPGRADE = """
import sys
from alembic.config import main
main(["upgrade", "head"])
print("loaded:", ",".join(m for m in {rare!r} if m in sys.modules))
"""


def test_a_run_with_known_checksums_loads_none_of_the_rare_parts(tmp_path: Path) -> None:
    project = Project.copy(
        tmp_path / "project", URL.create("sqlite", database=str(tmp_path / "db"))
    )
    simple_chain(project)
    code = _UPGRADE.format(rare=RARE)
    first = project.run(sys.executable, "-c", code, process=True).stdout
    assert "rowstamp.history.checksum_v1" in first  # a new file's checksum is computed once
    project.alembic("downgrade", "base")
    again = project.run(sys.executable, "-c", code, process=True).stdout
    assert again.strip().endswith("loaded:"), again
