"""What a migration file does, as Alembic's own operation objects, without a database.

Every ``op.*`` call builds a ``MigrateOperation`` and hands it to
``Operations.invoke``; running ``upgrade()`` and ``downgrade()`` against an
``Operations`` whose ``invoke`` only records gives the review the same objects
autogenerate produced, each with the line of the file it came from. Reading
the file's text instead would miss operations built in loops or helpers.
"""

from __future__ import annotations

import ast
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from io import StringIO
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Literal

from alembic.operations import BatchOperations, MigrateOperation, Operations
from alembic.runtime.migration import MigrationContext

import rowstamp.autogen.impl  # noqa: F401 - registers op.create_updated_at_trigger
from rowstamp.compat import caller_line, load_python_file, operations_proxy
from rowstamp.engines import neutral_dialect
from rowstamp.errors import RowstampError, first_line
from rowstamp.review.describe import flatten

__all__ = ["Direction", "MigrationFile", "RecordedOp", "quiet_alembic", "read_migration"]

Direction = Literal["upgrade", "downgrade"]


@contextmanager
def quiet_alembic() -> Iterator[None]:
    """Alembic says "Context impl ..." (and "Generating static SQL") once per context:
    keep rowstamp's side contexts out of the log of the run the user started."""
    alembic_log = logging.getLogger("alembic.runtime.migration")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        alembic_log.setLevel(level)


@dataclass(frozen=True)
class RecordedOp:
    """One operation of a migration and the first line of the statement that made it."""

    op: MigrateOperation
    line: int
    direction: Direction


@dataclass
class MigrationFile:
    """A migration file: its identity, its operations and its acknowledgement comments."""

    path: Path
    revision: str
    down_revision: tuple[str, ...]
    message: str
    upgrade: list[RecordedOp] = field(default_factory=list)
    downgrade: list[RecordedOp] = field(default_factory=list)
    errors: dict[Direction, str] = field(default_factory=dict)
    """Why a direction could not be read (it needs a database, or raised)."""
    broken: set[Direction] = field(default_factory=set)
    """The directions whose error is the file's own code (an undefined name, a failed
    import): applying it fails too, database or not."""
    lines: list[str] = field(default_factory=list)
    phase: object = None
    """The module's ``phase`` constant as written (None: absent, an expand revision)."""

    @cached_property
    def statements(self) -> list[tuple[int, int]]:
        """(first, last) line of every statement, to find the comments above an
        operation: parsed when a review asks, not for every read (the ledger's)."""
        return _statements("\n".join(self.lines))

    @property
    def is_merge(self) -> bool:
        return len(self.down_revision) > 1

    @cached_property
    def _innermost(self) -> dict[int, int]:
        """Line to the first line of the innermost statement containing it, built once:
        a review asks for every operation, and a search per operation made reviewing
        a thousand new tables take longer than generating them."""
        best: dict[int, tuple[int, int]] = {}
        for first, last in self.statements:
            for line in range(first, last + 1):
                known = best.get(line)
                if known is None or last - first < known[1] - known[0]:
                    best[line] = (first, last)
        return {line: first for line, (first, _) in best.items()}

    def statement_start(self, line: int) -> int:
        """First line of the innermost statement that contains ``line``."""
        return self._innermost.get(line) or line


def read_migration(path: Path) -> MigrationFile:
    """Load a migration file and record what its ``upgrade()`` and ``downgrade()`` do."""
    source = _read(path)
    module = _load(path)
    down = getattr(module, "down_revision", None)
    migration = MigrationFile(
        path=path,
        revision=str(getattr(module, "revision", "") or path.stem),
        down_revision=tuple(down) if isinstance(down, list | tuple) else ((down,) if down else ()),
        message=_message(module),
        lines=source.splitlines(),
        phase=getattr(module, "phase", None),
    )
    filename = str(path.resolve())
    context = MigrationContext.configure(
        dialect=neutral_dialect(), opts={"as_sql": True, "output_buffer": StringIO()}
    )
    for direction in ("upgrade", "downgrade"):
        function = getattr(module, direction, None)
        if not callable(function):
            migration.errors[direction] = f"the file has no {direction}() function"
            continue
        try:
            recorded, needs_database = _record(function, filename, direction, context)
        except Exception as exc:  # a migration may need a live database (op.get_bind)
            if _code_error(exc):
                migration.broken.add(direction)
                migration.errors[direction] = (
                    f"{direction}() fails before it reaches a database: "
                    f"{type(exc).__name__}: {first_line(exc)}"
                )
            else:
                migration.errors[direction] = (
                    f"{direction}() cannot run without a database: {first_line(exc)}"
                )
            continue
        if needs_database:  # the migration caught the error itself (try/except)
            migration.errors[direction] = (
                f"{direction}() cannot run without a database: {_NO_DATABASE}"
            )
        getattr(migration, direction).extend(recorded)
    return migration


def _code_error(exc: Exception) -> bool:
    """An error no database can avoid: an undefined name (Alembic's "proxy object has not
    yet been established" is a NameError too, without a ``name``) or a failed import."""
    if isinstance(exc, NameError):
        return exc.name is not None
    return isinstance(exc, ImportError)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RowstampError(f"cannot read {path}: {exc.strerror}", "check the path") from None


def _load(path: Path) -> ModuleType:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    try:
        return load_python_file(f"rowstamp_review_{digest}", path)
    except Exception as exc:
        raise RowstampError(
            f"cannot import {path.name}: {type(exc).__name__}: {first_line(exc)}",
            "fix the file so Python can import it",
        ) from None


def _message(module: ModuleType) -> str:
    doc = (module.__doc__ or "").strip()
    return doc.splitlines()[0].strip() if doc else ""


def _statements(source: str) -> list[tuple[int, int]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[tuple[int, int]] = []
    bodies: list[list[ast.stmt]] = [tree.body]
    # Statements only sit in statement lists (bodies, branches, handlers, match cases):
    # walking those, not every expression node, is most of the review's time saved.
    while bodies:
        for node in bodies.pop():
            found.append((node.lineno, node.end_lineno or node.lineno))
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, name, None)
                if not isinstance(inner, list):
                    continue
                for child in inner:
                    if isinstance(child, ast.stmt):
                        bodies.append(inner)
                        break
                    if isinstance(child, ast.ExceptHandler | ast.match_case):
                        bodies.append(child.body)
    return found


def _record(
    function: Callable[[], Any], filename: str, direction: Direction, context: MigrationContext
) -> tuple[list[RecordedOp], bool]:
    """The operations ``function`` runs, and whether it asked for a database: a migration
    that catches that error itself (mlflow's ``try: op.get_bind() except Exception``)
    would otherwise look as if it did nothing."""
    recorded: list[RecordedOp] = []
    binds: list[None] = []

    def invoke(operation: MigrateOperation) -> None:
        line = caller_line(filename)  # op.add_columns: each column is reviewed as added
        recorded.extend(RecordedOp(op, line, direction) for op in flatten([operation]))

    operations = Operations(context)
    operations.invoke = invoke  # type: ignore[method-assign,assignment]
    operations.batch_alter_table = _batch(context, invoke)  # type: ignore[method-assign]

    def no_database() -> Any:
        binds.append(None)
        raise RowstampError(_NO_DATABASE)

    operations.get_bind = no_database  # type: ignore[method-assign]
    with operations_proxy(operations):
        function()
    return recorded, bool(binds)


_NO_DATABASE = "op.get_bind() needs a live database"


def _batch(
    context: MigrationContext, invoke: Callable[[MigrateOperation], None]
) -> Callable[..., Any]:
    @contextmanager
    def batch_alter_table(
        table_name: str, schema: str | None = None, **_: Any
    ) -> Iterator[BatchOperations]:
        batch = BatchOperations(context, impl=SimpleNamespace(table_name=table_name, schema=schema))  # type: ignore[arg-type]
        batch.invoke = invoke  # type: ignore[method-assign,assignment]
        yield batch

    return batch_alter_table
