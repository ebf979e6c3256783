"""The edits ``rowstamp init --adopt`` makes to a project's own ``env.py``.

Found by Python's ``ast``, applied to the text, so everything else (hooks, comments,
formatting) stays byte for byte:

1. ``from rowstamp.runtime import adopted`` after the module's first imports;
2. ``with <engine>.connect() as connection:`` becomes ``with adopted.connect() as
   connection:`` (rowstamp's URL, lock, protection and one-line errors), and the
   ``engine_from_config(...)`` that made ``<engine>`` only for it becomes ``None``;
3. ``context.configure(...)`` becomes ``context.configure(**adopted.options(...))``;
4. ``fileConfig(...)`` becomes ``adopted.file_config(...)``: Alembic's logging from
   alembic.ini for plain ``alembic``, not under the rowstamp CLI, which prints its own.

An env.py these do not fit (no ``with ....connect()``, an async engine) is refused in
one line that points at the manual path in docs/adopting.md.
"""

from __future__ import annotations

import ast

from rowstamp.errors import RowstampError

__all__ = ["IMPORT_LINE", "patch_env"]

IMPORT_LINE = "from rowstamp.runtime import adopted  # rowstamp init --adopt\n"
_MANUAL = "adopt env.py by hand as docs/adopting.md ('Keeping your own env.py') shows"


def patch_env(text: str) -> str:
    """``text`` with rowstamp's edits; unchanged if it already has them."""
    if "adopted.options(" in text:
        return text
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise RowstampError(
            f"env.py does not parse: {exc.msg} (line {exc.lineno})", "fix it"
        ) from None
    if any(isinstance(node, ast.AsyncWith) for node in ast.walk(tree)):
        raise RowstampError("env.py runs on an async engine, which --adopt does not edit", _MANUAL)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    configures = [call for call in calls if _is_configure(call)]
    if not configures:
        raise RowstampError("env.py calls no context.configure(...)", _MANUAL)
    connects = [item for node in ast.walk(tree) for item in _connect_items(node)]
    online = [c for c in configures if any(k.arg == "connection" for k in c.keywords)]
    if online and len(connects) != 1:
        raise RowstampError(
            f"env.py has {len(connects)} 'with <engine>.connect() as connection:' blocks, "
            "--adopt edits exactly one",
            _MANUAL,
        )
    lines = text.encode().splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:
        return starts[lineno - 1] + col

    data = text.encode()
    edits: list[tuple[int, int, bytes]] = []
    for call in configures:
        func = call.func
        open_paren = data.index(b"(", offset(func.end_lineno or 0, func.end_col_offset or 0))
        close_paren = offset(call.end_lineno or 0, call.end_col_offset or 0) - 1
        edits.append((open_paren + 1, open_paren + 1, b"**adopted.options("))
        edits.append((close_paren, close_paren, b")"))
    for expr in connects:
        start = offset(expr.lineno, expr.col_offset)
        end = offset(expr.end_lineno or 0, expr.end_col_offset or 0)
        edits.append((start, end, b"adopted.connect()"))
    for value in _unused_engines(tree, connects):
        start = offset(value.lineno, value.col_offset)
        end = offset(value.end_lineno or 0, value.end_col_offset or 0)
        edits.append((start, end, b"None  # rowstamp: adopted.connect() connects"))
    for func in (call.func for call in calls if _is_file_config(call)):
        start = offset(func.lineno, func.col_offset)
        end = offset(func.end_lineno or 0, func.end_col_offset or 0)
        edits.append((start, end, b"adopted.file_config"))
    after = starts[_leading_imports_end(tree)]
    edits.append((after, after, IMPORT_LINE.encode()))
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        data = data[:start] + new + data[end:]
    return data.decode()


_ENGINE_FACTORIES = {"engine_from_config", "create_engine"}


def _unused_engines(tree: ast.Module, connects: list[ast.expr]) -> list[ast.expr]:
    """``engine_from_config(...)`` values of names that only fed the replaced
    ``.connect()``: left in, they would still parse alembic.ini's URL, which a project
    may leave empty (mlflow sets it in code)."""
    found: list[ast.expr] = []
    for expr in connects:
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
            continue
        engine = expr.func.value
        if not isinstance(engine, ast.Name):
            continue
        loads = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Name)
            and node.id == engine.id
            and node is not engine
            and isinstance(node.ctx, ast.Load)
        ]
        if loads:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == [engine.id]
                and isinstance(node.value, ast.Call)
                and _called_name(node.value) in _ENGINE_FACTORIES
            ):
                found.append(node.value)
    return found


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _leading_imports_end(tree: ast.Module) -> int:
    """The line after the module's first run of imports (after its docstring): the
    import must come before any statement that uses ``adopted``, and a project may
    import more further down (mlflow imports its models after ``fileConfig``)."""
    end = 0
    for index, node in enumerate(tree.body):
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, ast.Import | ast.ImportFrom) or (index == 0 and docstring):
            end = node.end_lineno or end
        else:
            break
    return end


def _is_configure(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr == "configure"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "context"
    )


def _is_file_config(node: ast.Call) -> bool:
    return _called_name(node) == "fileConfig"


def _connect_items(node: ast.AST) -> list[ast.expr]:
    """``<x>.connect()`` expressions that a ``with`` statement binds to a name."""
    if not isinstance(node, ast.With):
        return []
    return [
        item.context_expr
        for item in node.items
        if isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Attribute)
        and item.context_expr.func.attr == "connect"
        and not item.context_expr.args
        and isinstance(item.optional_vars, ast.Name)
    ]
