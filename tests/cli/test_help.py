"""Every command explains itself with an example, and ``--help`` stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from rowstamp.cli import app

COMMANDS = [
    ["new"],
    ["migrate"],
    ["review"],
    ["lint"],
    ["check"],
    ["heads"],
    ["merge"],
    ["history"],
    ["current"],
    ["upgrade"],
    ["downgrade"],
    ["status"],
    ["drift"],
    ["init"],
    ["hooks", "install"],
    ["hooks", "commit-msg"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Example: rowstamp {' '.join(command)}" in result.output


@pytest.mark.parametrize("argv", [["--help"], ["migrate", "--help"], ["upgrade", "--help"]])
def test_help_imports_no_database_stack(argv: list[str]) -> None:
    """A command's help loads neither SQLAlchemy, Alembic, the engines nor rich's console
    (``migrate --help`` loaded them all through the invoke wrapper's warning filter)."""
    code = (
        "import sys; from rowstamp.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('alembic', 'sqlalchemy', 'rowstamp.engines', 'rich.console')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
