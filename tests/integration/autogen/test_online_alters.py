"""Autogenerate on MariaDB pins each change to a table that holds rows to an online
algorithm (``op.online_alter``), leaves a change that copies the table plain (the
``table-copy`` lint still warns about it), and the file runs up, down and up again.
On SQLite and PostgreSQL nothing changes in what autogenerate writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tests.project import Project, migration_body

ITEM = """
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Shelf(Base):
    __tablename__ = "shelves"

    id: Mapped[int] = mapped_column(primary_key=True)


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(10))
    label: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[int | None] = mapped_column(Integer)
    old: Mapped[str | None] = mapped_column(String(20), index=True)
"""

ITEM_V2 = """
from sqlalchemy import ForeignKey, Integer, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Shelf(Base):
    __tablename__ = "shelves"

    id: Mapped[int] = mapped_column(primary_key=True)


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40), index=True, server_default="none")
    score: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(50))
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("shelves.id"))
"""

INSTANT = "with op.online_alter(algorithm='INSTANT'):"
INPLACE = "with op.online_alter(algorithm='INPLACE', lock='NONE'):"


def _generate(project: Project, message: str) -> str:
    before = set(project.versions())
    project.alembic("revision", "--autogenerate", "-m", message)
    [new] = set(project.versions()) - before
    return migration_body(new)


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_changes_to_a_populated_table_are_pinned_online(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("item", ITEM)
    first = _generate(project, "Create items")
    assert "online_alter" not in first  # new tables hold no rows: plain forms
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO items (id, code, label, score) VALUES (1, 'a', NULL, 2)")
            )
        project.add_model("item", ITEM_V2)
        check = project.alembic("check", check=False)
        assert check.returncode != 0
        assert "New upgrade operations detected: [('add_column', None, 'items'" in check.output
        body = _generate(project, "Change items")
        upgrade, downgrade = body.split("def downgrade")

        assert upgrade.count(INSTANT) == 1  # add note and shelf_id
        assert upgrade.count(INPLACE) == 4  # code, label NOT NULL; drop ix_items_old; old; index
        lines = [line.strip() for line in upgrade.splitlines()]
        instant = lines.index(INSTANT)
        assert lines[instant + 1] == "with op.batch_alter_table('items', schema=None) as batch_op:"
        assert lines[instant + 2].startswith("batch_op.add_column(sa.Column('note'")
        # what copies the table stays plain: the type change
        plain_type = next(i for i, line in enumerate(lines) if "alter_column('score'" in line)
        assert lines[plain_type - 1] == (
            "with op.batch_alter_table('items', schema=None) as batch_op:"
        )
        # the foreign key is added in place with its rows checked apart, after the batch
        # that adds its column, at the top level (it sets foreign_key_checks itself)
        assert "create_foreign_key(" not in upgrade.replace("create_foreign_key_online(", "")
        online_fk = lines.index(
            "op.create_foreign_key_online(op.f('fk_items_shelf_id_shelves'), 'items', 'shelves', "
            "['shelf_id'], ['id'])"
        )
        assert instant < online_fk
        fk_drop = (
            "batch_op.drop_constraint(batch_op.f('fk_items_shelf_id_shelves'), type_='foreignkey')"
        )
        assert fk_drop in downgrade
        assert INPLACE in downgrade and INSTANT in downgrade

        project.alembic("upgrade", "head")
        with engine.connect() as conn:
            columns = {c["name"]: c for c in inspect(conn).get_columns("items")}
            assert columns["label"]["nullable"] is False
            assert conn.execute(text("SELECT label FROM items")).scalar() == "none"
        lint = project.run("rowstamp", "lint", check=False)
        assert "table-copy" in lint.output  # the plain BIGINT still warns
        assert lint.output.count("table-copy") == 1, lint.output
        assert "create_foreign_key_online" not in lint.output
        project.alembic("downgrade", "-1")
        project.alembic("upgrade", "head")
        assert "please adjust! ###\n    pass\n" in _generate(project, "Nothing")
        # dropping the key: its downgrade adds it back online, and runs
        project.alembic("upgrade", "head")  # the empty "Nothing" revision
        project.add_model("item", ITEM_V2.replace('ForeignKey("shelves.id")', "Integer"))
        dropped = _generate(project, "Drop the shelf key")
        assert "create_foreign_key_online" not in dropped.split("def downgrade")[0]
        assert (
            "op.create_foreign_key_online(op.f('fk_items_shelf_id_shelves'), 'items', "
            "'shelves', ['shelf_id'], ['id'])"
        ) in dropped.split("def downgrade")[1]
        project.alembic("upgrade", "head")
        project.alembic("downgrade", "-1")
        with engine.connect() as conn:
            [key] = inspect(conn).get_foreign_keys("items")
        assert key["name"] == "fk_items_shelf_id_shelves"
    finally:
        engine.dispose()


REFUSED = """
from alembic import op

revision = "b2"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.online_alter(algorithm="INSTANT"):
        op.create_index("ix_users_email_name", "users", ["email", "name"])


def downgrade() -> None:
    op.drop_index("ix_users_email_name", table_name="users")
"""


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_a_change_the_server_cannot_make_online_stops_the_run_in_one_line(
    db_url: URL, tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    [first] = project.versions()
    down = first.name.partition("_")[0]
    (first.parent / "b2_index.py").write_text(REFUSED.format(down=down), encoding="utf-8")
    result = project.run("rowstamp", "upgrade", "--no-report", check=False)
    assert result.returncode != 0
    [line] = [line for line in result.output.splitlines() if "error" in line]
    assert "Traceback" not in result.output
    assert line.startswith(
        "rowstamp: error: upgrade of revision b2 () failed: MariaDB refused "
        "`CREATE INDEX ix_users_email_name ON users (email, name) ALGORITHM=INSTANT` (1846: "
    ), line
    assert "it failed at once, without copying the table or changing it" in line
    assert f"the database is at {down}; fix it, then continue with: alembic upgrade head" in line


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)
def test_other_engines_get_no_online_blocks(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("item", ITEM)
    _generate(project, "Create items")
    project.alembic("upgrade", "head")
    project.add_model("item", ITEM_V2)
    assert "online_alter" not in _generate(project, "Change items")


ONLINE_FK = """
from alembic import op

revision = "b3"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_foreign_key_online("fk_child_parent", "child", "parent", ["parent_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_child_parent", "child", type_="foreignkey")
"""


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_rows_that_break_an_online_foreign_key_stop_the_upgrade_in_one_line(
    db_url: URL, tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url, history=True)
    [first] = project.versions()
    down = first.name.partition("_")[0]
    project.alembic("upgrade", "head")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE parent (id INT PRIMARY KEY)"))
            conn.execute(text("CREATE TABLE child (id INT PRIMARY KEY, parent_id INT)"))
            conn.execute(text("INSERT INTO parent VALUES (1)"))
            conn.execute(text("INSERT INTO child VALUES (1, 1), (2, 5)"))
        (first.parent / "b3_fk.py").write_text(ONLINE_FK.format(down=down), encoding="utf-8")
        lint = project.run("rowstamp", "lint", "--no-squawk", check=False)
        assert "table-copy" not in lint.output, lint.output
        result = project.run("rowstamp", "upgrade", "--no-report", check=False)
        assert result.returncode != 0
        assert "Traceback" not in result.output
        [line] = [line for line in result.output.splitlines() if "error" in line]
        assert line.startswith(
            "rowstamp: error: upgrade of revision b3 () failed: foreign key fk_child_parent "
            "does not hold for the rows already in child: some have a parent_id that no "
            "parent row has in id (for example parent_id=5); rowstamp dropped "
            "fk_child_parent again and the index the server made for it"
        ), line
        assert f"the database is at {down}; fix it, then continue with: alembic upgrade" in line
        with engine.begin() as conn:
            assert not inspect(conn).get_foreign_keys("child")
            conn.execute(text("DELETE FROM child WHERE id = 2"))
        project.run("rowstamp", "upgrade", "--no-report")
        with engine.connect() as conn:
            [key] = inspect(conn).get_foreign_keys("child")
        assert key["name"] == "fk_child_parent"
    finally:
        engine.dispose()
