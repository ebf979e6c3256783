"""One line, instead of a traceback, for an error in the project's own files.

A migration file that does not import, a model SQLAlchemy cannot map, an ``env.py``
that raises, a revision graph Alembic cannot walk: each is the user's to fix, and
deserves one line naming the file and line, not forty frames of Alembic and
SQLAlchemy. An error raised inside rowstamp itself is not explained away: that is
a bug, and keeps its traceback. Both the ``rowstamp`` command and ``alembic/env.py``
(through ``rowstamp.runtime.env.user_errors``) use this module; Alembic and SQLAlchemy
are imported only once there is an error to explain, so ``rowstamp --help`` stays cheap.
"""

from __future__ import annotations

import re
import sys
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import rowstamp
from rowstamp.errors import ProjectFileError, RevisionError, RowstampError, first_line

__all__ = ["explain", "revision_warnings_as_errors"]

_DEBUG = "ROWSTAMP_DEBUG=1 or --debug shows the traceback"

# Alembic only warns about these, then fails later with a KeyError or a misleading
# "Multiple head revisions".
_DUPLICATE = re.compile(r"Revision (?P<rev>\S+) is present more than once")
_DANGLING = re.compile(r"Revision (?P<rev>\S+) referenced from .*?-> (?P<by>[^\s,]+)")
_REVISION_WARNINGS = r"Revision \S+ (is present more than once|referenced from )"

# SQLAlchemy's SAWarning (a RuntimeWarning) for each expression index SQLite cannot
# reflect; ``engines.sqlite_alembic`` compares those indexes itself. Matched by text
# and the stdlib category, so that setting the filter imports neither SQLAlchemy nor
# the engines (``rowstamp <command> --help`` loads none of them).
REFLECTION_WARNING = r"Skipped unsupported reflection of expression-based index "


@contextmanager
def revision_warnings_as_errors() -> Iterator[None]:
    """Make Alembic's warnings about a duplicate revision id or an unknown
    ``down_revision`` errors at once, so ``explain`` can name the real problem.

    SQLAlchemy's warning that SQLite cannot reflect an expression index is silenced:
    rowstamp compares those indexes itself (``engines.sqlite_alembic``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=_REVISION_WARNINGS, category=UserWarning)
        warnings.filterwarnings("ignore", message=REFLECTION_WARNING, category=RuntimeWarning)
        yield


def explain(error: BaseException) -> RowstampError | None:
    """The one-line error for a mistake in the project's files, else None."""
    from alembic.script.revision import CycleDetected, LoopDetected
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, UserWarning):
        return _revision_warning(str(error))
    if isinstance(error, CycleDetected | LoopDetected):
        return RevisionError(
            str(error).rstrip("."),
            "fix down_revision in those migration files so each follows an older one",
        )
    if isinstance(error, AttributeError) and error.name == "down_revision":
        module = error.obj
        where = getattr(module, "__file__", None) if isinstance(module, ModuleType) else None
        if where:
            return RevisionError(
                f"{_relative(where)} has no down_revision",
                "set it to the revision this migration follows (None for the first one)",
            )
    if isinstance(error, SyntaxError) and error.filename:
        return ProjectFileError(
            f"{_relative(error.filename)}:{error.lineno}: SyntaxError: {error.msg}",
            f"fix the file ({_DEBUG})",
        )
    if isinstance(error, CommandError | DBAPIError):
        return None  # Alembic's own one line, or the database's error: the caller words it
    return _in_project_file(error)


def _revision_warning(text: str) -> RowstampError | None:
    if found := _DUPLICATE.search(text):
        return RevisionError(
            f"two migration files have the revision id {found['rev']}",
            "give one of them a new revision id, and point down_revision of what follows "
            "it at that id",
        )
    if found := _DANGLING.search(text):
        return RevisionError(
            f"revision {found['by']} has down_revision {found['rev']!r}, "
            "which no migration file defines",
            "restore the missing migration file, or set down_revision to an existing "
            "revision (see: ls alembic/versions)",
        )
    return None


def _in_project_file(error: BaseException) -> ProjectFileError | None:
    """Name the innermost project frame of ``error``, unless rowstamp raised it.

    ``env.py`` is named only when it raised the error itself: its stock lines call
    into Alembic and rowstamp, whose own failures it should not be blamed for.
    """
    from sqlalchemy.exc import SQLAlchemyError

    frames = traceback.extract_tb(error.__traceback__)
    found: traceback.FrameSummary | None = None
    for frame in frames:
        if _is_project_file(frame.filename):
            found = frame
        elif frame.name == "__init_subclass__":
            continue  # MetadataColumns passing a model's class on to SQLAlchemy
        elif found is not None and _is_under(frame.filename, _ROWSTAMP):
            found = None  # raised inside rowstamp: a bug, not the user's file
    if found is None or (Path(found.filename).name == "env.py" and found is not frames[-1]):
        return None
    where = f"{_relative(found.filename)}:{found.lineno}"
    text = first_line(error)
    model = re.match(r"class\s+(\w+)", found.line or "")
    if model and isinstance(error, SQLAlchemyError):
        # SQLAlchemy's first sentence says what is wrong; its advice after it (such as
        # extend_existing=True for a second class on one table) is seldom the fix here
        problem = text.split(".  ", 1)[0].rstrip(".")
        return ProjectFileError(
            f"model {model[1]} ({where}) is invalid: {problem}", f"fix the model ({_DEBUG})"
        )
    return ProjectFileError(f"{where}: {type(error).__name__}: {text}", f"fix it ({_DEBUG})")


_ROWSTAMP = Path(rowstamp.__file__).resolve().parent
_INSTALLED = {Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}}


def _is_project_file(filename: str) -> bool:
    """A file of the user's project: not Python's, not an installed package, not rowstamp."""
    if filename.startswith("<"):
        return False
    path = Path(filename).resolve()
    if {"site-packages", "dist-packages"} & set(path.parts) or _is_under(filename, _ROWSTAMP):
        return False
    return not any(path.is_relative_to(root) for root in _INSTALLED)


def _is_under(filename: str, root: Path) -> bool:
    return not filename.startswith("<") and Path(filename).resolve().is_relative_to(root)


def _relative(filename: str) -> str:
    path = Path(filename).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
