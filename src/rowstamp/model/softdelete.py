"""``is_active`` as a real soft-delete flag, on SQLAlchemy's own mechanisms.

Opt-in and explicit: nothing changes until :func:`enable_soft_delete` is called on
a session factory. It adds a ``do_orm_execute`` listener that puts a
``with_loader_criteria`` option on ORM selects, so inactive rows disappear from
``select()``, ``Session.get()``, relationship lazy loads and joined/selectin eager
loads. ``execution_options(include_inactive=True)`` shows them for one statement
(and for the relationships of the objects it loads). Core statements on a
``Table`` and raw SQL are never rewritten: they say exactly what they do.

A soft delete is an ordinary ``UPDATE`` of ``is_active``, so the database's
``updated_at`` trigger records when it happened, on every engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Delete, Result, event, false, true, update
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    UOWTransaction,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.orm import object_mapper as _object_mapper
from sqlalchemy.orm.exc import UnmappedInstanceError
from sqlalchemy.orm.interfaces import UserDefinedOption

from rowstamp.errors import RowstampError
from rowstamp.model.columns import SoftDeletable
from rowstamp.model.unique_active import unique_among_active

__all__ = [
    "INCLUDE_INACTIVE",
    "NotSoftDeletableError",
    "SessionFactory",
    "active_flag",
    "enable_soft_delete",
    "is_soft_deletable",
    "restore",
    "restore_where",
    "soft_delete",
    "soft_delete_where",
    "unique_among_active",
]

INCLUDE_INACTIVE = "include_inactive"
"""Execution option: ``True`` shows inactive rows to one statement and its loads."""

SessionFactory = sessionmaker[Any] | scoped_session[Any] | type[Session]
"""What :func:`enable_soft_delete` accepts: anything SQLAlchemy's session events accept."""


class NotSoftDeletableError(RowstampError):
    """The object or class has no ``is_active`` column from ``MetadataColumns``."""


class _IncludeInactive(UserDefinedOption):
    """Carries ``include_inactive`` from a statement to the lazy loads of what it loaded."""

    propagate_to_loaders = True


def is_soft_deletable(entity: object) -> bool:
    """True for a mapped class or instance with rowstamp's soft-delete flag (``is_active``,
    or the name its ``MetadataSpec`` gives it)."""
    return active_flag(entity) is not None


def active_flag(entity: object) -> str | None:
    """The attribute of the soft-delete flag of a mapped class or instance, if it has one."""
    cls = entity if isinstance(entity, type) else type(entity)
    return cls.__rowstamp_active__ if issubclass(cls, SoftDeletable) else None


def _check(entity: object) -> str:
    flag = active_flag(entity)
    if flag is None:
        name = entity.__name__ if isinstance(entity, type) else type(entity).__name__
        raise NotSoftDeletableError(
            f"{name} has no is_active soft-delete flag",
            "inherit the project's Base (MetadataColumns) without omitting is_active, "
            "or delete it with session.delete()",
        )
    return flag


def soft_delete(session: Session, obj: SoftDeletable) -> None:
    """Mark ``obj`` inactive; the ``UPDATE`` is sent at the next flush, like any change.

    The database trigger then sets ``updated_at``; the ORM expires that attribute,
    so reading it afterwards loads the database's value.
    """
    _set_active(session, obj, False)


def restore(session: Session, obj: SoftDeletable) -> None:
    """Mark a soft-deleted ``obj`` active again (load it with ``include_inactive=True``)."""
    _set_active(session, obj, True)


def _set_active(session: Session, obj: SoftDeletable, active: bool) -> None:
    flag = _check(obj)
    try:
        _object_mapper(obj)
    except UnmappedInstanceError:
        raise NotSoftDeletableError(
            f"{type(obj).__name__} is not a mapped class", "pass an ORM object"
        ) from None
    session.add(obj)
    setattr(obj, flag, active)


def soft_delete_where(
    session: Session, entity: type[SoftDeletable], *criteria: ColumnElement[bool]
) -> int:
    """Soft-delete every active row of ``entity`` matching ``criteria`` in one ``UPDATE``.

    Returns how many rows changed. Rows already inactive are left alone, so their
    ``updated_at`` keeps the time they were deleted. Objects already in the session
    are synchronised (``synchronize_session="auto"``).
    """
    return _update_active(session, entity, criteria, active=False)


def restore_where(
    session: Session, entity: type[SoftDeletable], *criteria: ColumnElement[bool]
) -> int:
    """Restore every inactive row of ``entity`` matching ``criteria``; returns the count."""
    return _update_active(session, entity, criteria, active=True)


def _update_active(
    session: Session,
    entity: type[SoftDeletable],
    criteria: tuple[ColumnElement[bool], ...],
    *,
    active: bool,
) -> int:
    flag = _check(entity)
    statement = (
        update(entity)
        .where(*criteria, getattr(entity, flag) == (false() if active else true()))
        .values({flag: active})
        .execution_options(synchronize_session="auto")
    )
    result = session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult for UPDATE


def _hide_inactive(state: ORMExecuteState) -> None:
    """``do_orm_execute`` listener: add the ``is_active`` criteria to ORM selects."""
    if not state.is_select or state.is_column_load:
        # Column loads refresh an object already loaded: filtering them would turn
        # reading an attribute of a just-soft-deleted object into ObjectDeletedError.
        return
    if state.execution_options.get(INCLUDE_INACTIVE):
        if not state.is_relationship_load:
            state.statement = state.statement.options(_IncludeInactive())
        return
    if any(isinstance(option, _IncludeInactive) for option in state.user_defined_options):
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            SoftDeletable,
            lambda cls: _live(cls),
            include_aliases=True,
            track_closure_variables=False,
        )
    )


def _live(cls: Any) -> ColumnElement[bool]:
    """The criteria of one entity (a class or an alias): its flag is true, or nothing
    for a model that left the flag out."""
    flag = getattr(cls, "__rowstamp_active__", None)
    return getattr(cls, flag) == true() if flag is not None else true()


def _delete_means_soft_delete(
    session: Session, flush_context: UOWTransaction, instances: object
) -> None:
    """``before_flush`` listener: turn pending ``session.delete()`` into soft deletes."""
    for obj in list(session.deleted):
        flag = active_flag(obj)
        if flag is not None:
            session.add(obj)  # takes it out of the pending deletes
            setattr(obj, flag, False)


def _bulk_delete_means_soft_delete(state: ORMExecuteState) -> Result[Any] | None:
    """``do_orm_execute`` listener: run an ORM ``delete(Model)`` as a soft delete.

    The new ``UPDATE`` reuses the statement's own ``WHERE`` clause object; Core
    deletes of a ``Table`` stay real deletes.
    """
    mapper = state.bind_mapper
    if not (state.is_delete and state.is_orm_statement) or mapper is None:
        return None
    entity = mapper.class_
    flag = active_flag(entity)
    if flag is None:
        return None
    statement = cast(Delete, state.statement)
    criteria = [getattr(entity, flag) == true()]
    if statement.whereclause is not None:
        criteria.insert(0, statement.whereclause)
    update_ = update(entity).where(*criteria).values({flag: False})
    return state.invoke_statement(statement=update_)


_OPT_IN: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("before_flush", _delete_means_soft_delete),
    ("do_orm_execute", _bulk_delete_means_soft_delete),
)


_enabled: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()
"""Factories with the filter, and whether delete means soft delete on each."""


def enable_soft_delete(factory: SessionFactory, *, delete_means_soft_delete: bool = False) -> None:
    """Hide inactive rows from ORM selects of sessions made by ``factory``.

    With ``delete_means_soft_delete`` (the project's ``DELETE_MEANS_SOFT_DELETE``
    setting), ``session.delete(obj)`` and ORM ``delete(Model)`` statements on
    soft-deletable models mark rows inactive instead of deleting them; other
    models are still deleted. Calling this again with the other value switches
    that behaviour; the filter stays.
    """
    # What is installed is remembered on the factory object itself: SQLAlchemy's
    # event.contains() answers by id(), so a new factory that reuses a collected
    # one's id would be taken as enabled and get no filter at all.
    installed = _enabled.get(factory)
    if installed is None:
        event.listen(factory, "do_orm_execute", _hide_inactive)
        installed = False
    if delete_means_soft_delete != installed:
        for name, listener in _OPT_IN:
            if delete_means_soft_delete:
                event.listen(factory, name, listener)
            else:
                event.remove(factory, name, listener)
    _enabled[factory] = delete_means_soft_delete
