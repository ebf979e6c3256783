"""The facts a ledger row records about the run (``runtime/ledger_run.run_facts``)."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from rowstamp.runtime.ledger_run import run_facts


def test_the_versions_recorded_are_the_installed_packages(tmp_path: Path) -> None:
    """``run_facts`` reads ``__version__`` (``importlib.metadata`` costs tens of ms a
    run): it must be what the installed distribution says, or the ledger lies."""
    (tmp_path / "versions").mkdir()
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        facts = run_facts(engine, ScriptDirectory(str(tmp_path)))
    finally:
        engine.dispose()
    assert facts["rowstamp_version"] == version("rowstamp")
    assert facts["alembic_version"] == version("alembic")


def test_an_entry_is_built_from_a_row_in_the_tables_column_order() -> None:
    """``Ledger.entries`` builds each ``Entry`` from the row's values by position."""
    from dataclasses import fields

    from rowstamp.history.ledger import Entry, Ledger

    assert [c.name for c in Ledger().table.columns] == [f.name for f in fields(Entry)]
