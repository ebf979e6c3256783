"""The command's console markup, printed without rich: ``[bold]``, ``[green]``, ``[/]``.

The syntax is rich's (a tag is ``[`` then a lower-case word; ``\\[`` is a literal
bracket), so every line the commands build reads as before. Importing rich's console
cost a ``./scripts/migrate`` run about as much as reviewing the migration it wrote
(``bench/whole_command.py``), for a handful of styles. Styles reach a terminal only
(or wherever ``FORCE_COLOR`` asks); ``NO_COLOR`` keeps bold but drops colours, and
``TERM=dumb`` drops both. ``tests/cli/test_markup.py`` holds the plain form to rich's.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

__all__ = ["escape", "render", "styles_for"]

# A tag: optional backslashes, then "[" and a word starting with a letter, "#", "/" or "@".
_TAG = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")

_ATTRIBUTES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4"}
_COLOURS = {
    "black": "30",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "white": "37",
}
_RESET = "\x1b[0m"


def escape(text: str) -> str:
    """``text`` with every tag-like ``[...]`` made literal, for user data inside markup.
    Trailing backslashes are doubled, so a tag right after the text stays a tag and the
    text prints as given (rich's own ``escape`` doubles only a single one)."""
    escaped = _TAG.sub(lambda m: f"{m[1]}{m[1]}\\[{m[2]}]", text)
    trailing = len(escaped) - len(escaped.rstrip("\\"))
    return escaped + "\\" * trailing


def styles_for(stream: TextIO) -> tuple[bool, bool]:
    """Whether ``stream`` shows (attributes such as bold, colours)."""
    forced = bool(os.environ.get("FORCE_COLOR"))
    if not forced and not _is_terminal(stream):
        return False, False
    if os.environ.get("TERM", "").lower() in {"dumb", "unknown"}:
        return False, False
    return True, not os.environ.get("NO_COLOR")


def render(markup: str, *, attributes: bool = False, colours: bool = False) -> str:
    """``markup`` as text: tags become ANSI styles where asked, else vanish."""
    out: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TAG.finditer(markup):
        out.append(markup[position : match.start()])
        position = match.end()
        backslashes, tag = len(match[1]), match[2]
        out.append("\\" * (backslashes // 2))
        if backslashes % 2:  # an escaped bracket: the tag is text
            out.append(f"[{tag}]")
            continue
        if tag.startswith("/"):
            if stack:
                stack.pop()
        else:
            stack.append(tag)
        if attributes or colours:
            out.append(_RESET + _sgr(stack, attributes, colours))
    out.append(markup[position:])
    if stack and (attributes or colours):
        out.append(_RESET)
    return "".join(out)


def _sgr(stack: list[str], attributes: bool, colours: bool) -> str:
    codes = []
    for style in stack:
        for word in style.split():
            if attributes and word in _ATTRIBUTES:
                codes.append(_ATTRIBUTES[word])
            elif colours and word in _COLOURS:
                codes.append(_COLOURS[word])
    return f"\x1b[{';'.join(codes)}m" if codes else ""


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
