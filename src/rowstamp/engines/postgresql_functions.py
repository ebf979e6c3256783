"""PostgreSQL's trigger functions: their names, and the body each name stands for.

Version 1 sets the column; version 2 (``set_updated_at_v2``) sets it unless the
transaction set ``rowstamp.untouched`` to ``on`` (``set_config(..., true)``, which
ends with the transaction). Version 3 (``set_updated_at_v3``) keeps version 2's
contract for less: its function is version 1's body and the check is the trigger's
``WHEN`` clause (``UNTOUCHED_WHEN``), which the executor evaluates without entering
PL/pgSQL's per-statement machinery (version 2's ``IF`` measured about 1.04x
version 1 on a narrow table; bench/trigger_floor.py). Each version has functions of
its own: replacing the body behind a shared name would change the trigger of every
table that uses it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

__all__ = [
    "DEFAULT_NOW",
    "FUNCTION_PATTERN",
    "TRIGGER_FUNCTIONS",
    "UNTOUCHED_SETTING",
    "UNTOUCHED_WHEN",
    "body",
    "edited",
    "function_name",
    "function_version",
    "should_set",
]

_FUNCTION = "set_updated_at"
_VERSION_SUFFIX = {1: "", 2: "_v2", 3: "_v3"}
DEFAULT_NOW = "now()"
UNTOUCHED_SETTING = "rowstamp.untouched"
"""The transaction-local setting a version 2 function and a version 3 trigger read."""

UNTOUCHED_WHEN = f"current_setting('{UNTOUCHED_SETTING}', true) IS DISTINCT FROM 'on'"
"""A version 3 trigger's ``WHEN`` condition: the write is not marked untouched."""

FUNCTION_PATTERN = "^set_updated_at(_v[23])?(_[0-9a-f]{8})?$"
"""rowstamp's trigger functions: the guide's, one per pinned "now" or renamed column,
and the same for versions 2 and 3."""

TRIGGER_FUNCTIONS = "^(set_updated_at(_v[23])?(_[0-9a-f]{8})?|moddatetime)$"
"""The functions an ``update_timestamp`` trigger of rowstamp's calls: its own, or the
contrib C function ``moddatetime`` (``[rowstamp] trigger_function``), read as version 1."""

_COLUMN = "updated_at"
_SET = r"NEW\.(?P<column>\"(?:[^\"]|\"\")*\"|\S+) := (?P<now>.*);"
_BODIES = {
    1: re.compile(rf"\nBEGIN\n    {_SET}\n    RETURN NEW;\nEND;\n", re.DOTALL),
    2: re.compile(
        rf"\nBEGIN\n    IF current_setting\('{re.escape(UNTOUCHED_SETTING)}', true\) "
        rf"IS DISTINCT FROM 'on' THEN\n        {_SET}\n    END IF;\n    RETURN NEW;\nEND;\n",
        re.DOTALL,
    ),
}
_BODIES[3] = _BODIES[1]


def function_name(now: str | None, column: str = _COLUMN, version: int = 1) -> str:
    """The trigger function of a "now", a column and a version: the guide's
    ``set_updated_at`` (``set_updated_at_v2``) for the engine's default and
    ``updated_at``, else one named from the expression (and the column a model renamed
    it to), so that no trigger operation ever replaces a function other tables'
    triggers use."""
    base = f"{_FUNCTION}{_VERSION_SUFFIX[version]}"
    if column != _COLUMN:
        key = f"{now or DEFAULT_NOW}\n{column}"
    elif now is None:
        return base
    else:
        key = now
    return f"{base}_{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def function_version(name: str) -> int:
    """The trigger version a rowstamp function's name stands for."""
    for version in (3, 2):
        if name.startswith(f"{_FUNCTION}{_VERSION_SUFFIX[version]}"):
            return version
    return 1


def body(column: str, now: str, version: int = 1) -> str:
    """The plpgsql body of a function setting ``column`` (quoted) to ``now``; version
    3's is version 1's (its trigger's ``WHEN`` clause does the check)."""
    if version in (1, 3):
        return f"\nBEGIN\n    NEW.{column} := {now};\n    RETURN NEW;\nEND;\n"
    return (
        f"\nBEGIN\n    IF current_setting('{UNTOUCHED_SETTING}', true) IS DISTINCT FROM 'on' "
        f"THEN\n        NEW.{column} := {now};\n    END IF;\n    RETURN NEW;\nEND;\n"
    )


def _expected(name: str, text: str) -> tuple[str, str] | None:
    """The column and "now" the function ``name`` stands for, or None when its body
    cannot tell."""
    version = function_version(name)
    if name == function_name(None, _COLUMN, version):
        return _COLUMN, DEFAULT_NOW
    match = _BODIES[version].fullmatch(text)
    if match is None:
        return None
    column, now = _unquote(match["column"]), match["now"]
    return (column, now) if function_name(now, column, version) == name else None


def _unquote(identifier: str) -> str:
    if identifier.startswith('"') and identifier.endswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier


def edited(name: str, text: str | None, quote: Callable[[str], str]) -> bool:
    """True for a rowstamp trigger function whose body is not what rowstamp writes."""
    if text is None or not re.match(FUNCTION_PATTERN, name):
        return False
    expected = _expected(name, text)
    return expected is None or text != body(quote(expected[0]), expected[1], function_version(name))


def should_set(name: str, text: str, quote: Callable[[str], str]) -> str:
    """What an edited function should set, for its message ("" when unknown)."""
    expected = _expected(name, text)
    if expected is None:
        return ""
    return f" (it should set {quote(expected[0])} := {expected[1]})"
