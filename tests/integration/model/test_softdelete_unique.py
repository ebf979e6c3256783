"""Uniqueness among live rows: ``unique_among_active("email")`` on every engine.

A soft-deleted account's email can be registered again; two active accounts with
the same email cannot. Autogenerate writes the index into a migration, and after
the upgrade it finds nothing left to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.schema import CreateIndex, DropIndex

from rowstamp.errors import UnsupportedEngineError
from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from rowstamp.model.softdelete import enable_soft_delete, restore, soft_delete, unique_among_active
from tests.helpers import catalog, run_ops
from tests.project import REPO, Project

GOLDEN = REPO / "tests" / "golden"
DIALECTS: dict[str, Dialect] = {
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "sqlite": sqlite.dialect(),
    "mysql": mysql.dialect(is_mariadb=True),
}

ACCOUNTS = '''
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from rowstamp.model.softdelete import unique_among_active


class Account(Base):
    """Email is unique among active accounts."""

    __tablename__ = "accounts"
    __table_args__ = (unique_among_active("email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
'''


class Base(MetadataColumns, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    """The same model as ``ACCOUNTS``, for the ORM side of the tests."""

    __tablename__ = "accounts"
    __table_args__ = (unique_among_active("email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255))


class Membership(Base):
    """A composite key and an explicit name."""

    __tablename__ = "memberships"
    __table_args__ = (unique_among_active("org", "member", name="uq_one_live_membership"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org: Mapped[str] = mapped_column(String(50))
    member: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    Base.metadata.create_all(db_engine)
    factory = sessionmaker(db_engine, expire_on_commit=False)
    enable_soft_delete(factory)
    yield factory


def _add(factory: sessionmaker[Session], email: str) -> Account:
    with factory.begin() as session:
        account = Account(email=email)
        session.add(account)
    return account


def _unique_index(model: type[Base]) -> Index:
    table: Table = model.__table__  # type: ignore[assignment]
    [index] = [i for i in table.indexes if i.unique]
    return index


def test_index_name_and_columns() -> None:
    index = _unique_index(Account)
    assert index.name == "uq_accounts_email_active"
    assert [c.name for c in index.columns] == ["email"]
    named = _unique_index(Membership)
    assert named.name == "uq_one_live_membership"
    assert [c.name for c in named.columns] == ["org", "member"]


def test_two_active_rows_with_the_same_email_fail(factory: sessionmaker[Session]) -> None:
    _add(factory, "a@example.com")
    with pytest.raises(IntegrityError):
        _add(factory, "a@example.com")


def test_an_email_can_be_reused_after_a_soft_delete(factory: sessionmaker[Session]) -> None:
    first = _add(factory, "a@example.com")
    with factory.begin() as session:
        soft_delete(session, first)
    second = _add(factory, "a@example.com")
    with factory.begin() as session:  # a second soft-deleted copy is fine too
        soft_delete(session, second)
    _add(factory, "a@example.com")
    with factory() as session:
        emails = session.scalars(select(Account.email).execution_options(include_inactive=True))
        assert list(emails) == ["a@example.com"] * 3
    # restoring a deleted copy while another is active breaks the rule: refused
    with pytest.raises(IntegrityError), factory.begin() as session:
        restore(session, first)


def test_composite_keys_count_only_active_rows(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        session.add_all([Membership(org="o", member="m"), Membership(org="o", member="n")])
    with pytest.raises(IntegrityError), factory.begin() as session:
        session.add(Membership(org="o", member="m"))
    with factory.begin() as session:
        member = session.scalars(select(Membership).where(Membership.member == "m")).one()
        soft_delete(session, member)
        session.flush()
        session.add(Membership(org="o", member="m"))


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
def test_index_sql_is_pinned(dialect_name: str) -> None:
    """Migrations are history: what ``op.create_index``/``op.drop_index`` of this
    index run on each engine must not change (ROWSTAMP_UPDATE_GOLDEN=1 records it)."""
    dialect = DIALECTS[dialect_name]
    index = _unique_index(Membership)
    sql = ";\n".join(str(ddl(index).compile(dialect=dialect)) for ddl in (CreateIndex, DropIndex))
    path = GOLDEN / dialect_name / "unique_among_active.sql"
    if os.environ.get("ROWSTAMP_UPDATE_GOLDEN"):
        path.write_text(sql + ";\n", encoding="utf-8")
    assert sql + ";\n" == path.read_text(encoding="utf-8")


def test_mariadb_recreates_its_reflected_form_as_the_emulation() -> None:
    """A migration autogenerated on MariaDB re-creates the index from reflection:
    ``op.create_index('uq_x', 't', ['email', 'uq_x'], unique=True)`` must bring the
    key column back too (a downgrade after the index's columns changed does that)."""
    table = Table("t", MetaData(), Column("email", String(9)), Column("uq_x", Integer))
    reflected = Index("uq_x", table.c.email, table.c.uq_x, unique=True)
    sql = str(CreateIndex(reflected).compile(dialect=DIALECTS["mysql"]))
    assert sql == (
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS uq_x TINYINT AS (CASE WHEN is_active THEN 1 END) "
        "VIRTUAL INVISIBLE, ADD UNIQUE INDEX uq_x (email, uq_x)"
    )
    plain = Index("ix_t_email", table.c.email, unique=True)
    assert str(CreateIndex(plain).compile(dialect=DIALECTS["mysql"])).startswith("CREATE UNIQUE")
    assert str(CreateIndex(reflected).compile(dialect=mysql.dialect())).startswith("CREATE UNIQUE")


def test_mysql_is_refused_in_one_line() -> None:
    with pytest.raises(UnsupportedEngineError, match="MySQL cannot enforce"):
        CreateIndex(_unique_index(Account)).compile(dialect=mysql.dialect())


def test_autogenerate_writes_the_index_and_then_finds_nothing(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    project.add_model("account", ACCOUNTS)
    engine = create_engine(db_url)
    empty = catalog(engine)

    project.alembic("revision", "--autogenerate", "-m", "Create users and accounts tables")
    [migration] = project.versions()
    source = migration.read_text(encoding="utf-8")
    assert "op.create_index(" in source and "'uq_accounts_email_active'" in source
    assert "postgresql_where=sa.text('is_active')" in source
    assert "sqlite_where=sa.text('is_active')" in source

    project.alembic("upgrade", "head")
    assert "No new upgrade operations detected" in project.alembic("check").output
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (email) VALUES ('a@example.com')"))
        conn.execute(text("UPDATE accounts SET is_active = false"))
        conn.execute(text("INSERT INTO accounts (email) VALUES ('a@example.com')"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (email) VALUES ('a@example.com')"))

    project.alembic("downgrade", "base")
    assert catalog(engine, version_table=False) == empty
    engine.dispose()


def _schema(engine: Engine) -> tuple[set[tuple[str, str]], set[str], set[tuple[Any, ...]]]:
    """Catalog objects, the accounts columns and its indexes (name, columns, unique)."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        columns = {c["name"] for c in inspector.get_columns("accounts")}
        indexes = {
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes("accounts")
        }
    return catalog(engine), columns, indexes


def test_the_index_can_be_added_changed_and_removed_on_an_existing_table(
    db_url: URL, tmp_path: Path
) -> None:
    """Each step autogenerates, upgrades to a clean ``alembic check``, and downgrades back."""
    project = Project.copy(tmp_path / "project", db_url)
    plain = ACCOUNTS.replace('    __table_args__ = (unique_among_active("email"),)\n', "")
    wider = ACCOUNTS.replace(
        'unique_among_active("email")',
        'unique_among_active("email", "id", name="uq_accounts_email_active")',
    )
    engine = create_engine(db_url)
    schemas = []
    for step, (source, message) in enumerate(
        [
            (plain, "Create users and accounts tables"),
            (ACCOUNTS, "Make account emails unique when active"),
            (wider, "Widen the unique email index"),
            (plain, "Drop the unique email index"),
        ]
    ):
        project.add_model("account", source)
        project.alembic("revision", "--autogenerate", "-m", message)
        project.alembic("upgrade", "head")
        assert "No new upgrade operations detected" in project.alembic("check").output, step
        schemas.append(_schema(engine))
        if step > 0:
            project.alembic("downgrade", "-1")
            assert _schema(engine) == schemas[step - 1], step
            project.alembic("upgrade", "head")

    [added] = [p for p in project.versions() if p.name.endswith("_when_active.py")]
    source = added.read_text(encoding="utf-8")
    assert "create_index(" in source and "sqlite_where=sa.text('is_active')" in source
    assert schemas[3] == schemas[0]  # nothing of the index (or its emulation) is left
    assert not any(name.startswith("uq_") for name in schemas[3][1])
    project.alembic("downgrade", "base")
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_sqlite_batch_recreate_keeps_the_index_partial(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    """Alembic's batch mode copies the table; the copy must keep ``WHERE is_active``."""

    def recreate(op: Any) -> None:
        with op.batch_alter_table("accounts", recreate="always") as batch:
            batch.add_column(Column("nickname", String(50)))

    run_ops(db_engine, recreate)
    with db_engine.connect() as conn:
        sql = conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": "uq_accounts_email_active"}
        )
    assert sql is not None and sql.rstrip().endswith("WHERE is_active")
    first = _add(factory, "a@example.com")
    with factory.begin() as session:
        soft_delete(session, first)
    _add(factory, "a@example.com")
