"""Soft delete on real engines: hidden from ORM loads, shown on request, Core untouched.

The example models live here, not in ``app/models``: a blog whose authors and posts
inherit the metadata columns, plus a tag table without them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import (
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    aliased,
    joinedload,
    mapped_column,
    relationship,
    scoped_session,
    selectinload,
    sessionmaker,
)

from rowstamp.model.columns import NAMING_CONVENTION, MetadataColumns
from rowstamp.model.softdelete import (
    INCLUDE_INACTIVE,
    NotSoftDeletableError,
    enable_soft_delete,
    restore,
    restore_where,
    soft_delete,
    soft_delete_where,
)
from tests.helpers import run_ops

SHOW = {INCLUDE_INACTIVE: True}


class Base(MetadataColumns, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Plain(DeclarativeBase):
    """A model without the metadata columns: soft delete does not apply to it."""


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    posts: Mapped[list[Post]] = relationship(back_populates="author", order_by="Post.id")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="posts")


class Tag(Plain):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


@pytest.fixture
def factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory with the filter on, over a blog of one author and three posts."""
    Base.metadata.create_all(db_engine)
    Plain.metadata.create_all(db_engine)
    for table in ("authors", "posts"):
        run_ops(db_engine, lambda op, t=table: op.create_updated_at_trigger(t, version=1))  # type: ignore[misc]
    factory = sessionmaker(db_engine, expire_on_commit=False)
    enable_soft_delete(factory)
    with factory.begin() as session:
        ada = Author(name="ada")
        session.add_all([Post(title=t, author=ada) for t in ("p1", "p2", "p3")])
    yield factory


def _soft_delete_post(factory: sessionmaker[Session], title: str) -> None:
    with factory.begin() as session:
        soft_delete(session, session.scalars(select(Post).where(Post.title == title)).one())


def _titles(posts: list[Post]) -> list[str]:
    return [p.title for p in posts]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_every_new_factory_gets_the_filter(factory: sessionmaker[Session]) -> None:
    """SQLAlchemy's event registry is keyed by id(): a new factory that reuses a
    collected one's id must still get the filter, not be taken as enabled."""
    _soft_delete_post(factory, "p2")
    engine = factory.kw["bind"]
    for attempt in range(100):
        fresh = sessionmaker(engine)
        enable_soft_delete(fresh)
        with fresh() as session:
            titles = _titles(list(session.scalars(select(Post).order_by(Post.id))))
        assert titles == ["p1", "p3"], f"factory {attempt} shows inactive rows"
        del fresh, session
        # generations 0 and 1 free the factory (ids reused in ~3 of 4 attempts) without
        # a full collection, which takes most of a second in a worker late in the suite
        gc.collect(1)


def test_soft_delete_hides_the_row_and_restore_brings_it_back(
    factory: sessionmaker[Session],
) -> None:
    _soft_delete_post(factory, "p2")
    with factory() as session:
        assert _titles(list(session.scalars(select(Post).order_by(Post.id)))) == ["p1", "p3"]
        assert session.scalar(select(func.count()).select_from(Post)) == 2
        hidden = session.scalars(select(Post).where(Post.title == "p2")).one_or_none()
        assert hidden is None
    with factory.begin() as session:
        post = session.scalars(select(Post).where(Post.title == "p2").execution_options(**SHOW))
        restore(session, post.one())
    with factory() as session:
        assert _titles(list(session.scalars(select(Post).order_by(Post.id)))) == ["p1", "p2", "p3"]


def test_the_row_is_still_in_the_table(factory: sessionmaker[Session], db_engine: Engine) -> None:
    _soft_delete_post(factory, "p2")
    with db_engine.connect() as connection:
        rows = connection.execute(text("SELECT title, is_active FROM posts ORDER BY id")).all()
    assert [(title, bool(active)) for title, active in rows] == [
        ("p1", True),
        ("p2", False),
        ("p3", True),
    ]


def test_session_get_hides_inactive_unless_asked(factory: sessionmaker[Session]) -> None:
    _soft_delete_post(factory, "p2")
    with factory() as session:
        assert session.get(Post, 2) is None
        post = session.get(Post, 2, execution_options=SHOW)
        assert post is not None and post.title == "p2" and post.is_active is False


@pytest.mark.parametrize("loader", ["lazy", "joined", "selectin"])
def test_relationship_loads_hide_inactive(factory: sessionmaker[Session], loader: str) -> None:
    _soft_delete_post(factory, "p2")
    options = {
        "lazy": [],
        "joined": [joinedload(Author.posts)],
        "selectin": [selectinload(Author.posts)],
    }[loader]
    with factory() as session:
        ada = session.scalars(select(Author).options(*options)).unique().one()
        assert _titles(ada.posts) == ["p1", "p3"]
    with factory() as session:
        shown = session.scalars(select(Author).options(*options).execution_options(**SHOW))
        assert _titles(shown.unique().one().posts) == ["p1", "p2", "p3"]


def test_many_to_one_to_an_inactive_parent_is_none(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        soft_delete(session, session.scalars(select(Author)).one())
    with factory() as session:
        post = session.scalars(select(Post).where(Post.title == "p1")).one()
        assert post.author is None
    with factory() as session:
        post = session.scalars(select(Post).where(Post.title == "p1").execution_options(**SHOW))
        assert post.one().author.name == "ada"


def test_joins_and_aliases_are_filtered(factory: sessionmaker[Session]) -> None:
    _soft_delete_post(factory, "p2")
    with factory() as session:
        joined = select(Author.name, Post.title).join(Author.posts).order_by(Post.id)
        assert session.execute(joined).all() == [("ada", "p1"), ("ada", "p3")]
        other = aliased(Post)
        assert session.scalar(select(func.count(other.id))) == 2
        assert session.query(Post).count() == 2  # the legacy Query API too


def test_relationships_of_objects_made_in_the_session_are_filtered(
    factory: sessionmaker[Session],
) -> None:
    with factory.begin() as session:
        bob = Author(name="bob", posts=[Post(title="b1"), Post(title="b2")])
        session.add(bob)
        session.flush()
        soft_delete(session, bob.posts[0])
    with factory() as session:
        bob = session.scalars(select(Author).where(Author.name == "bob")).one()
        assert _titles(bob.posts) == ["b2"]


def test_core_statements_and_raw_sql_are_untouched(factory: sessionmaker[Session]) -> None:
    _soft_delete_post(factory, "p2")
    posts = Post.__table__
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(posts)) == 3
        assert session.scalar(text("SELECT count(*) FROM posts")) == 3


def test_reading_a_just_soft_deleted_object_still_works(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        post = session.scalars(select(Post).where(Post.title == "p1")).one()
        before = post.updated_at
        time.sleep(0.01)
        soft_delete(session, post)
        session.commit()  # the factory keeps attributes after commit: no expire_on_commit
        assert post.is_active is False
        assert post.updated_at > before


def test_soft_delete_bumps_updated_at_through_the_trigger(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    def stamps() -> dict[str, tuple[object, object]]:
        with factory() as session:
            rows = session.execute(
                select(Post.title, Post.created_at, Post.updated_at).execution_options(**SHOW)
            )
            return {title: (created, updated) for title, created, updated in rows}

    before = stamps()
    time.sleep(0.01)
    _soft_delete_post(factory, "p2")
    after = stamps()
    assert after["p2"][0] == before["p2"][0]
    assert after["p2"][1] > before["p2"][1]  # type: ignore[operator]
    assert after["p1"] == before["p1"]


def test_bulk_soft_delete_and_restore(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        loaded = session.scalars(select(Post).where(Post.title == "p1")).one()
        assert soft_delete_where(session, Post, Post.title.in_(["p1", "p2"])) == 2
        assert loaded.is_active is False  # objects in the session are synchronised
        # already-inactive rows are not counted (nor their updated_at touched)
        assert soft_delete_where(session, Post, Post.title.in_(["p1", "p2"])) == 0
    with factory() as session:
        assert _titles(list(session.scalars(select(Post)))) == ["p3"]
    with factory.begin() as session:
        assert restore_where(session, Post, Post.title == "p1") == 1
    with factory() as session:
        assert _titles(list(session.scalars(select(Post).order_by(Post.id)))) == ["p1", "p3"]


def test_session_delete_is_a_real_delete_by_default(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    with factory.begin() as session:
        session.delete(session.scalars(select(Post).where(Post.title == "p3")).one())
    with db_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM posts")) == 2


def test_delete_means_soft_delete_when_the_project_opts_in(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    enable_soft_delete(factory, delete_means_soft_delete=True)
    with factory.begin() as session:
        session.delete(session.scalars(select(Post).where(Post.title == "p3")).one())
        session.add(Tag(id=1))
    with factory.begin() as session:
        session.delete(session.get(Tag, 1))  # no is_active: really deleted
    with db_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM posts")) == 3
        assert connection.scalar(text("SELECT count(*) FROM tags")) == 0
    with factory() as session:
        assert _titles(list(session.scalars(select(Post).order_by(Post.id)))) == ["p1", "p2"]
    enable_soft_delete(factory, delete_means_soft_delete=False)
    with factory.begin() as session:
        session.delete(session.scalars(select(Post).where(Post.title == "p1")).one())
    with db_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM posts")) == 2


def test_bulk_orm_delete_means_soft_delete_too_but_core_deletes_delete(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    enable_soft_delete(factory, delete_means_soft_delete=True)
    with factory.begin() as session:
        loaded = session.scalars(select(Post).where(Post.title == "p1")).one()
        result = session.execute(delete(Post).where(Post.title.in_(["p1", "p2"])))
        assert result.rowcount == 2  # type: ignore[attr-defined]
        assert loaded.is_active is False
        posts: Table = Post.__table__  # type: ignore[assignment]
        session.execute(delete(posts).where(posts.c.title == "p3"))
    with db_engine.connect() as connection:
        rows = connection.execute(text("SELECT title, is_active FROM posts ORDER BY id")).all()
    assert [(title, bool(active)) for title, active in rows] == [("p1", False), ("p2", False)]
    enable_soft_delete(factory, delete_means_soft_delete=False)
    with factory.begin() as session:
        session.execute(delete(Post).where(Post.title == "p1"))
    with db_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM posts")) == 1


def test_sessions_without_the_filter_see_everything(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    _soft_delete_post(factory, "p2")
    with Session(db_engine) as session:
        assert len(session.scalars(select(Post)).all()) == 3


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_objects_without_the_flag_are_refused(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        with pytest.raises(NotSoftDeletableError, match="Tag has no is_active"):
            soft_delete(session, Tag(id=1))  # type: ignore[arg-type]
        with pytest.raises(NotSoftDeletableError, match="Tag has no is_active"):
            soft_delete_where(session, Tag)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_scoped_sessions_and_session_classes_can_be_enabled(
    factory: sessionmaker[Session], db_engine: Engine
) -> None:
    _soft_delete_post(factory, "p2")
    scoped = scoped_session(sessionmaker(db_engine))
    enable_soft_delete(scoped)
    assert len(scoped.scalars(select(Post)).all()) == 2
    scoped.remove()

    class AppSession(Session):
        pass

    enable_soft_delete(AppSession)
    enable_soft_delete(AppSession)  # a second call adds nothing
    with AppSession(db_engine) as app_session:
        assert len(app_session.scalars(select(Post)).all()) == 2
    with Session(db_engine) as plain_session:
        assert len(plain_session.scalars(select(Post)).all()) == 3
