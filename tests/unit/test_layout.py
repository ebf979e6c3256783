"""The layout docs/architecture.md describes: modules of at most 400 lines, and every
folder's ``__init__.py`` says what belongs in it."""

from __future__ import annotations

import ast
from pathlib import Path

import rowstamp

PACKAGE = Path(rowstamp.__file__).parent


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}, "split these by concern (STYLE.md: modules of 100-400 lines)"


def test_every_folder_says_what_belongs_in_it() -> None:
    folders = [p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    assert len(folders) >= 9
    silent = [
        folder.name
        for folder in folders
        if not ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    ]
    assert silent == []
