"""The command's markup prints as rich printed it, without importing rich's console."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from rowstamp.cli.markup import escape, render, styles_for

USER_TEXT = [
    "plain words",
    "a [b] c",
    "list[int] and Dict[str, int]",
    "[#####.....] 3/10 done",
    "[bold]not a style here[/]",
    "C:\\\\dir\\\\[name]",
    "ends with a backslash\\",
    "ends with two\\\\",
    "\\[already escaped]",
    "[/] closes nothing",
    "brackets [ alone ] and [] and [1]",
]


def _rich_plain(markup: str) -> str:
    out = io.StringIO()
    Console(file=out, highlight=False, soft_wrap=True, emoji=False).print(markup)
    return out.getvalue().removesuffix("\n")


@pytest.mark.parametrize("text", USER_TEXT)
def test_escaped_user_text_prints_as_given(text: str) -> None:
    line = f"[bold]Review of {escape(text)}[/] ([yellow]{escape(text)}[/])"
    assert render(line) == _rich_plain(line) == f"Review of {text} ({text})"
    loose = f"{escape(text)} then more"  # rich doubles a trailing backslash here: so do we
    assert render(loose) == _rich_plain(loose)


@pytest.mark.parametrize("text", [t for t in USER_TEXT if not t.endswith("\\\\")])
def test_escape_is_riches_escape(text: str) -> None:
    """The same syntax as rich's; only two trailing backslashes differ (rich's printed one)."""
    from rich.markup import escape as rich_escape

    assert escape(text) == rich_escape(text)


def test_styles_are_ansi_and_closing_restores_the_outer_style() -> None:
    line = "[bold]a [red]b[/] c[/] d"
    assert render(line, attributes=True, colours=True) == (
        "\x1b[0m\x1b[1ma \x1b[0m\x1b[1;31mb\x1b[0m\x1b[1m c\x1b[0m d"
    )
    assert render(line, attributes=True) == (
        "\x1b[0m\x1b[1ma \x1b[0m\x1b[1mb\x1b[0m\x1b[1m c\x1b[0m d"
    )
    assert render(line) == "a b c d"


def test_styles_only_on_a_terminal_unless_forced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    primary, secondary = os.openpty()
    with open(secondary, "w") as terminal, (tmp_path / "log").open("w") as file:
        assert styles_for(terminal) == (True, True)
        assert styles_for(file) == (False, False)
        monkeypatch.setenv("NO_COLOR", "1")
        assert styles_for(terminal) == (True, False)
        monkeypatch.setenv("TERM", "dumb")
        assert styles_for(terminal) == (False, False)
        monkeypatch.delenv("TERM")
        monkeypatch.delenv("NO_COLOR")
        monkeypatch.setenv("FORCE_COLOR", "1")
        assert styles_for(file) == (True, True)
    os.close(primary)
