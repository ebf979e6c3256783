"""The guide's rules for migration messages, as checks with one-line errors.

"Choose a descriptive message that clearly indicates the changes. Use proper
sentence punctuation, but do not add a period." The message also becomes the
file name's slug and the ``Migration:`` commit message, so it must be one line
and unique among the revisions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rowstamp.errors import MessageError

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["check_message", "invisible_character", "revision_messages"]

_EXAMPLE = '"Add posts table"'
_GENERIC_WORDS = frozenset(
    {
        "update",
        "updates",
        "fix",
        "fixes",
        "change",
        "changes",
        "misc",
        "wip",
        "stuff",
        "things",
        "migration",
        "migrations",
        "database",
        "db",
        "schema",
        "model",
        "models",
        "table",
        "tables",
        "new",
        "more",
        "some",
    }
)
"""Words that alone describe no change: "Update models" or "Fix migration" says nothing."""

_SLUG_WORD = re.compile(r"\w+")
"""What Alembic keeps of a message for the file name's slug."""


def invisible_character(text: str) -> str | None:
    """The first control or format character (bell, bidi override, zero-width...), if any.

    They would reach the docstring, the file name and a pasted ``git commit`` line,
    where they hide or reorder what the reader sees.
    """
    return next((c for c in text if unicodedata.category(c) in {"Cc", "Cf"}), None)


def check_message(message: str, existing: Mapping[str, str] | None = None) -> str:
    """Return the message stripped, or raise ``MessageError`` saying which rule it breaks.

    ``existing`` maps revision ids to the messages already used.
    """
    text = message.strip()
    if not text:
        raise MessageError(
            "the migration message is empty", f"describe the change, e.g. {_EXAMPLE}"
        )
    if "\n" in text or "\r" in text:
        raise MessageError("the migration message has several lines", "write one line")
    hidden = invisible_character(text)
    if hidden is not None:
        raise MessageError(
            f"the migration message has an invisible character U+{ord(hidden):04X} "
            f"({unicodedata.name(hidden, 'control character').lower()})",
            "type the message again with plain characters",
        )
    if not _SLUG_WORD.search(text):
        raise MessageError(
            f"the migration message {text!r} has no letters or digits",
            f"the file name is made of them; describe the change, e.g. {_EXAMPLE}",
        )
    if len(text.split()) < 2:
        raise MessageError(
            f"the migration message {text!r} is a single word",
            f"say what changes in a few words, e.g. {_EXAMPLE}",
        )
    if not set(text.casefold().split()) - _GENERIC_WORDS:
        raise MessageError(
            f"the migration message {text!r} does not say what changes",
            f"name the table or column and the change, e.g. {_EXAMPLE}",
        )
    if text.endswith('"') or '"""' in text or "\\" in text:
        raise MessageError(
            f"the migration message {text!r} ends with a quote or has a backslash",
            "it becomes the migration's docstring: rephrase it without them",
        )
    if text.endswith("."):
        raise MessageError(
            f"the migration message {text!r} ends with a period",
            f"drop it: {text.rstrip('.').rstrip()!r}",
        )
    if text[0].isalpha() and not text[0].isupper():
        raise MessageError(
            f"the migration message {text!r} does not start with a capital letter",
            f"write it as a sentence: {text[0].upper() + text[1:]!r}",
        )
    for revision, used in (existing or {}).items():
        if used.strip().casefold() == text.casefold():
            raise MessageError(
                f"revision {revision} already has the message {used.strip()!r}",
                "describe what this migration changes that the other does not",
            )
    return text


def revision_messages(scripts: ScriptDirectory) -> dict[str, str]:
    """Revision id to message, for every revision ``scripts`` holds."""
    return {s.revision: (s.doc or "") for s in scripts.walk_revisions()}
