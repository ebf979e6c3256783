"""Checksum algorithm ``v1`` (``checksum.py``): what a migration file does, replayed.

``v1`` hashes, as one canonical text:

- the revision id, its ``down_revision`` links and ``depends_on`` (sorted);
- for ``upgrade()`` then ``downgrade()``, the operations ``rowstamp review`` records
  (``review/reader.py``), in running order, each as the Python call Alembic's
  autogenerate would render for it (op kind and every argument, in one spelling);
- for ``op.execute``, the SQL it runs compiled for SQLite, PostgreSQL and MariaDB.

Formatting, comments, docstrings, line endings and how the calls are built (loops,
helpers) do not change it; a changed argument, SQL text or link does.

A file whose operations cannot all be read without a database (``op.get_bind()``,
an import or name that fails) is hashed from its source instead: the syntax tree
(``ast.dump``) without docstrings, which also ignores comments, formatting and line
endings, but changes with any edit to the code, including ones that run nothing.
That fallback is marked inside the hashed text, so the two never collide.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.sql import ClauseElement

from rowstamp.engines import for_name, neutral_dialect
from rowstamp.errors import RowstampError
from rowstamp.history.checksum import ChecksumError
from rowstamp.review.reader import MigrationFile, RecordedOp, quiet_alembic, read_migration

__all__ = ["v1"]


_V1_ENGINES = ("sqlite", "postgresql", "mariadb")
"""Fixed for v1: a new engine in the registry must not change existing checksums."""


def v1(path: Path) -> str:
    """The ``v1`` digest of the migration file at ``path`` (without its prefix)."""
    try:
        migration = read_migration(path)
    except RowstampError:  # it does not import: only its source can be hashed
        return _digest(_source_text(path))
    if migration.errors:
        return _digest(_source_text(path))
    return _digest(_operations_text(migration, _depends_on(path)))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _operations_text(migration: MigrationFile, depends_on: tuple[str, ...]) -> str:
    lines = [
        "operations",
        f"revision {migration.revision}",
        f"down_revision {sorted(migration.down_revision)!r}",
        f"depends_on {sorted(depends_on)!r}",
    ]
    context = _autogen_context()
    for direction, recorded in (("upgrade", migration.upgrade), ("downgrade", migration.downgrade)):
        lines.append(direction)
        lines.extend(_op_text(item, context) for item in recorded)
    return "\n".join(lines)


def _op_text(item: RecordedOp, context: AutogenContext) -> str:
    op = item.op
    if isinstance(op, ops.ExecuteSQLOp):
        sql = [f"{name}: {_compiled(op.sqltext, name)}" for name in _V1_ENGINES]
        options = sorted((op.execution_options or {}).items())
        return f"execute {options!r}\n" + "\n".join(sql)
    try:
        with quiet_alembic():
            return render_op_text(context, op)
    except (NotImplementedError, AttributeError, TypeError, KeyError, ValueError, RowstampError):
        # no renderer, or one that compiles rowstamp's SQL for no engine: kind and arguments
        return f"{type(op).__name__} {_canonical(vars(op))}"


def _compiled(sqltext: Any, engine: str) -> str:
    if isinstance(sqltext, str):
        return sqltext
    if isinstance(sqltext, ClauseElement):
        try:
            compiled = sqltext.compile(
                dialect=_dialect(engine), compile_kwargs={"literal_binds": True}
            )
        except CompileError:  # an engine's own construct (PostgreSQL's function DDL)
            return f"not compilable: {type(sqltext).__name__}"
        return str(compiled)
    return repr(sqltext)


@cache
def _dialect(engine: str) -> Dialect:
    for_name(engine)  # one of rowstamp's engines, or a one-line error
    return URL.create(engine).get_dialect()()


@cache
def _autogen_context() -> AutogenContext:
    with quiet_alembic():
        context = MigrationContext.configure(dialect=neutral_dialect())
    opts = {"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op."}
    return AutogenContext(context, opts={**opts, "user_module_prefix": None, "render_item": None})


def _canonical(value: Any) -> str:
    """A spelling of an op's attributes that does not depend on memory addresses."""
    if isinstance(value, dict):
        items = ", ".join(f"{k!r}: {_canonical(v)}" for k, v in sorted(value.items(), key=str))
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_canonical(v) for v in value) + "]"
    if isinstance(value, ClauseElement):
        return str(value.compile(dialect=neutral_dialect()))
    text = repr(value)  # types and columns spell their arguments: String(length=50)
    return type(value).__name__ if " at 0x" in text else text


def _depends_on(path: Path) -> tuple[str, ...]:
    """``depends_on`` as written at the top of the file (it is always a literal)."""
    for node in _parse(path).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "depends_on" for t in targets):
                value = ast.literal_eval(node.value) if node.value is not None else None
                if isinstance(value, str):
                    return (value,)
                return tuple(str(v) for v in value or ())
    return ()


def _source_text(path: Path) -> str:
    tree = _parse(path)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return "source-ast\n" + ast.dump(tree, annotate_fields=True, include_attributes=False)


def _parse(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except OSError as exc:
        raise ChecksumError(f"cannot read {path}: {exc.strerror}", "check the path") from None
    except SyntaxError as exc:
        raise ChecksumError(
            f"{path.name} is not valid Python (line {exc.lineno}): {exc.msg}",
            "fix the file",
        ) from None
