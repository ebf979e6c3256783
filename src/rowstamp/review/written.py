"""The migration ``rowstamp new`` has just written, reviewed from the operations
autogenerate still holds instead of importing the file and replaying it.

Replaying ``upgrade()`` and ``downgrade()`` (``review/reader.py``) rebuilt every column
of every new table a second time and parsed the file into an AST for line numbers:
at 300 new tables that made ``./scripts/migrate`` cost a fifth more than
``alembic revision --autogenerate``. Alembic rendered the file from these same
operations, one statement each, so one pass over its lines finds where each landed.

Only a file that lines up with the operations one for one is reviewed this way:
nothing but containers rendered as blocks around them, each statement named after
its operation, and ``upgrade()``/``downgrade()`` calling nothing autogenerate would
not write (``_plain_functions``). Anything else (a project's template or hook wrote
more, an operation renders as several statements) gives None, and the caller reads
the file as ``rowstamp review`` does, so the report is the same either way.
"""

from __future__ import annotations

import dis
import re
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from alembic.operations import ops
from alembic.operations.ops import MigrateOperation, MigrationScript
from alembic.script import Script

from rowstamp.autogen.online import OnlineAlterOp
from rowstamp.autogen.online_fk import OnlineForeignKeyOp
from rowstamp.autogen.ops import ConcurrentIndexesOp, TopLevelOps
from rowstamp.autogen.safe_ops import AutocommitOps, LockRetriesOps
from rowstamp.review.reader import Direction, MigrationFile, RecordedOp

__all__ = ["written_migration"]

_CONTAINERS = (
    ops.UpgradeOps,
    ops.DowngradeOps,
    ops.ModifyTableOps,
    TopLevelOps,
    ConcurrentIndexesOp,
    AutocommitOps,
    LockRetriesOps,
    OnlineAlterOp,
)
"""Containers rendered as their operations alone, or inside a ``with`` block
(``batch_alter_table``, ``autocommit_block``, ``lock_retries``, ``online_alter``); the others
(``add_columns``, online alters, filling NULLs) write statements of their own."""

_NAMES: dict[type[MigrateOperation], str] = {OnlineForeignKeyOp: "create_foreign_key_online"}
"""Operations not written under their class's name."""
_LOAD_GLOBAL = dis.opmap["LOAD_GLOBAL"]
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
_LIBRARIES = frozenset({"sqlalchemy", "alembic", "rowstamp"})
_STATEMENT = re.compile(r"^\s+(?:batch_)?op\.(\w+)\(")
_WORD = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass
class _WrittenFile(MigrationFile):
    """A migration file whose operation lines are statement starts already."""

    def statement_start(self, line: int) -> int:
        return line


def written_migration(script: Script, directives: list[MigrationScript]) -> MigrationFile | None:
    """``script`` (just written from ``directives``) as ``read_migration`` reads it, or
    None when the file may do more than the operations say."""
    if len(directives) != 1:
        return None
    [directive] = directives
    if len(directive.upgrade_ops_list) != 1 or len(directive.downgrade_ops_list) != 1:
        return None
    module = script.module
    if not _plain_functions(module):
        return None
    path = Path(script.path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    down = getattr(module, "down_revision", None)
    migration = _WrittenFile(
        path=path,
        revision=str(getattr(module, "revision", "") or path.stem),
        down_revision=tuple(down) if isinstance(down, list | tuple) else ((down,) if down else ()),
        message=_message(module),
        lines=lines,
        phase=getattr(module, "phase", None),
    )
    bodies = _bodies(lines)
    if bodies is None:
        return None
    sides: list[tuple[Direction, ops.OpContainer]] = [
        ("upgrade", directive.upgrade_ops_list[0]),
        ("downgrade", directive.downgrade_ops_list[0]),
    ]
    for direction, container in sides:
        recorded = _line_up(_flat(container), lines, bodies[direction], direction)
        if recorded is None:
            return None
        getattr(migration, direction).extend(recorded)
    return migration


def _message(module: ModuleType) -> str:
    doc = (module.__doc__ or "").strip()
    return doc.splitlines()[0].strip() if doc else ""


def _flat(container: ops.OpContainer) -> list[MigrateOperation] | None:
    """The operations in running order, or None under a container of another kind."""
    flat: list[MigrateOperation] = []
    for operation in container.ops:
        if isinstance(operation, ops.OpContainer):
            if type(operation) not in _CONTAINERS:
                return None
            inner = _flat(operation)
            if inner is None:
                return None
            flat.extend(inner)
        else:
            flat.append(operation)
    return flat


def _bodies(lines: list[str]) -> dict[Direction, range] | None:
    """The lines of ``upgrade()``'s and ``downgrade()``'s bodies (top-level functions)."""
    starts: dict[str, int] = {}
    for number, text in enumerate(lines):
        for name in ("upgrade", "downgrade"):
            if text.startswith(f"def {name}("):
                if name in starts:
                    return None
                starts[name] = number
    if set(starts) != {"upgrade", "downgrade"}:
        return None
    found: dict[Direction, range] = {}
    for name, first in starts.items():
        last = first + 1
        while last < len(lines) and not _top_level(lines[last]):
            last += 1
        found["upgrade" if name == "upgrade" else "downgrade"] = range(first + 1, last)
    return found


def _top_level(text: str) -> bool:
    return bool(text) and not text[0].isspace() and not text.startswith("#")


def _line_up(
    flat: list[MigrateOperation] | None, lines: list[str], body: range, direction: Direction
) -> list[RecordedOp] | None:
    """Each operation with the line of its statement, if the statements are the
    operations one for one, each named after its operation's class."""
    if flat is None:
        return None
    found = [(n, m[1]) for n in body if (m := _STATEMENT.match(lines[n]))]
    if len(found) != len(flat):
        return None
    recorded = []
    for (number, name), operation in zip(found, flat, strict=True):
        if name != _method(operation):
            return None
        recorded.append(RecordedOp(operation, number + 1, direction))
    return recorded


def _method(operation: MigrateOperation) -> str:
    """``op.create_index`` for ``CreateIndexOp``: Alembic's and rowstamp's naming."""
    if type(operation) in _NAMES:
        return _NAMES[type(operation)]
    return _WORD.sub("_", type(operation).__name__.removesuffix("Op")).lower()


def _plain_functions(module: ModuleType) -> bool:
    """Both functions exist and run nothing but what autogenerate writes: their global
    names are all defined (a NameError makes the file review report the file broken)
    and are modules (``op``, ``sa``), classes (a project's types) or SQLAlchemy's,
    Alembic's and rowstamp's own functions (``utc_now``), never a builtin or a helper
    of the file, which could raise or run operations of its own; no ``import``
    inside them and no ``op.get_bind()``."""
    for name in ("upgrade", "downgrade"):
        function: Any = getattr(module, name, None)
        code = getattr(function, "__code__", None)
        if not isinstance(code, CodeType) or _imports(code) or "get_bind" in _names(code):
            return False
        for used in _globals(code):
            if used not in vars(module) or not _written_by_autogenerate(vars(module)[used]):
                return False
    return True


def _written_by_autogenerate(value: object) -> bool:
    if isinstance(value, ModuleType | type):
        return True
    return str(getattr(value, "__module__", "")).split(".")[0] in _LIBRARIES


def _codes(code: CodeType) -> list[CodeType]:
    found = [code]
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found.extend(_codes(const))
    return found


def _names(code: CodeType) -> set[str]:
    return {name for inner in _codes(code) for name in inner.co_names}


def _imports(code: CodeType) -> bool:
    return any(_IMPORT_NAME in inner.co_code[0::2] for inner in _codes(code))


def _globals(code: CodeType) -> set[str]:
    """The global names ``code`` loads, from its bytecode (``dis`` took a third of a
    second at 300 tables): each ``LOAD_GLOBAL``'s argument, widened by the
    ``EXTENDED_ARG`` before it, indexes ``co_names`` shifted by one (Python 3.11+)."""
    found: set[str] = set()
    for inner in _codes(code):
        raw = inner.co_code
        opcodes, args = raw[0::2], raw[1::2]
        at = opcodes.find(_LOAD_GLOBAL)
        while at >= 0:
            arg, shift, back = args[at], 8, at - 1
            while back >= 0 and opcodes[back] == _EXTENDED_ARG:
                arg |= args[back] << shift
                shift, back = shift + 8, back - 1
            found.add(inner.co_names[arg >> 1])
            at = opcodes.find(_LOAD_GLOBAL, at + 1)
    return found
