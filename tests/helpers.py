"""Small helpers shared by the tests: run operations, read timestamps, list catalog objects."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

import rowstamp.autogen.impl  # noqa: F401 - registers the trigger operations
from rowstamp.engines import for_dialect

if TYPE_CHECKING:
    from tests.project import Project

BIN = Path(sys.executable).parent
"""The running environment's scripts folder (``rowstamp``, ``alembic``, ``squawk``)."""


def interruptible() -> None:
    """``preexec_fn`` of a child the test will Ctrl-C: SIGINT as a terminal gives it.

    A shell that starts a job in the background without job control (as CI may run
    the suite) makes its children ignore SIGINT, and Python then installs no
    KeyboardInterrupt handler: the child would never see the Ctrl-C the test sends.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_ops(engine: Engine, fn: Callable[[Operations], None]) -> None:
    """Run Alembic operations on ``engine`` in one transaction, as a migration would."""
    with engine.begin() as connection:
        fn(Operations(MigrationContext.configure(connection)))


def catalog(engine: Engine, *, version_table: bool = True) -> set[tuple[str, str]]:
    """The (kind, name) objects in the database, columns and constraints included;
    without ``alembic_version`` on request."""
    with engine.connect() as connection:
        objects = set(for_dialect(connection.dialect).catalog_objects(connection))
    return objects if version_table else without_version_table(objects)


def without_version_table(objects: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """``objects`` without Alembic's own version table and rowstamp's ledger (and what
    belongs to them: columns, constraints, the ledger's id sequence)."""
    return {o for o in objects if not any(t in o[1] for t in ROWSTAMP_TABLES)}


ROWSTAMP_TABLES = ("alembic_version", "rowstamp_history")
"""Tables every run keeps whatever the models: Alembic's version table and the ledger."""


def timestamps(engine: Engine, table: str, where: str = "1=1") -> tuple[datetime, datetime]:
    """(created_at, updated_at) of one row, through the ORM type so both are aware UTC."""
    from sqlalchemy import column, select
    from sqlalchemy import table as table_

    from rowstamp.model.types import UTCDateTime

    t = table_(table, column("created_at", UTCDateTime()), column("updated_at", UTCDateTime()))
    with engine.connect() as connection:
        row = connection.execute(select(t.c.created_at, t.c.updated_at).where(text(where))).one()
    return row[0], row[1]


REVISION = '''"""{message}"""

import os
import time

import sqlalchemy as sa
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def write_revision(
    project: Project, rev: str, down: str | None, upgrade: str, downgrade: str
) -> None:
    (project.root / "alembic" / "versions" / f"{rev}_{rev}.py").write_text(
        REVISION.format(
            message=f"Step {rev}", rev=rev, down=down, upgrade=upgrade, downgrade=downgrade
        ),
        encoding="utf-8",
    )


def simple_chain(project: Project) -> None:
    write_revision(
        project,
        "b1",
        None,
        "    op.create_table('things', sa.Column('id', sa.Integer, primary_key=True))",
        "    op.drop_table('things')",
    )
    write_revision(
        project,
        "b2",
        "b1",
        "    op.add_column('things', sa.Column('label', sa.String(20)))",
        "    op.drop_column('things', 'label')",
    )


# A third revision for the failure and ledger scenarios: a table and its index.
CREATE_T3 = (
    "    op.create_table('t3', sa.Column('id', sa.Integer, primary_key=True),\n"
    "                    sa.Column('name', sa.String(20)))\n"
    "    op.create_index('ix_t3_name', 't3', ['name'])\n"
)
DROP_T3 = "    op.drop_index('ix_t3_name', 't3')\n    op.drop_table('t3')"
SLEEP = (  # once: the mark tells the test the DDL is done; a rerun does not wait
    "    if not os.path.exists(os.environ['MARK']):\n"
    "        open(os.environ['MARK'], 'w').close()\n"
    "        time.sleep(60)\n"
)
