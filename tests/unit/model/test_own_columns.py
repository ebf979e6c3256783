"""A model's own created_at/updated_at/is_active/is_flagged/notes never silently
replaces rowstamp's: the class fails to import in one line unless it says what it wants."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rowstamp.errors import RowstampError
from rowstamp.model.columns import (
    NAMING_CONVENTION,
    MetadataColumns,
    MetadataSpec,
    metadata_columns,
    wants_updated_at_trigger,
)
from rowstamp.model.unique_active import unique_among_active


def _base() -> type[DeclarativeBase]:
    class Base(MetadataColumns, DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    return Base


def test_a_models_own_created_at_fails_in_one_line_naming_model_column_and_type() -> None:
    Base = _base()
    with pytest.raises(RowstampError) as raised:

        class Experiment(Base):  # type: ignore[misc, valid-type]
            __tablename__ = "experiments"
            id = Column(Integer, primary_key=True)
            created_at = Column(BigInteger)  # mlflow: milliseconds since the epoch

    message = str(raised.value)
    assert "\n" not in message
    assert "Experiment.created_at" in message and "BIGINT" in message
    assert "MetadataSpec" in message


def test_an_annotated_own_is_active_fails_too() -> None:
    Base = _base()
    with pytest.raises(RowstampError, match=r"User\.is_active.*BOOLEAN"):

        class User(Base):  # type: ignore[misc, valid-type]
            __tablename__ = "user"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            is_active: Mapped[bool] = mapped_column(Boolean, default=True)


def test_rename_omit_and_no_trigger_are_per_model() -> None:
    Base = _base()

    class User(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "user"
        __rowstamp__ = MetadataSpec(rename={"is_active": "is_live"}, omit={"notes"})
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        is_active: Mapped[bool] = mapped_column(Boolean, default=True)  # login enabled

    class Run(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "runs"
        __rowstamp__ = MetadataSpec(omit={"created_at"}, trigger=False)
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        created_at: Mapped[int] = mapped_column(BigInteger)

    class Plain(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "plain"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    user = User.__table__
    assert [c.name for c in user.columns] == [
        "id", "is_active", "is_live", "is_flagged", "created_at", "updated_at"
    ]  # fmt: skip
    assert metadata_columns(user) == {
        "is_active": "is_live", "is_flagged": "is_flagged",
        "created_at": "created_at", "updated_at": "updated_at",
    }  # fmt: skip
    assert isinstance(user.c.is_active.type, Boolean) and user.c.is_active.server_default is None
    assert user.c.is_live.server_default is not None and user.c.is_live.index
    assert wants_updated_at_trigger(user)
    runs = Run.__table__
    assert isinstance(runs.c.created_at.type, BigInteger)
    assert "created_at" not in metadata_columns(runs)
    assert not wants_updated_at_trigger(runs)
    assert list(metadata_columns(Plain.__table__)) == [
        "is_active", "is_flagged", "notes", "created_at", "updated_at"
    ]  # fmt: skip


def test_renamed_to_a_name_the_model_already_has_fails() -> None:
    Base = _base()
    with pytest.raises(RowstampError, match=r"User\.is_live"):

        class User(Base):  # type: ignore[misc, valid-type]
            __tablename__ = "user"
            __rowstamp__ = MetadataSpec(rename={"is_active": "is_live"})
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            is_live: Mapped[datetime] = mapped_column()


@pytest.mark.parametrize(
    ("spec", "wrong"),
    [
        (lambda: MetadataSpec(omit={"is_deleted"}), "is_deleted"),
        (lambda: MetadataSpec(rename={"created": "made_at"}), "created"),
    ],
)
def test_a_spec_naming_no_metadata_column_fails(spec: object, wrong: str) -> None:
    with pytest.raises(RowstampError, match=wrong):
        spec()  # type: ignore[operator]


def test_unique_among_active_refuses_a_table_whose_flag_is_renamed() -> None:
    Base = _base()
    with pytest.raises(RowstampError, match=r"users: unique_among_active\('email'\).*is_live"):

        class User(Base):  # type: ignore[misc, valid-type]
            __tablename__ = "users"
            __rowstamp__ = MetadataSpec(rename={"is_active": "is_live"})
            __table_args__ = (unique_among_active("email"),)
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            email: Mapped[str] = mapped_column()


def test_a_batch_rebuild_re_creates_the_trigger_of_a_renamed_updated_at() -> None:
    """SQLite's batch rebuild drops the table's triggers: the ensure operation that
    follows must set the renamed column, and say so in the migration."""
    from alembic.autogenerate import render_python_code
    from alembic.operations import ops
    from sqlalchemy import Column, String

    import rowstamp.autogen.render  # noqa: F401 - registers the renderers
    from rowstamp.autogen.ops import EnsureUpdatedAtTriggerOp
    from rowstamp.autogen.ordering import order_trigger_operations

    Base = _base()

    class Run(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "runs"
        __rowstamp__ = MetadataSpec(rename={"updated_at": "modified_at"})
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    add = ops.AddColumnOp("runs", Column("title", String(10)))
    script = ops.MigrationScript(
        "rev",
        ops.UpgradeOps([ops.ModifyTableOps("runs", [add])]),
        ops.DowngradeOps([ops.ModifyTableOps("runs", [add.reverse()])]),
    )
    order_trigger_operations(script, Base.metadata, None)
    [_, ensure] = script.upgrade_ops.ops  # type: ignore[union-attr]
    assert isinstance(ensure, EnsureUpdatedAtTriggerOp) and ensure.spec().column == "modified_at"
    code = render_python_code(ops.UpgradeOps([ensure]))
    assert "op.ensure_updated_at_trigger('runs', version=1, column='modified_at')" in code
