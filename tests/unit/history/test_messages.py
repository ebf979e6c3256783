"""The guide's message rules: descriptive, sentence punctuation, no trailing period, unique."""

from __future__ import annotations

import pytest

from rowstamp.errors import MessageError
from rowstamp.history.messages import check_message


@pytest.mark.parametrize(
    "message",
    [
        "Add posts table",
        "Create users table",
        "Add email index, drop legacy column",
        "Rename user.name to full_name",
        "  Add posts table  ",
        "3 new lookup tables",
    ],
)
def test_good_messages_pass(message: str) -> None:
    assert check_message(message) == message.strip()


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Update", "single word"),
        ("Add posts table.", "period"),
        ("add posts table", "capital letter"),
        ("Add posts\ntable", "several lines"),
    ],
)
def test_bad_messages_say_which_rule(message: str, rule: str) -> None:
    with pytest.raises(MessageError, match=rule):
        check_message(message)


def test_duplicate_message_names_the_revision() -> None:
    with pytest.raises(MessageError, match="revision abc123 already has"):
        check_message("Add posts TABLE", {"abc123": "Add posts table"})


@pytest.mark.parametrize(
    "message",
    ["Add posts\x07 table", "Add \u202eelbat stsop", "Add posts\u200b table", "Add\tposts table"],
)
def test_invisible_characters_are_refused(message: str) -> None:
    with pytest.raises(MessageError, match="invisible character U\\+"):
        check_message(message)


def test_a_message_without_letters_or_digits_is_refused() -> None:
    """Alembic's file name slug keeps only word characters: "😀 😀" would make ``<rev>_.py``."""
    with pytest.raises(MessageError, match="no letters or digits"):
        check_message("😀 😀")
