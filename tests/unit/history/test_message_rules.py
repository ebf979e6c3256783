"""Messages that say nothing, or that would break the migration's docstring, are refused."""

from __future__ import annotations

import pytest

from rowstamp.errors import MessageError
from rowstamp.history.messages import check_message


@pytest.mark.parametrize("message", ["Update models", "Fix migration", "Schema changes", "WIP"])
def test_generic_messages_are_refused(message: str) -> None:
    with pytest.raises(MessageError):
        check_message(message)


@pytest.mark.parametrize("message", ['Add posts "table"', 'Say """hi"""', "Add a\\b column"])
def test_messages_that_break_the_docstring_are_refused(message: str) -> None:
    with pytest.raises(MessageError, match="docstring"):
        check_message(message)


@pytest.mark.parametrize(
    "message", ["Add posts table", "Update users email length", 'Rename "posts" to articles']
)
def test_descriptive_messages_pass(message: str) -> None:
    assert check_message(message) == message
