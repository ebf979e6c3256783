"""The guide's five metadata columns, added to every model that inherits ``MetadataColumns``.

``sort_order`` puts them after the model's own columns. ``updated_at`` carries
``info[UPDATED_AT_MARK]``: that mark on the model is what tells autogenerate the
table wants the database-maintained trigger (intent lives on the model, not in a
registry). Each column also carries its role in ``info[ROLE_KEY]`` (``Column.info``:
Alembic writes ``Table.info`` into migrations, never a column's), so soft delete,
the contract and the reports find rowstamp's columns under the names a model chose.

A model that declares a column of the same name itself (mlflow's ``created_at``
in milliseconds, a login flag called ``is_active``) would silently replace
rowstamp's; such a class fails to import until it says what it wants with
``__rowstamp__ = MetadataSpec(...)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Boolean, Column, FetchedValue, Text, false, inspect, true
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column
from sqlalchemy.schema import Constraint, Table

from rowstamp.errors import RowstampError
from rowstamp.model.types import UTCDateTime
from rowstamp.sql import utc_now

__all__ = [
    "COLUMN_FACTORIES",
    "METADATA_COLUMNS",
    "NAMING_CONVENTION",
    "ROLE_KEY",
    "UPDATED_AT_MARK",
    "MetadataColumns",
    "MetadataSpec",
    "SoftDeletable",
    "declares_metadata_columns",
    "metadata_columns",
    "updated_at_column",
    "wants_updated_at_trigger",
]

UPDATED_AT_MARK = "rowstamp.updated_at"
"""``Column.info`` key marking the column the database keeps at the last update time."""

ROLE_KEY = "rowstamp.column"
"""``Column.info`` key: which of the five metadata columns this column is."""

METADATA_COLUMNS = ("is_active", "is_flagged", "notes", "created_at", "updated_at")


def _ck_name(constraint: Constraint, table: Table) -> str:
    """``%(ck_name)s``, the name of a CHECK given none: the names of the columns it
    uses, else a short hash of its SQL. SQLAlchemy's ``%(constraint_name)s`` refuses an
    unnamed constraint, so a model with an unnamed ``CheckConstraint`` or a
    ``Boolean(create_constraint=True)`` (which real projects have) could not even be
    imported; and it would prefix an explicit name, which must stay as written."""
    columns = [str(column.name) for column in getattr(constraint, "columns", ())]
    if columns:
        return "_".join(columns)
    sql = " ".join(str(getattr(constraint, "sqltext", "")).split())
    return hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:8]


NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(ck_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck_name": _ck_name,
}
"""Deterministic constraint and index names, so autogenerate can compare and drop them.
An explicit CHECK name is kept exactly as written (the template does not use
``%(constraint_name)s``, so SQLAlchemy applies it only to an unnamed CHECK).
Revisions up to ``[rowstamp] baseline`` run without it (``rowstamp.history.baseline``)."""

_AFTER_MODEL_COLUMNS = 10_000


@dataclass(frozen=True)
class MetadataSpec:
    """What one model wants of the five columns: ``__rowstamp__ = MetadataSpec(...)``.

    ``rename`` maps a column to the name it gets on this model (``{"is_active":
    "is_live"}`` where the model's own ``is_active`` means "login enabled");
    ``omit`` leaves columns out (the model's own column of that name is then just
    the model's); ``trigger=False`` keeps ``updated_at`` without the trigger.
    """

    rename: Mapping[str, str] = field(default_factory=dict)
    omit: Collection[str] = ()
    trigger: bool = True

    def __post_init__(self) -> None:
        if set(self.omit) >= set(METADATA_COLUMNS):
            raise RowstampError(
                "MetadataSpec omits all five metadata columns",
                "declare the model on a base without MetadataColumns",
            )
        for name in [*self.rename, *self.omit]:
            if name not in METADATA_COLUMNS:
                raise RowstampError(
                    f"MetadataSpec names {name!r}, which is not a metadata column",
                    f"name one of {', '.join(METADATA_COLUMNS)}",
                )

    def columns(self) -> dict[str, str]:
        """``{role: column name}`` for the columns this model gets."""
        return {r: self.rename.get(r, r) for r in METADATA_COLUMNS if r not in self.omit}


def _is_active(name: str, trigger: bool) -> MappedColumn[Any]:
    return mapped_column(
        name,
        Boolean,
        nullable=False,
        server_default=true(),
        index=True,
        sort_order=_AFTER_MODEL_COLUMNS,
    )


def _is_flagged(name: str, trigger: bool) -> MappedColumn[Any]:
    return mapped_column(
        name,
        Boolean,
        nullable=False,
        server_default=false(),
        index=True,
        sort_order=_AFTER_MODEL_COLUMNS,
    )


def _notes(name: str, trigger: bool) -> MappedColumn[Any]:
    return mapped_column(name, Text, nullable=True, sort_order=_AFTER_MODEL_COLUMNS)


def _created_at(name: str, trigger: bool) -> MappedColumn[Any]:
    return mapped_column(
        name, UTCDateTime, nullable=False, server_default=utc_now(), index=True,
        sort_order=_AFTER_MODEL_COLUMNS,
    )  # fmt: skip


def _updated_at(name: str, trigger: bool) -> MappedColumn[Any]:
    return mapped_column(
        name, UTCDateTime, nullable=False, server_default=utc_now(),
        server_onupdate=FetchedValue(), info={UPDATED_AT_MARK: True} if trigger else {},
        sort_order=_AFTER_MODEL_COLUMNS,
    )  # fmt: skip


COLUMN_FACTORIES: dict[str, Callable[[str, bool], MappedColumn[Any]]] = {
    "is_active": _is_active,
    "is_flagged": _is_flagged,
    "notes": _notes,
    "created_at": _created_at,
    "updated_at": _updated_at,
}
"""A fresh column per role: ``factory(column name, with trigger mark)``."""


class SoftDeletable:
    """What every model with rowstamp's columns shares, declarative or SQLModel: soft
    delete filters the mapped subclasses of this class."""

    __rowstamp_active__: ClassVar[str | None] = None
    """The attribute of the soft-delete flag on this mapped class; None: it has none."""


class MetadataColumns(SoftDeletable):
    """Soft-delete flag, general flag, notes, and database-maintained UTC timestamps.

    The columns are added to each mapped subclass as it is declared (not inherited
    as mixin attributes), so one model can rename or leave out any of them.
    """

    if TYPE_CHECKING:
        is_active: Mapped[bool]
        is_flagged: Mapped[bool]
        notes: Mapped[str | None]
        created_at: Mapped[datetime]
        updated_at: Mapped[datetime]

    __rowstamp__: ClassVar[MetadataSpec] = MetadataSpec()

    def __init_subclass__(cls, **kw: Any) -> None:
        if _maps_own_table(cls):
            cls.__rowstamp_active__ = _add_columns(cls).get("is_active")
        super().__init_subclass__(**kw)


def _maps_own_table(cls: type) -> bool:
    """A class declarative will map to a table of its own (not a base, mixin or
    inheriting subclass, whose table already has the columns)."""
    if cls.__dict__.get("__abstract__") or getattr(cls, "__tablename__", None) is None:
        return False
    return not any(inspect(base, raiseerr=False) is not None for base in cls.__mro__[1:])


def _add_columns(cls: type) -> dict[str, str]:
    spec: MetadataSpec = getattr(cls, "__rowstamp__", MetadataSpec())
    columns = spec.columns()
    for role, name in columns.items():
        own = _own_attribute(cls, name)
        if own is not None:
            raise _clash(cls, role, name, own, spec)
        column = COLUMN_FACTORIES[role](name, spec.trigger)
        column.column.info[ROLE_KEY] = role
        setattr(cls, name, column)
    return columns


def _own_attribute(cls: type, name: str) -> tuple[type, Any] | None:
    """Where the model itself (or a mixin of its own) declares ``name``, and what."""
    for klass in cls.__mro__:
        if klass is MetadataColumns:
            return None
        if name in vars(klass):
            return klass, vars(klass)[name]
        annotation = vars(klass).get("__annotations__", {}).get(name)
        if annotation is not None:
            return klass, annotation
    return None


def _clash(
    cls: type, role: str, name: str, own: tuple[type, Any], spec: MetadataSpec
) -> RowstampError:
    declared = _type_name(own[1])
    where = "" if own[0] is cls else f" (from {own[0].__name__})"
    if name != role:
        return RowstampError(
            f"{cls.__name__}.{name}: the model declares its own {name} ({declared}){where}, "
            f"the name MetadataSpec gives rowstamp's {role}",
            "rename it to a name the model does not use",
        )
    return RowstampError(
        f"{cls.__name__}.{name}: the model declares its own {name} ({declared}){where}, "
        f"which would silently replace rowstamp's {role}",
        f"say what {cls.__name__} wants: __rowstamp__ = "
        f"MetadataSpec(rename={{{role!r}: '<other name>'}}) for both, or "
        f"MetadataSpec(omit={{{role!r}}}) to keep only the model's",
    )


def _type_name(value: Any) -> str:
    column = value.column if isinstance(value, MappedColumn) else value
    if isinstance(column, Column):
        try:
            return str(column.type)
        except Exception:  # a type that compiles only on its own dialect
            return type(column.type).__name__
    return str(value)  # an annotation, a property, a hybrid


def metadata_columns(table: Table) -> dict[str, str]:
    """``{role: column name}`` of rowstamp's columns on ``table``.

    A table declared without ``MetadataColumns`` (a plain ``Table``, another base)
    is taken to want all five under their own names, as the guide says.
    """
    found = {c.info[ROLE_KEY]: c.name for c in table.columns if ROLE_KEY in c.info}
    if not found:
        return {r: r for r in METADATA_COLUMNS}
    return {r: found[r] for r in METADATA_COLUMNS if r in found}


def declares_metadata_columns(table: Table) -> bool:
    """True when the models say which columns of ``table`` are rowstamp's."""
    return any(ROLE_KEY in column.info for column in table.columns)


def updated_at_column(table: Table) -> str | None:
    """The column of ``table`` marked for the ``updated_at`` trigger, if any."""
    for column in table.columns:
        if column.info.get(UPDATED_AT_MARK):
            return column.name
    return None


def wants_updated_at_trigger(table: Table) -> bool:
    """True when the model behind ``table`` asks for the ``updated_at`` trigger."""
    return updated_at_column(table) is not None
