"""A migration run freezes the heap it found (``runtime.heap``) and gives the garbage
collector back as it was, also to an in-process caller: from the start of ``env.py``
(so importing the models skips the libraries), and again once the models are in."""

from __future__ import annotations

import gc
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.helpers import write_revision
from tests.project import Project

# The revision notes, in the database, whether the heap was frozen while it ran.
_NOTE_FROZEN = """\
    import gc
    op.create_table('seen', sa.Column('frozen', sa.Integer, primary_key=True))
    op.execute(sa.text(f"INSERT INTO seen (frozen) VALUES ({int(gc.get_freeze_count() > 0)})"))"""


def _project(tmp_path: Path, db_url: URL) -> Project:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(project, "h1", None, _NOTE_FROZEN, "    op.drop_table('seen')")
    return project


def _frozen_during_the_run(db_url: URL) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        frozen = int(conn.execute(text("SELECT frozen FROM seen")).scalar_one())
    engine.dispose()
    return frozen


def test_the_steps_run_with_the_heap_frozen_and_the_caller_gets_it_back(
    db_url: URL, tmp_path: Path
) -> None:
    project = _project(tmp_path, db_url)
    assert gc.get_freeze_count() == 0
    project.alembic("upgrade", "head")
    assert gc.get_freeze_count() == 0  # unfrozen when the run ended
    assert _frozen_during_the_run(db_url) == 1
    project.alembic("downgrade", "base")
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_its_own_heap_keeps_it_frozen(db_url: URL, tmp_path: Path) -> None:
    project = _project(tmp_path, db_url)
    gc.freeze()
    try:
        project.alembic("upgrade", "head")
        assert gc.get_freeze_count() > 0  # still frozen (less what was freed meanwhile)
    finally:
        gc.unfreeze()
    assert _frozen_during_the_run(db_url) == 1


def test_the_models_are_imported_with_the_libraries_frozen(db_url: URL, tmp_path: Path) -> None:
    """A model import that fills the heap collected SQLAlchemy, Alembic and rowstamp again
    on every full collection; the whole of env.py's run is frozen now, the run's steps
    with the models too."""
    project = _project(tmp_path, db_url)
    mark = tmp_path / "frozen-at-model-import"
    models = project.root / "app" / "models" / "__init__.py"
    models.write_text(
        models.read_text(encoding="utf-8")
        + "\nimport gc as _gc\nfrom pathlib import Path as _Path\n\n"
        + f"_Path({str(mark)!r}).write_text(str(_gc.get_freeze_count()))\n",
        encoding="utf-8",
    )
    project.alembic("upgrade", "head")
    assert int(mark.read_text()) > 0  # frozen before the models were imported
    assert _frozen_during_the_run(db_url) == 1
    assert gc.get_freeze_count() == 0  # and all of it given back
